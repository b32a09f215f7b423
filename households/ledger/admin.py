"""The ledger import records in the admin: read only, never deleted (they are the log)."""

from django.contrib import admin

from households.ledger.models import LedgerImport


@admin.register(LedgerImport)
class LedgerImportAdmin(admin.ModelAdmin):
    list_display = ["id", "file_name", "uploaded_by", "uploaded_at", "status", "applied_at"]
    list_filter = ["status", "uploaded_at"]
    search_fields = ["file_name", "sha256", "uploaded_by__username"]
    date_hierarchy = "uploaded_at"
    list_select_related = ["uploaded_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
