"""Pages of census preparation. Thin: check access, load through the scope,
call a selector or a service, render.

Access: every page needs ``census.view_householdcheck`` (census staff, the
town administrator and leaders; 403 otherwise). Scope: villages and
households come from ``census.selectors.census_villages`` /
``census_households`` (within ``households.scope``), so an
enumerator asking for a household or village outside their assigned villages
gets 404. Acting needs ``census.check_household`` (submit) or
``census.review_household`` (approve, send back); leaders and the other role
get 403.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.models import AuditAction
from audit.services import audit_record
from census import quality, rules, selectors, services
from census.export import census_base_table
from census.filters import VillageFilterForm
from census.forms import ChecklistForm, ReviewForm
from census.models import CheckStatus
from households.choices import REGISTERED_STATUSES, PovertyStatus
from households.models import VILLAGE_ORDER, Village
from households.params import as_of_from
from households.selectors import status_on

logger = logging.getLogger(__name__)

VIEW_PERMISSION = "census.view_householdcheck"
CHECK_PERMISSION = "census.check_household"
REVIEW_PERMISSION = "census.review_household"
EXPORT_PERMISSION = "census.export_census_table"
REVEAL_PERMISSION = "households.reveal_id_number"
EDIT_PERMISSION = "households.change_household"
STATUS_PERMISSION = "households.add_householdstatusperiod"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50

ERROR_NO_ACCESS = gettext_lazy("您的账号没有普查工作的权限")
ERROR_NO_CHECK = gettext_lazy("只有摸底清查人员(普查员)可以提交核查")
ERROR_NO_REVIEW = gettext_lazy("只有数据审核人员可以审核核查结果")
ERROR_NO_EXPORT = gettext_lazy("您没有导出普查基础表的权限")
ERROR_NO_REVEAL = gettext_lazy("您没有查看完整身份证号的权限,只能导出脱敏的基础表")
ERROR_NO_VILLAGE = gettext_lazy("没有这个村,或不在您的普查范围内")
ERROR_NOT_REGISTERED = gettext_lazy("该户在查询日不是在册建档立卡户,不需要核查")


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _require_access(request) -> None:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied(ERROR_NO_ACCESS)


def _village(request, pk):
    return get_object_or_404(selectors.census_villages(request.user), pk=pk)


def _household(request, pk):
    queryset = selectors.census_households(request.user).select_related("village", "group")
    return get_object_or_404(queryset, pk=pk)


def _on_query(on) -> str:
    return urlencode({"on": on.isoformat()})


def fix_links(*, household_pk: int, target: str, user, on, member_pks=()) -> list[dict]:
    """Where a field of a rule is fixed: the registry's edit page for users who
    may edit, the household page otherwise. ``[{"url", "label"}]``."""
    query = _on_query(on)
    detail = reverse("households:detail", kwargs={"pk": household_pk})
    can_edit = user.has_perm(EDIT_PERMISSION)
    target = rules.Fix(target)
    if not can_edit or target == rules.Fix.MEASURES:
        anchor = "#members" if target in (rules.Fix.MEMBER, rules.Fix.MEMBER_LEAVE) else ""
        return [{"url": f"{detail}?{query}{anchor}", "label": _("查看户信息")}]
    if target == rules.Fix.HOUSEHOLD:
        return [
            {
                "url": reverse("households:edit", args=[household_pk]) + f"?{query}",
                "label": _("编辑"),
            }
        ]
    if target == rules.Fix.STATUS:
        if not user.has_perm(STATUS_PERMISSION):
            return [{"url": f"{detail}?{query}", "label": _("查看户信息")}]
        url = reverse("households:status", args=[household_pk])
        return [{"url": f"{url}?{query}", "label": _("变更")}]
    if target == rules.Fix.INCOME:
        url = reverse("households:income", args=[household_pk, on.year])
        return [{"url": f"{url}?{query}", "label": _("编辑%(year)s年收入") % {"year": on.year}}]
    if target == rules.Fix.GUARANTEE:
        url = reverse("households:guarantee_add", args=[household_pk])
        return [{"url": f"{url}?{query}", "label": _("新增评估")}]
    name = (
        "households:member_leave" if target == rules.Fix.MEMBER_LEAVE else "households:member_edit"
    )
    if not member_pks:
        return [{"url": f"{detail}?{query}#members", "label": _("查看成员")}]
    return [
        {
            "url": reverse(name, args=[household_pk, member_pk]) + f"?{query}",
            "label": _("减员") if target == rules.Fix.MEMBER_LEAVE else _("编辑成员"),
        }
        for member_pk in member_pks
    ]


def _rule_fields(rule, *, household_pk, user, on, member_pks=()):
    return [
        {
            "label": field.label,
            "links": fix_links(
                household_pk=household_pk,
                target=field.target,
                user=user,
                on=on,
                member_pks=member_pks,
            ),
        }
        for field in rule.fields
    ]


# --------------------------------------------------------------------------
# Progress and organisation
# --------------------------------------------------------------------------


def progress(request):
    """Progress per village of the user's scope, and the total, as of the date."""
    _require_access(request)
    on = as_of_from(request)
    villages = selectors.census_villages(request.user).select_related("town")
    wanted_town = request.GET.get("town", "")
    if wanted_town:
        if not wanted_town.isdigit():
            raise Http404(_("没有这个镇"))
        villages = villages.filter(town_id=int(wanted_town))
    villages = list(villages.order_by(*VILLAGE_ORDER))
    if wanted_town and not villages:
        raise Http404(_("没有这个镇,或不在您的管辖范围内"))
    rows = selectors.census_progress(on=on, villages=villages)
    # Several towns (a county): a row per town, its villages one click away.
    by_town: dict[int, list] = {}
    for row in rows:
        by_town.setdefault(row.village.town_id, []).append(row)
    towns = []
    if len(by_town) > 1:
        towns = [
            SimpleNamespace(
                town=town_rows[0].village.town,
                villages=len(town_rows),
                total=selectors.census_progress_total(town_rows),
            )
            for town_rows in by_town.values()
        ]
    return render(
        request,
        "census/progress.html",
        {
            "on": on,
            "rows": rows,
            "towns": towns,
            "total": selectors.census_progress_total(rows),
            "rules": list(rules.RULES.values()),
            "can_export": request.user.has_perm(EXPORT_PERMISSION),
        },
    )


