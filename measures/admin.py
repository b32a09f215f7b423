"""Django admin of the assistance measures (base class and conventions: ``households.admin``).

A household's measures are found here, on the 帮扶措施 changelist filtered or
searched by household, rather than as an inline of the household page, so
that the household registry does not depend on this app.
"""

from __future__ import annotations

from django.contrib import admin

from households.admin import HistoryImportExportAdmin, ScopedInline
from measures.models import (
    Assignment,
    CollectiveIncome,
    MeasureApplication,
    Programme,
    ProjectIncome,
    ResponsiblePerson,
    VillageProject,
)
from measures.resources import (
    AssignmentResource,
    CollectiveIncomeResource,
    MeasureApplicationResource,
    ProgrammeResource,
    ProjectIncomeResource,
    ResponsiblePersonResource,
    VillageProjectResource,
)


class AssignmentInline(ScopedInline):
    model = Assignment
    household_path = "household"
    extra = 0
    fields = ("household", "started_on", "ended_on")
    autocomplete_fields = ("household",)


@admin.register(ResponsiblePerson)
class ResponsiblePersonAdmin(HistoryImportExportAdmin):
    resource_classes = [ResponsiblePersonResource]
    list_display = ("name", "organisation", "position", "phone", "user")
    list_select_related = ("user",)
    search_fields = ("name", "organisation", "phone")
    autocomplete_fields = ("user",)
    inlines = [AssignmentInline]


@admin.register(Assignment)
class AssignmentAdmin(HistoryImportExportAdmin):
    resource_classes = [AssignmentResource]
    household_path = "household"
    list_display = ("person", "household", "household__village", "started_on", "ended_on")
    list_filter = (("ended_on", admin.EmptyFieldListFilter), "household__village")
    list_select_related = ("person", "household__village")
    search_fields = ("person__name", "person__organisation", "household__number")
    autocomplete_fields = ("household", "person")
    date_hierarchy = "started_on"


@admin.register(Programme)
class ProgrammeAdmin(HistoryImportExportAdmin):
    resource_classes = [ProgrammeResource]
    list_display = (
        "year",
        "name",
        "category",
        "kind",
        "unit",
        "standard_amount",
        "days",
        "income_per_year",
        "partner",
    )
    list_filter = ("year", "category", "kind", "target", "unit", "village")
    search_fields = ("name", "partner")
    autocomplete_fields = ("village",)

    def save_model(self, request, obj, form, change):
        # As for measures: a page opened before this edit refuses to overwrite it.
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(MeasureApplication)
class MeasureApplicationAdmin(HistoryImportExportAdmin):
    resource_classes = [MeasureApplicationResource]
    household_path = "household"
    list_display = (
        "programme",
        "household",
        "member",
        "status",
        "amount",
        "added_income",
        "renovation_kind",
        "completed_on",
    )
    list_filter = (
        "programme__year",
        "programme__category",
        "programme__kind",
        "status",
        "renovation_kind",
        "household__village",
    )
    list_select_related = ("programme", "household", "member")
    search_fields = ("programme__name", "household__number", "member__name", "progress_note")
    autocomplete_fields = ("programme", "household", "member", "responsible")
    date_hierarchy = "completed_on"

    def save_model(self, request, obj, form, change):
        # An admin edit moves the version on, so that a page opened before it
        # (measures.services) refuses to overwrite it.
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


class ProjectIncomeInline(ScopedInline):
    model = ProjectIncome
    village_path = "project__village"
    extra = 0
    fields = ("year", "income", "is_estimate")


@admin.register(VillageProject)
class VillageProjectAdmin(HistoryImportExportAdmin):
    resource_classes = [VillageProjectResource]
    village_path = "village"
    list_display = (
        "name",
        "village",
        "year",
        "kind",
        "funds",
        "quantity",
        "capacity_kw",
        "completed_on",
    )
    list_filter = ("kind", "year", "village")
    list_select_related = ("village",)
    search_fields = ("name", "village__name", "funding_source")
    autocomplete_fields = ("village",)
    inlines = [ProjectIncomeInline]

    def get_queryset(self, request):
        # ``__str__`` names the village: needed by autocompletes too.
        return super().get_queryset(request).select_related("village")


@admin.register(ProjectIncome)
class ProjectIncomeAdmin(HistoryImportExportAdmin):
    resource_classes = [ProjectIncomeResource]
    village_path = "project__village"
    list_display = ("project", "year", "income", "is_estimate")
    list_filter = ("year", "is_estimate", "project__kind", "project__village")
    list_select_related = ("project__village",)
    search_fields = ("project__name", "project__village__name")
    autocomplete_fields = ("project",)


@admin.register(CollectiveIncome)
class CollectiveIncomeAdmin(HistoryImportExportAdmin):
    resource_classes = [CollectiveIncomeResource]
    village_path = "village"
    list_display = ("village", "year", "amount")
    list_filter = ("year", "village")
    list_select_related = ("village",)
    search_fields = ("village__name",)
    autocomplete_fields = ("village",)
