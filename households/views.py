"""Pages of the household registry. Thin: load through the scoping function,
call a selector or a service, render.

Scoping: every household comes from ``households.scope``,
so a household of another village is simply not found (404). Editing also
needs the change permission (403 for read-only roles such as leaders).
"""

from __future__ import annotations

import logging
from datetime import date
from functools import lru_cache

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_record
from households import params, rules, selectors, services
from households.check_queries import (
    criterion_failed_q,
    failures_by_household,
    with_income,
)
from households.choices import PovertyCause, PovertyStatus
from households.filters import HouseholdFilter
from households.forms import (
    GuaranteeForm,
    HouseholdForm,
    IncomeForm,
    MemberCorrectionForm,
    MemberForm,
    MemberLeaveForm,
    StatusForm,
    StatusUndoForm,
)
from households.models import (
    BY_VILLAGE_ORDER,
    VILLAGE_ORDER,
    GuaranteeAssessment,
    Household,
    HouseholdIncome,
    Member,
    VillagerGroup,
)
from households.scope import (
    filter_visible,
    households_visible_to,
    sees_whole_registry,
    villages_visible_to,
)
from households.xlsx import write_workbook

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
SORTS = {
    "number": ("number",),
    "-number": ("-number",),
    "village": (*BY_VILLAGE_ORDER, "number"),
    "-village": (*(f"-{f}" for f in BY_VILLAGE_ORDER), "-number"),
    "head": ("head_name", "number"),
    "-head": ("-head_name", "-number"),
    "income": ("per_capita_income", "number"),
    "-income": ("-per_capita_income", "-number"),
    "size": ("size_on", "number"),
    "-size": ("-size_on", "-number"),
}


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def visible_household(request, pk) -> Household:
    """The household, if the user may see it; 404 otherwise, whoever asks."""
    queryset = households_visible_to(request.user).select_related(
        "village__town", "group", "natural_village", "residence_village"
    )
    return get_object_or_404(queryset, pk=pk)


def editable_household(request, pk, permission="households.change_household") -> Household:
    """The household, if visible (else 404) and the user may change it (else 403)."""
    household = visible_household(request, pk)
    if not request.user.has_perm(permission):
        raise PermissionDenied(_("您的账号是只读的,不能修改户信息"))
    return household


@lru_cache(maxsize=32)
def _rows_on(on: date):
    """Every household with what a row shows on ``on``: built once per date and process.

    The annotations (status, head, size, the income figures in exact fen)
    take Django tens of milliseconds to resolve and depend on nothing but
    the date. This queryset is never evaluated itself: each request filters
    a copy of it (``QuerySet`` methods return new querysets).
    """
    queryset = (
        Household.objects.select_related("village", "group")
        .with_status_on(on)
        .with_head()
        .annotate(size_on=selectors.members_present_count(on))
    )
    return with_income(queryset, year=on.year)


def household_rows(user, on: date):
    """The list's queryset: scoped, with everything a row shows, for one query."""
    # .all(): a copy, so the shared queryset is never evaluated (nor cached) itself.
    return filter_visible(_rows_on(on).all(), user)


def annotate_failures(queryset, *, on: date):
    """``fails_<criterion>`` booleans on each row, from the SQL twins of the rules."""
    return queryset.annotate(
        **{
            f"fails_{c.value}": ExpressionWrapper(
                criterion_failed_q(c, on=on), output_field=BooleanField()
            )
            for c in rules.Criterion
        }
    )


# --------------------------------------------------------------------------
# Home
# --------------------------------------------------------------------------


def home(request):
    """Each role lands on its work (``accounts.landing``); an account without
    any scope is told so, and whom to ask."""
    from accounts.landing import landing_url

    url = landing_url(request.user)
    if url:
        return redirect(url)
    return render(request, "households/no_scope.html")


# --------------------------------------------------------------------------
# List and export
# --------------------------------------------------------------------------