def organisation(request):
    _require_access(request)
    villages = selectors.census_villages(request.user).order_by(*VILLAGE_ORDER)
    return render(
        request,
        "census/organisation.html",
        {
            "org": selectors.organisation(villages=villages),
            "can_admin": request.user.is_staff
            and request.user.has_perm("census.change_workinggroup"),
        },
    )


# --------------------------------------------------------------------------
# The reviewers' queue
# --------------------------------------------------------------------------


def queue(request):
    """The checks waiting for review (待审核), oldest submission first, of the
    user's scope; ``?village=`` narrows it to one village (404 outside the scope)."""
    _require_access(request)
    on = as_of_from(request)
    villages = list(selectors.census_villages(request.user).order_by(*VILLAGE_ORDER))
    place = None
    value = request.GET.get("village", "")
    if value:
        place = next((v for v in villages if str(v.pk) == value), None)
        if place is None:
            raise Http404(ERROR_NO_VILLAGE)
    checks = selectors.review_queue(
        households=selectors.census_households(request.user), village=place
    )
    page = Paginator(checks, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "census/queue.html",
        {
            "on": on,
            "page": page,
            "query": query.urlencode(),
            "villages": villages,
            "village": place,
            "can_review": request.user.has_perm(REVIEW_PERMISSION),
        },
    )


# --------------------------------------------------------------------------
# A village: the list of households to check, the quality worklist
# --------------------------------------------------------------------------


def village(request, pk):
    _require_access(request)
    place = _village(request, pk)
    on = as_of_from(request)
    filters = VillageFilterForm(request.GET)
    status, rule = filters.value("status"), filters.value("rule")
    households = selectors.census_households(request.user).filter(village=place)
    invalid = {i.household_id for i in quality.invalid_id_members(households, on=on)}
    queryset = selectors.village_households(households=households, on=on, status=status, rule=rule)
    if rule == rules.RuleCode.INVALID_ID:
        queryset = queryset.filter(pk__in=list(invalid))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for household in page:
        household.codes = selectors.rule_codes_of(household, invalid)
        household.check_record = getattr(household, "census_check", None)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "census/village.html",
        {
            "village": place,
            "on": on,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "statuses": CheckStatus,
            "can_export": request.user.has_perm(EXPORT_PERMISSION),
        },
    )


def worklist(request, pk):
    _require_access(request)
    place = _village(request, pk)
    on = as_of_from(request)
    households = selectors.census_households(request.user).filter(village=place)
    groups = selectors.worklist(households=households, on=on)
    shown = []
    for group in groups:
        entries = [
            {
                "entry": entry,
                "fields": _rule_fields(
                    group.rule, household_pk=entry.household.pk, user=request.user, on=on
                ),
            }
            for entry in group.entries
        ]
        shown.append({"rule": group.rule, "entries": entries})
    return render(
        request,
        "census/worklist.html",
        {
            "village": place,
            "on": on,
            "groups": shown,
            "total": sum(len(g["entries"]) for g in shown),
        },
    )


# --------------------------------------------------------------------------
# A household: findings, checklist, review
# --------------------------------------------------------------------------


