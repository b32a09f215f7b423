"""The audit trail in the Django admin: read only, for everyone, superusers included."""

from django.contrib import admin

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "at",
        "username",
        "ip_address",
        "action",
        "object_type",
        "object_label",
        "count",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "object_label", "object_id", "ip_address"]
    date_hierarchy = "at"
    fields = [
        "at",
        "user",
        "username",
        "ip_address",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "detail",
        "count",
    ]
    readonly_fields = fields
    # The entry keeps the user's id even after the account is deleted: no join.
    list_select_related = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
