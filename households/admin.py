"""Django admin of the household registry.

Every model is registered with :class:`HistoryImportExportAdmin`: change
history (django-simple-history) and import/export (django-import-export,
resources in ``households.resources``) on every page. The other apps' admins
reuse that base class from here.

Changelists never query per row: related objects are joined
(``list_select_related``) and per-household values (head's name, current
status) are annotated with subqueries in ``get_queryset``.

Resident ID numbers are shown masked in lists and exports; the full number
is only on a member's change form (where it is edited) and can be searched
for exactly.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Subquery
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.template_utils import HistoricalRecordContextHelper

from audit.context import client_ip
from households import rules, scope, services
from households.admin_base import (
    HistoryImportExportAdmin,
    RegistryScopeMixin,
    ScopedInline,
    ScopedStackedInline,
)
from households.choices import PovertyCause, PovertyStatus, Relation
from households.models import (
    County,
    GuaranteeAssessment,
    Household,
    HouseholdIncome,
    HouseholdStatusPeriod,
    IdNumberReveal,
    Member,
    NaturalVillage,
    PolicyYear,
    Town,
    Village,
    VillagePopulation,
    VillagerGroup,
)
from households.resources import (
    CountyResource,
    GuaranteeAssessmentResource,
    HouseholdIncomeResource,
    HouseholdResource,
    HouseholdStatusPeriodResource,
    MemberResource,
    NaturalVillageResource,
    PolicyYearResource,
    TownResource,
    VillagePopulationResource,
    VillageResource,
    VillagerGroupResource,
)

admin.site.site_header = "铁沙盖镇脱贫攻坚信息管理系统"
admin.site.site_title = "铁沙盖镇脱贫攻坚信息管理系统"
admin.site.index_title = "数据管理"

__all__ = ["HistoryImportExportAdmin", "ScopedInline", "ScopedStackedInline"]


# --------------------------------------------------------------------------
# Geography and policy parameters
# --------------------------------------------------------------------------


@admin.register(County)
class CountyAdmin(HistoryImportExportAdmin):
    resource_classes = [CountyResource]
    list_display = ("name", "code", "city", "province")
    search_fields = ("name", "code")
    # A county's and a town's staff see their own county only.
    registry_data = True

    def scope_visible(self, queryset, user):
        return queryset.filter(pk__in=scope.counties_visible_to(user).values("pk"))


@admin.register(Town)
class TownAdmin(HistoryImportExportAdmin):
    resource_classes = [TownResource]
    list_display = ("name", "county", "code", "area_km2")
    list_select_related = ("county",)
    list_filter = ("county",)
    search_fields = ("name", "code")
    # A town's staff see their own town, a county's its towns.
    registry_data = True

    def scope_visible(self, queryset, user):
        return queryset.filter(pk__in=scope.towns_visible_to(user).values("pk"))


class VillagerGroupInline(ScopedInline):
    model = VillagerGroup
    village_path = "village"
    extra = 0
    fields = ("number", "name")


class NaturalVillageInline(ScopedInline):
    model = NaturalVillage
    village_path = "village"
    extra = 0
    fields = ("name",)


class VillagePopulationInline(ScopedInline):
    model = VillagePopulation
    village_path = "village"
    extra = 0
    fields = (
        "year",
        "registered_households",
        "registered_persons",
        "resident_households",
        "resident_persons",
    )


@admin.register(Village)
class VillageAdmin(HistoryImportExportAdmin):
    resource_classes = [VillageResource]
    village_path = ""
    list_display = ("name", "town", "code", "poor_village_kind", "exit_year")
    list_filter = ("poor_village_kind", "exit_year", "town")
    list_select_related = ("town",)
    search_fields = ("name", "code")
    inlines = [VillagerGroupInline, NaturalVillageInline, VillagePopulationInline]


@admin.register(VillagerGroup)
class VillagerGroupAdmin(HistoryImportExportAdmin):
    resource_classes = [VillagerGroupResource]
    village_path = "village"
    list_display = ("name", "number", "village")
    list_filter = ("village",)
    list_select_related = ("village",)
    search_fields = ("name", "village__name")
    autocomplete_fields = ("village",)

    def get_queryset(self, request):
        # ``__str__`` names the village: needed by autocompletes and selects too.
        return super().get_queryset(request).select_related("village")


@admin.register(NaturalVillage)
class NaturalVillageAdmin(HistoryImportExportAdmin):
    resource_classes = [NaturalVillageResource]
    village_path = "village"
    list_display = ("name", "village")
    list_filter = ("village",)
    list_select_related = ("village",)
    search_fields = ("name", "village__name")
    autocomplete_fields = ("village",)


@admin.register(VillagePopulation)
class VillagePopulationAdmin(HistoryImportExportAdmin):
    resource_classes = [VillagePopulationResource]
    village_path = "village"
    list_display = (
        "village",
        "year",
        "registered_households",
        "registered_persons",
        "resident_households",
        "resident_persons",
    )
    list_filter = ("year", "village")
    list_select_related = ("village",)
    search_fields = ("village__name",)
    autocomplete_fields = ("village",)


@admin.register(PolicyYear)
class PolicyYearAdmin(HistoryImportExportAdmin):
    resource_classes = [PolicyYearResource]
    list_display = (
        "province_name",
        "year",
        "poverty_line",
        "monitoring_line",
        "village_exit_threshold",
    )
    list_filter = ("province_name",)
    search_fields = ("province_name", "=year")


# --------------------------------------------------------------------------
# Households
# --------------------------------------------------------------------------


class CurrentStatusFilter(admin.SimpleListFilter):
    """Filter households by the status of their open period."""

    title = _("当前贫困状态")
    parameter_name = "current_status"

    def lookups(self, request, model_admin):
        return PovertyStatus.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                status_periods__valid_to__isnull=True, status_periods__status=self.value()
            )
        return queryset


class MaskedIdNumberInput(forms.TextInput):
    """Shows a stored ID number masked (``150927********0476``): the full number
    reaches a page only through the recorded reveal."""

    def format_value(self, value):
        value = super().format_value(value)
        return rules.mask_id_number(value) if value else value


class MaskedIdNumberForm(forms.ModelForm):
    """A member's form in the admin with the ID number masked.

    Submitted unchanged (the masked text as shown), the stored number is kept;
    a new full number replaces it and is checked as everywhere else.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("id_number")
        if field is not None:
            field.widget = MaskedIdNumberInput(attrs=field.widget.attrs)
            field.help_text = _(
                "已隐去中间8位;不修改则保留原号码。查看完整号码请用“查看完整身份证号”(留痕)"
            )

    def clean_id_number(self):
        value = self.cleaned_data.get("id_number", "")
        stored = self.instance.id_number if self.instance.pk else ""
        if stored and value.strip() == rules.mask_id_number(stored):
            return stored
        return value


