"""The ledger import records in the admin: read only, never deleted (they are the log)."""

from django.contrib import admin

from households.admin_base import RegistryScopeMixin
from households.ledger.models import LedgerImport


@admin.register(LedgerImport)
class LedgerImportAdmin(RegistryScopeMixin, admin.ModelAdmin):
    list_display = ["id", "file_name", "uploaded_by", "uploaded_at", "status", "applied_at"]
    list_filter = ["status", "uploaded_at"]
    search_fields = ["file_name", "sha256", "uploaded_by__username"]
    date_hierarchy = "uploaded_at"
    list_select_related = ["uploaded_by"]

    def get_queryset(self, request):
        # The same rule as the import pages: one's own imports, or all of them
        # for those who import for every village.
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=LedgerImport.objects.visible_to(request.user).values("pk"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