def _filtered(request, on, *, failures: bool = True):
    """The list's filters bound to the request; ``failures=False`` leaves out the
    ``fails_<criterion>`` annotations (a page reads them for its rows only)."""
    villages = villages_visible_to(request.user).distinct().order_by(*VILLAGE_ORDER)
    queryset = household_rows(request.user, on)
    if failures:
        queryset = annotate_failures(queryset, on=on)
    # Always bound, so that the default (registered households) applies too.
    filterset = HouseholdFilter(
        request.GET,
        queryset=queryset,
        on=on,
        villages=villages,
        whole_registry=sees_whole_registry(request.user),
        reveal=request.user.has_perm("households.reveal_id_number"),
    )
    if "village" in filterset.errors:
        # A village outside the user's scope is not found, as its households are not.
        raise Http404(_("没有这个村,或不在您的管辖范围内"))
    return filterset


def household_list(request):
    on = selectors.as_of_from(request)
    filterset = _filtered(request, on, failures=False)
    sort = request.GET.get("sort", "village")
    queryset = filterset.qs.order_by(*SORTS.get(sort, SORTS["village"]))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    failures = failures_by_household([h.pk for h in page], on=on)
    on_query = f"?on={on.isoformat()}"
    for household in page:
        household.url = reverse("households:detail", args=[household.pk]) + on_query
        household.per_capita = household.per_capita_income
        household.per_capita_text = selectors.money_text(household.per_capita)
        # None only for a household deleted since the page was read.
        household.failed = failures.get(household.pk)
        household.status_on_label = (
            PovertyStatus(household.status_on).label if household.status_on else ""
        )
    query = request.GET.copy()
    query.pop("page", None)
    query_without_sort = query.copy()
    query_without_sort.pop("sort", None)
    return render(
        request,
        "households/list.html",
        {
            "on": on,
            "filter": filterset,
            "page": page,
            "sort": sort,
            "query": query.urlencode(),
            "query_without_sort": query_without_sort.urlencode(),
            "can_export": request.user.has_perm("households.export_households"),
            "village_groups": village_groups(filterset.filters["village"].queryset),
            "whole_registry": sees_whole_registry(request.user),
        },
    )


def village_groups(villages) -> dict[int, list[tuple[int, str]]]:
    """The groups of each of ``villages``, in order, for the group choice that
    follows the village chosen (static/households/groups.js). One query."""
    result: dict[int, list[tuple[int, str]]] = {}
    rows = (
        VillagerGroup.objects.filter(village__in=villages.values("pk"))
        .order_by("village_id", "number", "name")
        .values_list("village_id", "pk", "name")
    )
    for village_id, pk, name in rows:
        result.setdefault(village_id, []).append((pk, name))
    return result


@permission_required("households.export_households", raise_exception=True)
def household_export(request):
    on = selectors.as_of_from(request)
    filterset = _filtered(request, on)
    queryset = filterset.qs.order_by(*BY_VILLAGE_ORDER, "number")
    queryset = queryset.with_head("id_number")
    headers = [
        _("户编号"),
        _("行政村"),
        _("村民小组"),
        _("户主"),
        _("户主身份证号"),
        _("人口"),
        _("贫困户属性"),
        _("低保类别"),
        _("贫困状态"),
        _("%(year)s年人均纯收入(元)") % {"year": on.year},
        _("未达标项"),
    ]

    def rows():
        for h in queryset.iterator(chunk_size=1000):
            per_capita = h.per_capita_income
            failed = [
                rules.failed_label(c) for c in rules.Criterion if getattr(h, f"fails_{c.value}")
            ]
            yield [
                h.number,
                h.village.name,
                h.group.name if h.group else "",
                h.head_name or "",
                rules.mask_id_number(h.head_id_number or ""),
                h.size_on,
                h.get_attribute_display(),
                h.dibao_class,
                PovertyStatus(h.status_on).label if h.status_on else "",
                per_capita,
                "、".join(str(label) for label in failed),
            ]

    content = write_workbook(title=_("建档立卡户"), headers=headers, rows=rows())
    count = queryset.count()
    logger.info(
        "export households user=%s filter=%s rows=%s",
        request.user.pk,
        request.GET.urlencode(),
        count,
    )
    audit_record(
        action=AuditAction.EXPORT,
        user=request.user,
        object_type="households.household",
        object_label=_("建档立卡户列表"),
        detail={"view": "households:export", "filter": request.GET.dict(), "on": on},
        count=count,
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"建档立卡户_{on:%Y%m%d}.xlsx"
    )
    return response