class VersionBumpingAdmin(HistoryImportExportAdmin):
    """An admin of records hanging off a household: every write through it moves
    the household's version on, as the pages' saves do."""

    household_path = "household"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.household_version_bump(household_ids=[obj.household_id])

    def delete_model(self, request, obj):
        household_id = obj.household_id
        super().delete_model(request, obj)
        services.household_version_bump(household_ids=[household_id])

    def delete_queryset(self, request, queryset):
        household_ids = set(queryset.values_list("household_id", flat=True))
        super().delete_queryset(request, queryset)
        services.household_version_bump(household_ids=household_ids)


class MemberInline(ScopedInline):
    model = Member
    form = MaskedIdNumberForm
    household_path = "household"
    extra = 0
    show_change_link = True
    fields = (
        "name",
        "id_number",
        "relation",
        "health",
        "disability_kind",
        "disability_grade",
        "labour",
        "education_level",
        "school_status",
        "medical_insurance",
        "on_dibao",
        "on_tekun",
        "joined_on",
        "join_reason",
        "left_on",
        "leave_reason",
        "deceased_on",
    )


class HouseholdStatusPeriodInline(ScopedInline):
    """The status history, read only: a status changes only through the
    registry's status page, which runs the lifting check."""

    model = HouseholdStatusPeriod
    household_path = "household"
    extra = 0
    fields = ("status", "valid_from", "valid_to", "reason", "decided_by", "recorded_by")
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HouseholdIncomeInline(ScopedStackedInline):
    model = HouseholdIncome
    household_path = "household"
    extra = 0
    classes = ("collapse",)


class GuaranteeAssessmentInline(ScopedStackedInline):
    model = GuaranteeAssessment
    household_path = "household"
    extra = 0
    classes = ("collapse",)


def head_name_subquery():
    """The name of the household's head; a head still present before a departed one."""
    heads = Member.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD).order_by(
        F("left_on").desc(nulls_first=True), "-joined_on", "-pk"
    )
    return Subquery(heads.values("name")[:1])


def open_status_subquery():
    """The status of the household's open period (``valid_to`` empty)."""
    periods = HouseholdStatusPeriod.objects.filter(
        household=OuterRef("pk"), valid_to__isnull=True
    ).order_by()
    return Subquery(periods.values("status")[:1])


