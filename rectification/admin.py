"""Django admin of rectification (base class and conventions: ``households.admin``)."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.contrib import admin
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.admin import HistoryImportExportAdmin, ScopedInline
from rectification.filetypes import KINDS_BY_EXTENSION, extension_of
from rectification.models import Evidence, InspectionRound, Problem
from rectification.resources import EvidenceResource, InspectionRoundResource, ProblemResource


def fill_in_upload(evidence, user):
    """Record who uploaded a new evidence file, the file's own name, its type, size and digest.

    The file's content was checked by the field's validator (as on the pages).
    """
    if evidence.uploaded_by_id is None and getattr(user, "pk", None):
        evidence.uploaded_by = user
    if not evidence.original_name and evidence.file:
        evidence.original_name = PurePath(evidence.file.name).name[:200]
    if evidence.file and not getattr(evidence.file, "_committed", True):
        upload = evidence.file.file
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        kind = KINDS_BY_EXTENSION.get(extension_of(evidence.file.name))
        evidence.content_type = kind.content_type if kind else ""
        evidence.size = len(data)
        evidence.sha256 = hashlib.sha256(data).hexdigest()


@admin.register(InspectionRound)
class InspectionRoundAdmin(HistoryImportExportAdmin):
    resource_classes = [InspectionRoundResource]
    list_display = ("name", "kind", "year", "feedback_on", "problem_count")
    list_filter = ("kind", "year")
    search_fields = ("name", "summary")
    date_hierarchy = "feedback_on"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(problem_count=Count("problems"))

    @admin.display(description=_("问题数"), ordering="problem_count")
    def problem_count(self, obj):
        return obj.problem_count


class EvidenceInline(ScopedInline):
    model = Evidence
    registry_data = True

    def scope_visible(self, queryset, user):
        return queryset.filter(problem__in=Problem.objects.visible_to(user).values("pk"))

    extra = 0
    fields = ("file", "original_name", "description", "uploaded_by", "uploaded_at")
    readonly_fields = ("uploaded_by", "uploaded_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


class OverdueFilter(admin.SimpleListFilter):
    title = _("是否逾期")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", _("已逾期")), ("no", _("未逾期")))

    def queryset(self, request, queryset):
        overdue = Problem.objects.overdue_on(timezone.localdate()).values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return queryset


@admin.register(Problem)
class ProblemAdmin(HistoryImportExportAdmin):
    """Problems of the inspection rounds. Their rectification (start, close with
    evidence by someone other than the responsible person, reopen) moves only
    through the rectification pages (``rectification.services``): the workflow
    fields are read only here and never imported."""

    resource_classes = [ProblemResource]
    registry_data = True
    import_allowed = False
    readonly_fields = ("status", "completed_on", "completion_note", "closed_by", "reopen_reason")
    list_display = (
        "short_text",
        "inspection_round",
        "category",
        "status",
        "deadline",
        "completed_on",
        "responsible_name",
    )
    list_filter = ("inspection_round", "category", "status", OverdueFilter, "villages")
    list_select_related = ("inspection_round",)
    search_fields = ("text", "responsible_name", "measures_taken", "households__number")
    autocomplete_fields = (
        "inspection_round",
        "villages",
        "households",
        "responsible_user",
    )
    date_hierarchy = "deadline"
    inlines = [EvidenceInline]

    @admin.display(description=_("问题描述"), ordering="text")
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 40 else obj.text[:40] + "…"

    def scope_visible(self, queryset, user):
        return queryset.filter(pk__in=Problem.objects.visible_to(user).values("pk"))

    def save_model(self, request, obj, form, change):
        # A page opened before this edit refuses to save over it.
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is Evidence:
            for evidence in formset.save(commit=False):
                fill_in_upload(evidence, request.user)
                evidence.save()
            for evidence in formset.deleted_objects:
                evidence.delete()
            formset.save_m2m()
            return
        super().save_formset(request, form, formset, change)


@admin.register(Evidence)
class EvidenceAdmin(HistoryImportExportAdmin):
    resource_classes = [EvidenceResource]
    registry_data = True
    import_allowed = False

    def scope_visible(self, queryset, user):
        return queryset.filter(problem__in=Problem.objects.visible_to(user).values("pk"))

    list_display = ("__str__", "problem", "description", "uploaded_by", "uploaded_at")
    list_filter = ("problem__inspection_round", "problem__category")
    list_select_related = ("problem", "uploaded_by")
    search_fields = ("original_name", "description", "problem__text")
    autocomplete_fields = ("problem",)
    readonly_fields = ("uploaded_by", "uploaded_at")
    date_hierarchy = "uploaded_at"

    def save_model(self, request, obj, form, change):
        fill_in_upload(obj, request.user)
        super().save_model(request, obj, form, change)
