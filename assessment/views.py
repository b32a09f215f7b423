"""The pages that show or enforce the lifting check: the household list (with
each row's failing criteria) and its export, the household page, a status
change (refused when a household marked lifted fails the standard), a
programme's bulk apply (its filters include the criteria) and 我的帮扶户.

Their URL names and paths are the registry's and the measures' (``households:list``,
``measures:programme_apply`` …): ``assessment.urls`` lists them and
``tieshagai.urls`` includes them in those namespaces. The registry and the
measures stay below the check: neither imports this app.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import lru_cache

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment import rules as lifting
from assessment import selectors as assessment_selectors
from assessment import services
from assessment.filters import ApplyHouseholdFilter, HouseholdFilter
from assessment.queries import failed_criteria, failures_by_household, with_failures, with_income
from assessment.selectors import household_page
from audit.models import AuditAction
from audit.services import audit_record
from households import presentation, rules, selectors
from households import views as household_views
from households.choices import PovertyCause, PovertyStatus
from households.forms import StatusForm, StatusUndoForm
from households.models import BY_VILLAGE_ORDER, VILLAGE_ORDER, Household, Town, VillagerGroup
from households.paging import RegistryPaginator
from households.scope import (
    filter_visible,
    households_visible_to,
    sees_whole_registry,
    towns_visible_to,
    villages_visible_to,
)
from households.selectors import as_of_from, default_as_of
from households.views import visible_household
from households.xlsx import write_workbook
from measures import selectors as measure_selectors
from measures import services as measure_services
from measures import views as measure_views
from measures.choices import Target
from measures.filters import members_q
from measures.forms import ApplyFilterForm, ApplyForm
from measures.models import Programme
from measures.selectors import responsible_person_of

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
# List and export
# --------------------------------------------------------------------------


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


def whole_towns_of(user) -> list[Town] | None:
    """The towns ``user`` sees whole (a town's or a county's roles, a
    superuser), in the villages' order; ``None`` for who sees some villages.
    One query, for users who see whole towns only."""
    if not sees_whole_registry(user):
        return None
    # The order of the villages (VILLAGE_ORDER: by town, in the order entered).
    return list(towns_visible_to(user).order_by("county__code", "county_id", "code", "pk"))


TOWN_NOT_FOUND = gettext_lazy("没有这个镇,或不在您的管辖范围内")


def _filtered(request, on, *, failures: bool = True):
    """The list's filters bound to the request; ``failures=False`` leaves out the
    ``fails_<criterion>`` annotations (a page reads them for its rows only)."""
    villages = villages_visible_to(request.user).distinct().order_by(*VILLAGE_ORDER)
    # The town filter is offered to who sees several whole towns (a county's
    # roles, a superuser). A town's roles have none to choose; a town asked for
    # that is not theirs is not found, as on the dashboard (a village cadre's
    # list has no towns: the parameter means nothing there).
    towns = whole_towns_of(request.user)
    offered = towns if towns is not None and len(towns) > 1 else None
    wanted_town = request.GET.get("town", "")
    one_town = towns is not None and offered is None
    if one_town and wanted_town and wanted_town not in {str(t.pk) for t in towns}:
        raise Http404(TOWN_NOT_FOUND)
    queryset = household_rows(request.user, on)
    if failures:
        queryset = with_failures(queryset, on=on)
    # Always bound, so that the default (registered households) applies too.
    filterset = HouseholdFilter(
        request.GET,
        queryset=queryset,
        on=on,
        villages=villages,
        whole_registry=sees_whole_registry(request.user),
        reveal=request.user.has_perm("households.reveal_id_number"),
        towns=offered,
    )
    if "town" in filterset.errors:
        # A town outside the user's scope is not found, as a village is not.
        raise Http404(TOWN_NOT_FOUND)
    if "village" in filterset.errors:
        # A village outside the user's scope is not found, as its households are not.
        raise Http404(_("没有这个村,或不在您的管辖范围内"))
    return filterset


def household_list(request):
    on = selectors.as_of_from(request)
    filterset = _filtered(request, on, failures=False)
    sort = request.GET.get("sort", "village")
    queryset = filterset.qs.order_by(*SORTS.get(sort, SORTS["village"]))
    page = RegistryPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    failures = failures_by_household([h.pk for h in page], on=on)
    on_query = f"?on={on.isoformat()}"
    for household in page:
        household.url = reverse("households:detail", args=[household.pk]) + on_query
        household.per_capita = household.per_capita_income
        household.per_capita_text = presentation.money_text(household.per_capita)
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
            failed = [lifting.failed_label(c) for c in failed_criteria(h)]
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
    page = household_page(household=household, on=on)
    return render(
        request,
        "households/detail.html",
        {
            "household": household,
            "on": on,
            "page": page,
            "can_edit": request.user.has_perm("households.change_household"),
            "can_reveal": request.user.has_perm("households.reveal_id_number"),
            "can_correct": request.user.has_perm(household_views.CORRECT_PERMISSION),
            "status_label": PovertyStatus(page.status).label if page.status else "",
            "other_causes": [
                PovertyCause(c).label for c in household.other_causes if c in PovertyCause.values
            ],
        },
    )


# --------------------------------------------------------------------------
# Status changes
# --------------------------------------------------------------------------


def status_undo(request, pk):
    """Undo the household's last status change, entered by mistake, with a reason."""
    household = household_views.correctable_household(request, pk)
    form = StatusUndoForm(request.POST or None, initial={"version": household.version})
    current = household.status_periods.filter(valid_to__isnull=True).first()
    title = _("撤销误录的状态变更")
    if current is not None:
        title = _("撤销误录的状态变更:%(date)s起“%(status)s”") % {
            "date": current.valid_from,
            "status": current.get_status_display(),
        }
    return household_views.form_page(
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


def status_change(request, pk):
    household = household_views.editable_household(
        request, pk, "households.add_householdstatusperiod"
    )
    form = StatusForm(request.POST or None, initial={"version": household.version})
    return household_views.form_page(
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


# --------------------------------------------------------------------------
# Applying a programme to many households or persons
# --------------------------------------------------------------------------


def programme_apply(request, pk):
    """Filters → preview (how many households/persons, funds) → confirm (POST).

    The filters and the apply's choices travel in the query string, so the
    confirmation (POSTed to the same URL) applies exactly what was previewed;
    the number previewed travels with it and the service refuses if the set
    changed in between.
    """
    measure_views.require(request, measure_views.ADD_MEASURE)
    programme = get_object_or_404(Programme.objects.select_related("village"), pk=pk)
    user = request.user
    previewing = "preview" in request.GET
    params = request.GET if previewing else None
    apply_form = ApplyForm(params, programme=programme, initial={"on": default_as_of()})
    person_form = ApplyFilterForm(params)
    on = default_as_of()
    if apply_form.is_bound and apply_form.is_valid():
        on = apply_form.cleaned_data["on"]
    villages = measure_views.visible_villages(user).distinct()
    households = with_income(households_visible_to(user), year=on.year)
    filterset = ApplyHouseholdFilter(
        request.GET if previewing else {"status": "enjoying"},
        queryset=households,
        on=on,
        villages=villages,
    )
    if "village" in filterset.errors:
        raise Http404(_("没有这个村,或不在您的管辖范围内"))
    # Households the administrator took out of the preview (?exclude=, repeated).
    excluded = sorted({int(v) for v in request.GET.getlist("exclude") if v.isdigit()})
    plan = None
    targets = None
    ready = previewing and apply_form.is_valid() and person_form.is_valid() and filterset.is_valid()
    detail_url = reverse("measures:programme_detail", kwargs={"pk": programme.pk})
    if ready:
        kwargs = {
            "programme": programme,
            "households": filterset.qs.exclude(pk__in=excluded) if excluded else filterset.qs,
            "on": on,
            "members_q": members_q(person_form, on=on)
            if programme.target == Target.PERSON
            else None,
            "amount": apply_form.cleaned_data.get("amount"),
        }
        if request.method == "POST":
            try:
                result = measure_services.programme_apply(
                    **kwargs,
                    user=user,
                    renovation_kind=apply_form.cleaned_data.get("renovation_kind") or "",
                    status=apply_form.cleaned_data["record_as"],
                    expected=_int(request.POST.get("expected")),
                    expected_fingerprint=request.POST.get("fingerprint") or None,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    _(
                        "已新增%(created)s条措施(%(households)s户、%(persons)s人,"
                        "资金%(funds)s元);已有该项目的%(skipped)s户(人)未重复添加"
                    )
                    % {
                        "created": result.created,
                        "households": result.households,
                        "persons": result.persons,
                        "funds": f"{result.funds:,.2f}",
                        "skipped": result.skipped,
                    },
                )
                return redirect(detail_url)
        plan = measure_selectors.apply_plan(**kwargs)
        targets = _target_rows(request, plan, excluded)
    elif request.method == "POST":
        messages.error(request, _("请先预览,再确认。"))
    return render(
        request,
        "measures/apply.html",
        {
            "programme": programme,
            "apply_form": apply_form,
            "person_form": person_form,
            "filter": filterset,
            "plan": plan,
            "on": on,
            "back": detail_url,
            "confirm_url": request.get_full_path(),
            "person_target": programme.target == Target.PERSON,
            "targets": targets,
            "standard": programme.standard_for(persons=1),
        },
    )


TARGET_PAGE_SIZE = 50


def _target_rows(request, plan, excluded: list[int]) -> dict:
    """The households the preview reaches (a page of them, in the town's
    order), each with a link that takes it out, and those taken out, each
    with a link that puts it back. Three queries, whatever the size."""
    reached = plan.by_household()
    ordered = list(
        Household.objects.filter(pk__in=list(reached))
        .order_by(*BY_VILLAGE_ORDER, "number")
        .values_list("pk", flat=True)
    )
    page = Paginator(ordered, TARGET_PAGE_SIZE).get_page(request.GET.get("tpage"))

    def shown(ids):
        return Household.objects.filter(pk__in=ids).select_related("village", "group").with_head()

    def url(exclude):
        query = request.GET.copy()
        query.pop("tpage", None)
        query.setlist("exclude", [str(pk) for pk in sorted(exclude)])
        return f"{request.path}?{query.urlencode()}"

    rows = {h.pk: h for h in shown(page.object_list)}
    page_rows = []
    for pk in page.object_list:
        household = rows[pk]
        household.applications, household.persons_reached, household.amount = reached[pk]
        household.exclude_url = url([*excluded, pk])
        page_rows.append(household)
    removed = list(shown(excluded).order_by(*BY_VILLAGE_ORDER, "number")) if excluded else []
    for household in removed:
        household.restore_url = url([e for e in excluded if e != household.pk])
    query = request.GET.copy()
    query.pop("tpage", None)
    return {
        "page": page,
        "rows": page_rows,
        "excluded": removed,
        "query": query.urlencode(),
        "restore_all_url": url([]) if excluded else "",
    }


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------
# 我的帮扶户
# --------------------------------------------------------------------------


def my_households(request):
    """The households of the responsible person linked to the user's account."""
    on = as_of_from(request)
    person = responsible_person_of(request.user)
    rows = assessment_selectors.my_households(person=person, on=on) if person else []
    return render(
        request,
        "measures/my_households.html",
        {
            "on": on,
            "person": person,
            "rows": rows,
            "can_change": request.user.has_perm(measure_views.CHANGE_MEASURE),
        },
    )