@admin.register(Household)
class HouseholdAdmin(HistoryImportExportAdmin):
    resource_classes = [HouseholdResource]
    list_display = (
        "number",
        "village",
        "group",
        "head_name",
        "attribute",
        "dibao_class",
        "status_display",
        "identified_year",
    )
    list_filter = (
        "village",
        CurrentStatusFilter,
        "attribute",
        "dibao_class",
        "identification_kind",
        "identified_year",
        "main_cause",
    )
    list_select_related = ("village", "group__village")
    search_fields = ("number", "phone", "members__name", "=members__id_number")
    autocomplete_fields = ("village", "group", "natural_village", "residence_village")
    readonly_fields = ("version", "created_at", "updated_at", "status_page")
    household_path = ""
    inlines = [
        MemberInline,
        HouseholdStatusPeriodInline,
        HouseholdIncomeInline,
        GuaranteeAssessmentInline,
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(head_name=head_name_subquery(), open_status=open_status_subquery())
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "other_causes":
            # The JSON list of cause codes, as check boxes instead of raw JSON.
            return forms.MultipleChoiceField(
                label=capfirst(db_field.verbose_name),
                choices=PovertyCause.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        search_term = normalized_id_number(search_term) or search_term
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("户主"), ordering="head_name")
    def head_name(self, obj):
        return obj.head_name

    @admin.display(description=_("当前贫困状态"), ordering="open_status")
    def status_display(self, obj):
        if not obj.open_status:
            return None
        try:
            return PovertyStatus(obj.open_status).label
        except ValueError:
            return obj.open_status

    @admin.display(description=_("变更贫困状态"))
    def status_page(self, obj):
        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("households:status", args=[obj.pk]),
            _("在户信息页变更(按脱贫标准检查)"),
        )

    def save_model(self, request, obj, form, change):
        # One move of the version for the whole form: the household, and the
        # inlines saved after it in the same request.
        super().save_model(request, obj, form, change)
        services.household_version_bump(household_ids=[obj.pk])


@admin.register(HouseholdStatusPeriod)
class HouseholdStatusPeriodAdmin(HistoryImportExportAdmin):
    """The status history of every household, read only (and never imported):
    a status changes only through ``assessment.services.household_change_status``, which
    runs the lifting check, from the household's status page."""

    resource_classes = [HouseholdStatusPeriodResource]
    household_path = "household"
    import_allowed = False
    list_display = (
        "household",
        "status",
        "valid_from",
        "valid_to",
        "reason",
        "decided_by",
        "recorded_by",
    )
    list_filter = ("status", ("valid_to", admin.EmptyFieldListFilter), "household__village")
    list_select_related = ("household", "recorded_by")
    search_fields = ("household__number", "reason", "decided_by")
    date_hierarchy = "valid_from"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --------------------------------------------------------------------------
# Members
# --------------------------------------------------------------------------

_ID_LIKE = re.compile(r"[0-9]{17}[0-9X]")
REVEAL_PERMISSION = "households.reveal_id_number"


def normalized_id_number(search_term: str) -> str:
    """``search_term`` as a normalised ID number if it looks like one, else ``""``.

    So that a number pasted with spaces, full-width digits or a lower-case
    ``x`` still finds its member.
    """
    try:
        number = rules.normalize_id_number(search_term or "")
    except TypeError:
        return ""
    return number if _ID_LIKE.fullmatch(number) else ""


class MaskedIdHistoryContextHelper(HistoricalRecordContextHelper):
    """History page deltas of a member, with the ID number and birth date masked."""

    def prepare_delta_change_value(self, change, value):
        if change.field == "id_number":
            return rules.mask_id_number(value or "")
        if change.field == "birth_date":
            return "********" if value else value
        return super().prepare_delta_change_value(change, value)