# --------------------------------------------------------------------------
# Household page
# --------------------------------------------------------------------------


def household_detail(request, pk):
    household = visible_household(request, pk)
    on = selectors.as_of_from(request)
    page = selectors.household_page(household=household, on=on)
    return render(
        request,
        "households/detail.html",
        {
            "household": household,
            "on": on,
            "page": page,
            "can_edit": request.user.has_perm("households.change_household"),
            "can_reveal": request.user.has_perm("households.reveal_id_number"),
            "can_correct": request.user.has_perm(CORRECT_PERMISSION),
            "status_label": PovertyStatus(page.status).label if page.status else "",
            "other_causes": [
                PovertyCause(c).label for c in household.other_causes if c in PovertyCause.values
            ],
        },
    )


@require_POST
def reveal_id_number(request, pk, member_pk):
    household = visible_household(request, pk)
    if not request.user.has_perm("households.reveal_id_number"):
        raise PermissionDenied(_("您没有查看完整身份证号的权限"))
    member = get_object_or_404(household.members, pk=member_pk)
    number = services.id_number_reveal(
        member=member, user=request.user, ip_address=request.META.get("REMOTE_ADDR")
    )
    return render(
        request,
        "households/reveal.html",
        {"household": household, "member": member, "number": number},
    )


# --------------------------------------------------------------------------
# Edits
# --------------------------------------------------------------------------


def form_page(request, household, form, *, title, save, success):
    """An edit page of the household (``params.form_page``): back to the household."""
    return params.form_page(
        request,
        form,
        template="households/form.html",
        title=title,
        save=save,
        success=success,
        back=detail_url(household, request),
        context={"household": household},
    )


def detail_url(household, request) -> str:
    """The household page, keeping the as-of date the user was looking at."""
    url = reverse("households:detail", kwargs={"pk": household.pk})
    on = request.GET.get("on", "")
    return f"{url}?{urlencode({'on': on})}" if on else url


def household_edit(request, pk):
    household = editable_household(request, pk)
    form = HouseholdForm(request.POST or None, instance=household)

    def save(form):
        # The form validated a copy; the service applies the fields to the
        # stored row under the version check.
        services.household_update(
            household=Household.objects.get(pk=household.pk),
            expected_version=form.cleaned_data["version"],
            data={name: form.cleaned_data[name] for name in form.Meta.fields},
            user=request.user,
        )

    return form_page(
        request, household, form, title=_("编辑户信息"), save=save, success=_("户信息已保存")
    )


def member_edit(request, pk, member_pk=None):
    household = editable_household(request, pk)
    if member_pk:
        member = get_object_or_404(household.members, pk=member_pk)
    else:
        member = Member(household=household)
    form = MemberForm(request.POST or None, instance=member, household=household)
    return form_page(
        request,
        household,
        form,
        title=_("编辑成员") if member.pk else _("新增成员"),
        save=lambda form: services.member_save(
            member=form.instance, expected_version=form.cleaned_data["version"], user=request.user
        ),
        success=_("成员信息已保存"),
    )


def member_leave(request, pk, member_pk):
    household = editable_household(request, pk)
    member = get_object_or_404(household.members, pk=member_pk)
    form = MemberLeaveForm(request.POST or None, initial={"version": household.version})
    return form_page(
        request,
        household,
        form,
        title=_("成员减员:%(name)s") % {"name": member.name},
        save=lambda form: services.member_leave(
            member=member,
            left_on=form.cleaned_data["left_on"],
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
            user=request.user,
        ),
        success=_("成员“%(name)s”已减员") % {"name": member.name},
    )


CORRECT_PERMISSION = "households.correct_records"
ERROR_NO_CORRECTION = _(
    "只有镇扶贫办管理员可以更正误录的增减员和状态变更;村干部发现录错请联系镇扶贫办"
)


def correctable_household(request, pk) -> Household:
    """The household, if visible (else 404) and the user corrects records (else 403)."""
    household = visible_household(request, pk)
    if not request.user.has_perm(CORRECT_PERMISSION):
        raise PermissionDenied(ERROR_NO_CORRECTION)
    return household