def _render_household(request, household, *, checklist_form=None, review_form=None, status=200):
    on = as_of_from(request)
    page = selectors.census_household_page(household=household, on=on)
    check = page.check
    version = check.version if check else 0
    current = check.status if check else CheckStatus.PENDING
    can_check = request.user.has_perm(CHECK_PERMISSION)
    can_review = request.user.has_perm(REVIEW_PERMISSION)
    registered = page.status in REGISTERED_STATUSES
    may_submit = (
        can_check and registered and rules.CheckAction.SUBMIT in rules.TRANSITIONS.get(current, {})
    )
    may_review = can_review and current == CheckStatus.CHECKED
    if may_submit and checklist_form is None:
        checklist_form = ChecklistForm(checklist=page.checklist, version=version)
    if may_review and review_form is None:
        review_form = ReviewForm(initial={"version": version})
    findings = [
        {
            "finding": finding,
            "rule": finding.rule,
            "fields": _rule_fields(
                finding.rule,
                household_pk=household.pk,
                user=request.user,
                on=on,
                member_pks=finding.member_pks,
            ),
        }
        for finding in page.findings
    ]
    checklist = [
        {"item": item, "result": page.checklist.get(item.value)} for item in rules.CheckItem
    ]
    # What refused a post (a concurrent change, a step the status no longer
    # allows) is shown even when the form it came from is no longer offered.
    refused = [
        error
        for form in (checklist_form, review_form)
        if form is not None and form.is_bound
        for error in form.non_field_errors()
    ]
    return render(
        request,
        "census/household.html",
        {
            "household": household,
            "on": on,
            "page": page,
            "check": check,
            "current_status": CheckStatus(current),
            "registered": registered,
            "status_label": PovertyStatus(page.status).label if page.status else "",
            "findings": findings,
            "checklist": checklist,
            "refused": refused,
            "checklist_form": checklist_form if may_submit else None,
            "review_form": review_form if may_review else None,
            "submit_url": reverse("census:submit", args=[household.pk]) + f"?{_on_query(on)}",
            "review_url": reverse("census:review", args=[household.pk]) + f"?{_on_query(on)}",
        },
        status=status,
    )


def household(request, pk):
    _require_access(request)
    return _render_household(request, _household(request, pk))


def _back_to_household(request, household):
    url = reverse("census:household", args=[household.pk])
    on = request.GET.get("on", "")
    return redirect(f"{url}?{urlencode({'on': on})}" if on else url)


def _report(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@require_POST
def submit(request, pk):
    _require_access(request)
    household = _household(request, pk)
    if not request.user.has_perm(CHECK_PERMISSION):
        raise PermissionDenied(ERROR_NO_CHECK)
    form = ChecklistForm(request.POST)
    if status_on(household, as_of_from(request)) not in REGISTERED_STATUSES:
        form.is_valid()
        form.add_error(None, ERROR_NOT_REGISTERED)
    elif form.is_valid():
        try:
            services.household_check_submit(
                household=household,
                results=form.results(),
                expected_version=form.cleaned_data["version"],
                user=request.user,
            )
        except ValidationError as exc:
            _report(form, exc)
        else:
            messages.success(request, _("核查已提交,等待数据审核人员审核"))
            return _back_to_household(request, household)
    return _render_household(request, household, checklist_form=form)


@require_POST
def review(request, pk):
    _require_access(request)
    household = _household(request, pk)
    if not request.user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied(ERROR_NO_REVIEW)
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        service = (
            services.household_check_approve
            if data["action"] == rules.CheckAction.APPROVE
            else services.household_check_send_back
        )
        try:
            service(
                household=household,
                expected_version=data["version"],
                user=request.user,
                note=data["note"],
            )
        except ValidationError as exc:
            _report(form, exc)
        else:
            done = (
                _("审核通过")
                if data["action"] == rules.CheckAction.APPROVE
                else _("已退回普查员修改")
            )
            messages.success(request, done)
            return _back_to_household(request, household)
    return _render_household(request, household, review_form=form)


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------


@require_GET
@never_cache
def export(request):
    """The census base table of the user's scope (or of ``?village=``) on the date.

    ID numbers are masked unless ``?ids=full`` and the user may reveal them
    (403 otherwise); every export is logged.
    """
    _require_access(request)
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied(ERROR_NO_EXPORT)
    households = selectors.census_households(request.user)
    place = None
    value = request.GET.get("village", "")
    if value:
        try:
            place = selectors.census_villages(request.user).get(pk=int(value))
        except (ValueError, Village.DoesNotExist):
            raise Http404(ERROR_NO_VILLAGE) from None
        households = households.filter(village=place)
    reveal = request.GET.get("ids") == "full"
    if reveal and not request.user.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied(ERROR_NO_REVEAL)
    on = as_of_from(request)
    table = census_base_table(households=households, on=on, reveal_id_numbers=reveal)
    logger.info(
        "census export user=%s village=%s on=%s full_ids=%s households=%s rows=%s",
        request.user.pk,
        place.pk if place else "all",
        on.isoformat(),
        reveal,
        table.households,
        table.rows,
    )
    name = place.name if place else _("全部")
    audit_record(
        action=AuditAction.EXPORT,
        user=request.user,
        object_type="households.household",
        object_label=_("%(place)s普查基础表") % {"place": name},
        detail={
            "view": "census:export",
            "village": place.pk if place else None,
            "on": on,
            "full_ids": reveal,
            "households": table.households,
        },
        count=table.rows,
    )
    response = HttpResponse(table.content, content_type=XLSX)
    title = _("普查基础表")
    response["Content-Disposition"] = content_disposition_header(
        True, f"{name}{title}_{on:%Y%m%d}.xlsx"
    )
    return response