class PresentFilter(admin.SimpleListFilter):
    title = _("是否在册")
    parameter_name = "present"

    def lookups(self, request, model_admin):
        return (("yes", _("在册")), ("no", _("已减员")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(left_on__isnull=True)
        if self.value() == "no":
            return queryset.filter(left_on__isnull=False)
        return queryset


@admin.register(Member)
class MemberAdmin(VersionBumpingAdmin):
    """Members, their ID numbers masked everywhere (list, form, history,
    export); the full number shows on a page of its own (``reveal``) that
    needs the reveal permission and is recorded like the registry's."""

    resource_classes = [MemberResource]
    form = MaskedIdNumberForm
    change_form_template = "admin/households/member/change_form.html"
    list_display = (
        "name",
        "masked_id_number",
        "sex",
        "age",
        "relation",
        "household",
        "household__village",
        "health",
        "labour",
        "school_status",
        "medical_insurance",
        "on_dibao",
        "on_tekun",
        "left_on",
    )
    list_filter = (
        PresentFilter,
        "relation",
        "sex",
        "health",
        "labour",
        "education_level",
        "school_status",
        "medical_insurance",
        "on_dibao",
        "on_tekun",
        "household__village",
    )
    list_select_related = ("household__village",)
    # The full ID number can be searched for, exactly (see get_search_results).
    search_fields = ("name", "=id_number", "=household__number")
    autocomplete_fields = ("household",)
    # The age, not the birth date: the birth date is the part of the number
    # the mask hides.
    readonly_fields = ("sex", "age")
    date_hierarchy = "joined_on"
    fieldsets = (
        (
            _("基本信息"),
            {
                "fields": (
                    "household",
                    "name",
                    "id_number",
                    ("sex", "age"),
                    "relation",
                    "ethnicity",
                    "phone",
                )
            },
        ),
        (
            _("健康与劳动"),
            {"fields": ("health", "illness", "disability_kind", "disability_grade", "labour")},
        ),
        (_("教育"), {"fields": ("education_level", "school_status")}),
        (_("保障"), {"fields": ("medical_insurance", "on_dibao", "on_tekun")}),
        (
            _("增减变动"),
            {
                "fields": (
                    ("joined_on", "join_reason"),
                    ("left_on", "leave_reason"),
                    "deceased_on",
                )
            },
        ),
    )

    def get_search_results(self, request, queryset, search_term):
        search_term = normalized_id_number(search_term) or search_term
        return super().get_search_results(request, queryset, search_term)

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskedIdHistoryContextHelper(self.model, historical_record)

    @admin.display(description=_("身份证号"), ordering="id_number")
    def masked_id_number(self, obj):
        return rules.mask_id_number(obj.id_number)

    @admin.display(description=_("年龄"), ordering="-birth_date")
    def age(self, obj):
        # Age rather than the birth date: the birth date is the part of the
        # number the mask hides.
        if not obj.birth_date:
            return None
        return rules.age_on(obj.birth_date, timezone.localdate())

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/reveal/",
                self.admin_site.admin_view(self.reveal_view),
                name="{}_{}_reveal".format(*info),
            ),
            *super().get_urls(),
        ]

    def reveal_view(self, request, object_id):
        """The full ID number of one member: a confirmation first (GET), the number
        after the POST, which records the reveal (who, when, from where)."""
        if not request.user.has_perm(REVEAL_PERMISSION):
            raise PermissionDenied
        member = None
        if object_id.isdigit():
            member = self.get_queryset(request).filter(pk=object_id).first()
        if member is None:
            raise Http404
        number = None
        if request.method == "POST":
            number = services.id_number_reveal(
                member=member, user=request.user, ip_address=client_ip(request)
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": member,
            "title": _("查看完整身份证号"),
            "masked": member.masked_id_number,
            "number": number,
        }
        return TemplateResponse(request, "admin/households/member/reveal.html", context)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["can_reveal"] = bool(obj and request.user.has_perm(REVEAL_PERMISSION))
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)


# --------------------------------------------------------------------------
# Income and guarantees
# --------------------------------------------------------------------------


@admin.register(HouseholdIncome)
class HouseholdIncomeAdmin(VersionBumpingAdmin):
    resource_classes = [HouseholdIncomeResource]
    list_display = (
        "household",
        "year",
        "assessed_on",
        "wage_income",
        "production_income",
        "production_cost",
        "property_income",
        "transfer_total",
        "net_income_display",
    )
    list_filter = ("year", "household__village")
    list_select_related = ("household",)
    search_fields = ("household__number",)
    autocomplete_fields = ("household",)
    date_hierarchy = "assessed_on"

    @admin.display(description=_("转移性收入"))
    def transfer_total(self, obj):
        return obj.transfer_income

    @admin.display(description=_("家庭纯收入"))
    def net_income_display(self, obj):
        return obj.net_income


@admin.register(GuaranteeAssessment)
class GuaranteeAssessmentAdmin(VersionBumpingAdmin):
    resource_classes = [GuaranteeAssessmentResource]
    list_display = (
        "household",
        "assessed_on",
        "food_ok",
        "clothing_ok",
        "housing_grade",
        "housing_alternative",
        "water_ok",
        "assessed_by",
    )
    list_filter = (
        "food_ok",
        "clothing_ok",
        "housing_grade",
        "housing_alternative",
        "water_ok",
        "household__village",
    )
    list_select_related = ("household",)
    search_fields = ("household__number", "assessed_by")
    autocomplete_fields = ("household",)
    date_hierarchy = "assessed_on"


@admin.register(IdNumberReveal)
class IdNumberRevealAdmin(RegistryScopeMixin, admin.ModelAdmin):
    """The record of who saw a full ID number: read only, for nobody to edit or delete."""

    household_path = "member__household"

    list_display = ["revealed_at", "user", "member", "household_number", "ip_address"]
    list_filter = ["revealed_at"]
    search_fields = ["user__username", "member__name", "member__household__number"]
    date_hierarchy = "revealed_at"
    list_select_related = ["user", "member__household"]

    @admin.display(description=_("户编号"))
    def household_number(self, reveal):
        return reveal.member.household.number

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The ledger import records (households.ledger) are registered with the rest.
from households.ledger import admin as _ledger_admin  # noqa: E402,F401