def member_correct(request, pk, member_pk):
    """Correct a member's join or leave entered by mistake, with a reason."""
    household = correctable_household(request, pk)
    member = get_object_or_404(household.members, pk=member_pk)
    form = MemberCorrectionForm(
        request.POST or None,
        initial={
            "version": household.version,
            "joined_on": member.joined_on,
            "join_reason": member.join_reason,
            "left_on": member.left_on,
            "leave_reason": member.leave_reason,
        },
    )
    return form_page(
        request,
        household,
        form,
        title=_("更正入户/减员记录:%(name)s") % {"name": member.name},
        save=lambda form: services.member_membership_correct(
            member=member,
            joined_on=form.cleaned_data["joined_on"],
            join_reason=form.cleaned_data["join_reason"],
            left_on=form.cleaned_data["left_on"],
            leave_reason=form.cleaned_data["leave_reason"],
            correction_reason=form.cleaned_data["correction_reason"],
            expected_version=form.cleaned_data["version"],
            user=request.user,
        ),
        success=_("成员“%(name)s”的入户/减员记录已更正") % {"name": member.name},
    )


def status_undo(request, pk):
    """Undo the household's last status change, entered by mistake, with a reason."""
    household = correctable_household(request, pk)
    form = StatusUndoForm(request.POST or None, initial={"version": household.version})
    current = household.status_periods.filter(valid_to__isnull=True).first()
    title = _("撤销误录的状态变更")
    if current is not None:
        title = _("撤销误录的状态变更:%(date)s起“%(status)s”") % {
            "date": current.valid_from,
            "status": current.get_status_display(),
        }
    return form_page(
        request,
        household,
        form,
        title=title,
        save=lambda form: services.household_status_undo(
            household=household,
            reason=form.cleaned_data["reason"],
            user=request.user,
            expected_version=form.cleaned_data["version"],
        ),
        success=_("已撤销最近一次状态变更"),
    )


def income_edit(request, pk, year):
    if not params.valid_year(year):
        raise Http404(_("没有这个年度"))
    household = editable_household(request, pk)
    income = HouseholdIncome.objects.filter(household=household, year=year).first()
    if income is None:
        income = HouseholdIncome(household=household, year=year, assessed_on=date(year, 12, 31))
    form = IncomeForm(request.POST or None, instance=income, household=household)
    return form_page(
        request,
        household,
        form,
        title=_("%(year)s年家庭收入") % {"year": year},
        save=lambda form: services.income_save(
            income=form.instance, expected_version=form.cleaned_data["version"], user=request.user
        ),
        success=_("%(year)s年收入已保存") % {"year": year},
    )


def guarantee_add(request, pk):
    household = editable_household(request, pk)
    latest = household.guarantees.order_by("-assessed_on").first()
    # A new assessment starts from the last one: only what changed is edited.
    initial = {}
    if latest:
        initial = {
            f: getattr(latest, f) for f in GuaranteeForm.Meta.fields if f not in ("assessed_on",)
        }
    form = GuaranteeForm(
        request.POST or None,
        instance=GuaranteeAssessment(household=household),
        household=household,
        initial=initial,
    )
    return form_page(
        request,
        household,
        form,
        title=_("新增两不愁三保障评估"),
        save=lambda form: services.guarantee_record(
            assessment=form.instance,
            expected_version=form.cleaned_data["version"],
            user=request.user,
        ),
        success=_("两不愁三保障评估已保存"),
    )


def status_change(request, pk):
    household = editable_household(request, pk, "households.add_householdstatusperiod")
    form = StatusForm(request.POST or None, initial={"version": household.version})
    return form_page(
        request,
        household,
        form,
        title=_("变更贫困状态"),
        save=lambda form: services.household_change_status(
            household=household,
            status=form.cleaned_data["status"],
            on=form.cleaned_data["valid_from"],
            reason=form.cleaned_data["reason"],
            decided_by=form.cleaned_data["decided_by"],
            user=request.user,
            expected_version=form.cleaned_data["version"],
        ),
        success=_("贫困状态已变更"),
    )
