"""Django admin of census preparation (base class and conventions: ``households.admin``)."""

from __future__ import annotations

from django.contrib import admin

from census.models import CensusStaff, GroupMember, HouseholdCheck, WorkingGroup
from census.resources import (
    CensusStaffResource,
    GroupMemberResource,
    HouseholdCheckResource,
    WorkingGroupResource,
)
from households.admin import HistoryImportExportAdmin


class GroupMemberInline(admin.TabularInline):
    model = GroupMember
    extra = 0
    fields = ("name", "position", "role", "phone")


@admin.register(WorkingGroup)
class WorkingGroupAdmin(HistoryImportExportAdmin):
    resource_classes = [WorkingGroupResource]
    list_display = ("name", "kind", "parent", "town", "established_on", "order")
    list_filter = ("kind", "town")
    list_select_related = ("parent", "town")
    search_fields = ("name", "duties")
    autocomplete_fields = ("parent",)
    inlines = [GroupMemberInline]


@admin.register(GroupMember)
class GroupMemberAdmin(HistoryImportExportAdmin):
    resource_classes = [GroupMemberResource]
    list_display = ("name", "group", "role", "position", "phone")
    list_filter = ("role", "group")
    list_select_related = ("group",)
    search_fields = ("name", "position", "phone", "group__name")
    autocomplete_fields = ("group",)

    def get_queryset(self, request):
        # ``__str__`` names the group: needed by autocompletes too.
        return super().get_queryset(request).select_related("group")


@admin.register(CensusStaff)
class CensusStaffAdmin(HistoryImportExportAdmin):
    resource_classes = [CensusStaffResource]
    village_path = "village"
    list_display = ("name", "role", "village", "phone", "user")
    list_filter = ("role", "village")
    list_select_related = ("village", "user")
    search_fields = ("name", "phone", "village__name")
    autocomplete_fields = ("village", "user")


@admin.register(HouseholdCheck)
class HouseholdCheckAdmin(HistoryImportExportAdmin):
    """The census checks: which enumerator checks which household is set here;
    the check itself (checklist, submission, review) moves only through the
    census pages' workflow (``census.services``), never in the admin nor by import."""

    resource_classes = [HouseholdCheckResource]
    household_path = "household"
    import_allowed = False
    list_display = (
        "household",
        "household__village",
        "status",
        "enumerator",
        "checked_on",
        "reviewer",
        "reviewed_on",
    )
    list_filter = (
        "status",
        "household__village",
        ("enumerator", admin.RelatedOnlyFieldListFilter),
        ("reviewer", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("household__village", "enumerator", "reviewer")
    search_fields = ("household__number", "enumerator__name", "reviewer__name", "review_note")
    autocomplete_fields = ("household", "enumerator")
    readonly_fields = (
        "status",
        "checklist",
        "checked_on",
        "submitted_by",
        "reviewer",
        "reviewed_on",
        "reviewed_by",
        "review_note",
        "version",
    )
    date_hierarchy = "checked_on"

    def save_model(self, request, obj, form, change):
        # Reassigning the enumerator moves the version on, as the workflow's
        # writes do, so a checklist opened before it is not saved over it.
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)
