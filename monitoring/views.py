"""Pages of monitoring (防返贫动态监测). Thin: load through the scope, call a
selector or a service, render.

Scoping: every case comes from ``MonitoringCase.objects.visible_to(user)``
(the households of ``households.scope``), so a case of another village is not
found (404), for its page, its steps and its evidence alike. Reading needs
``monitoring.view_monitoringcase`` (the three system administrators have it
not: 403); each step needs the permission ``monitoring.services`` names.
"""

from __future__ import annotations

import logging
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.models import AuditAction
from audit.services import audit_record
from households.forms import save_or_report
from households.ledger import export_views
from households.models import VILLAGE_ORDER
from households.params import as_of_from, year_from
from households.scope import sees_whole_registry, villages_visible_to
from monitoring import dashboard as monitoring_dashboard
from monitoring import selectors, services, warnings
from monitoring.choices import IDENTIFICATION_STATES, CaseState, StepKind
from monitoring.export import monitoring_roster
from monitoring.forms import IntakeForm, StepForm, WarningUploadForm, WorklistFilterForm
from monitoring.models import CaseStep, MonitoringCase
from rectification.filetypes import CONTENT_TYPES_BY_EXTENSION, extension_of

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
VIEW = "monitoring.view_monitoringcase"
STEP_PERMISSIONS = (services.WORK, services.TOWN, services.COUNTY)


def _require_view(request):
    if not request.user.has_perm(VIEW):
        raise PermissionDenied(_("您没有查看防返贫监测的权限"))


def visible_cases(request):
    _require_view(request)
    return MonitoringCase.objects.visible_to(request.user)


def visible_case(request, pk) -> MonitoringCase:
    queryset = visible_cases(request).select_related(
        "household__village", "responsible", "reported_by", "warning"
    )
    return get_object_or_404(queryset, pk=pk)


def _list_page(request, *, template, identification_only):
    on = as_of_from(request)
    villages = villages_visible_to(request.user).order_by(*VILLAGE_ORDER)
    form = WorklistFilterForm(request.GET or None, villages=villages)
    cases = selectors.worklist(cases=visible_cases(request), on=on)
    if identification_only:
        cases = cases.filter(state_on__in=IDENTIFICATION_STATES)
    if form.is_valid():
        data = form.cleaned_data
        if data["village"]:
            cases = cases.filter(household__village=data["village"])
        if data["state"]:
            cases = cases.filter(state_on=data["state"])
        if data["category"]:
            cases = cases.filter(category=data["category"])
        if data["risk"]:
            cases = cases.filter(risks__risk=data["risk"])
        if data["overdue"]:
            cases = cases.filter(overdue=True)
    if identification_only:
        # Most urgent first: overdue, then the nearest deadline of the stage.
        cases = cases.order_by("-overdue", "due_on", "pk")
    else:
        cases = cases.order_by(
            *(f"household__village__{name}" for name in VILLAGE_ORDER), "deadline", "pk"
        )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_clock(page.object_list, on=on)
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page"])
    context = {"on": on, "form": form, "page": page, "query": query}
    context["can_export"] = request.user.has_perm(export_views.EXPORT_PERMISSION)
    # The roster of the date, of the village chosen if one is.
    village = form.cleaned_data.get("village") if form.is_valid() else None
    context["roster_query"] = urlencode(
        {"on": on.isoformat(), **({"village": village.pk} if village else {})}
    )
    return render(request, template, context)


def worklist(request):
    """Every case of the user's villages, as it stood on the date, with its clock."""
    return _list_page(request, template="monitoring/worklist.html", identification_only=False)


def intake_queue(request):
    """The cases still being identified, the most urgent first."""
    return _list_page(request, template="monitoring/intake_queue.html", identification_only=True)


#: The levels of the dashboard: one village, a town's villages as rows, a county's towns.
VILLAGE, TOWN, COUNTY = "village", "town", "county"


def _wanted(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    if value and not (value.isascii() and value.isdigit()):
        raise Http404(_("没有这个村") if name == "village" else _("没有这个镇"))
    return int(value) if value else None


def dashboard_scope(request) -> tuple[str, list, list]:
    """The level and the villages of the dashboard, and every village the user
    sees (``households.scope``; one query), narrowed by ``?village=`` or
    ``?town=`` (404 for one they do not see); with several towns, the county's
    level."""
    wanted_village, wanted_town = _wanted(request, "village"), _wanted(request, "town")
    visible = list(
        villages_visible_to(request.user).select_related("town__county").order_by(*VILLAGE_ORDER)
    )
    if wanted_village is not None:
        villages = [v for v in visible if v.pk == wanted_village]
        if not villages:
            raise Http404(_("没有这个村,或不在您的管辖范围内"))
        return VILLAGE, villages, visible
    if wanted_town is not None:
        villages = [v for v in visible if v.town_id == wanted_town]
        if not villages:
            raise Http404(_("没有这个镇,或不在您的管辖范围内"))
        return TOWN, villages, visible
    if len({v.town_id for v in visible}) > 1:
        return COUNTY, visible, visible
    if len(visible) == 1 and not sees_whole_registry(request.user):
        return VILLAGE, visible, visible
    return TOWN, visible, visible


def dashboard(request):
    """Monitoring objects by category and state, the overdue, identified and
    eliminated per month of the year, risk types and the incidence of monitored
    persons: a village's, a town's (its villages as rows) or a county's (its
    towns as rows, each opening the town's villages: ``?town=``)."""
    cases = visible_cases(request)
    on = as_of_from(request)
    year = year_from(request, on.year)
    level, villages, visible = dashboard_scope(request)
    if not villages:
        # No village to count (a profile without villages): the page says so.
        return render(request, "monitoring/dashboard.html", {"on": on, "year": year, "d": None})
    data = monitoring_dashboard.summary(
        cases=cases, villages=villages, on=on, year=year, by_town=level == COUNTY
    )
    towns = list(dict.fromkeys((v.town_id, v.town.name) for v in visible))
    town = villages[0].town
    if level == COUNTY:
        counties = {v.town.county_id: v.town.county.name for v in villages}
        name = "、".join(counties.values())
    elif level == TOWN:
        name = (
            town.name if sees_whole_registry(request.user) else "、".join(v.name for v in villages)
        )
    else:
        name = f"{town.name}{villages[0].name}"
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "on": on,
            "year": year,
            "level": level,
            "scope_name": name,
            "d": data,
            # The old context names, which the tests of the village rows read.
            "rows": data.rows,
            "total": data.total,
            "risks": data.risks,
            "town_choices": towns if len(towns) > 1 else [],
            "village_choices": []
            if level == COUNTY
            else [(v.pk, v.name) for v in visible if v.town_id == town.pk],
            "selected_town": town.pk if level != COUNTY else None,
            "selected_village": villages[0].pk if level == VILLAGE else None,
            # The worklist's filter showing the same cases as the page (None: it has
            # no filter for a town of several).
            "worklist_query": f"village={villages[0].pk}&"
            if level == VILLAGE
            else ("" if len(towns) == 1 else None),
        },
    )


def warnings_upload(request):
    """A department's warning list: upload → preview (every row's problem or match) → confirm.

    The confirmation carries the previewed file signed for this user, so what
    is saved is exactly what was shown; nothing is written before it.
    """
    _require_view(request)
    user = request.user
    if not (user.has_perm(warnings.IMPORT_PERMISSION) and sees_whole_registry(user)):
        raise PermissionDenied(_("只有镇扶贫办管理员可以导入部门预警名单"))
    context = {"form": WarningUploadForm(initial={"received_on": as_of_from(request)})}
    if request.method == "POST":
        try:
            if "token" in request.POST:
                data = warnings.unsign(request.POST["token"], user)
                received_on = date.fromisoformat(request.POST.get("received_on", ""))
                rows, errors = warnings.parse_csv(data)
                result = warnings.preview(rows=rows, today=timezone.localdate(), user=user)
                result.errors[:0] = errors
                saved = warnings.warnings_import(data=result, user=user, received_on=received_on)
                messages.success(request, _("已导入{n}条预警信息").format(n=len(saved)))
                return redirect("monitoring:warnings_upload")
            form = WarningUploadForm(request.POST, request.FILES)
            context["form"] = form
            if form.is_valid():
                data = warnings.read_upload(form.cleaned_data["file"])
                rows, errors = warnings.parse_csv(data)
                result = warnings.preview(rows=rows, today=timezone.localdate(), user=user)
                result.errors[:0] = errors
                context.update(
                    preview=result,
                    counts=result.counts(),
                    token=warnings.sign(data, user) if not result.errors else "",
                    received_on=form.cleaned_data["received_on"],
                )
        except ValueError:
            messages.error(request, _("接收日期无效"))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    return render(request, "monitoring/warnings_upload.html", context)


def case_add(request):
    """Take in a case: the household found by a member's ID number, in the user's scope."""
    _require_view(request)
    user = request.user
    if not (user.has_perm(services.ADD) and user.has_perm(services.WORK)):
        raise PermissionDenied(_("只有村干部和镇扶贫办管理员可以受理监测对象"))
    # An empty POST is a submitted form too (its errors are shown).
    data = request.POST if request.method == "POST" else None
    form = IntakeForm(data, initial={"intake_on": as_of_from(request)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = selectors.household_by_id_number(user=user, id_number=data["id_number"])
        if household is None:
            form.add_error("id_number", services.ERROR_NOT_FOUND)
        else:
            result = {}

            def take_in():
                result["case"] = services.case_intake(
                    household=household,
                    category=data["category"],
                    channel=data["channel"],
                    intake_on=data["intake_on"],
                    risks=data["risks"],
                    self_report_kind=data["self_report_kind"],
                    department=data["department"],
                    fast_track=data["fast_track"],
                    situation=data["situation"],
                    responsible=data["responsible"],
                    user=user,
                )

            if save_or_report(form, take_in):
                messages.success(request, _("已受理,请在期限内完成入户核实"))
                return redirect("monitoring:case_detail", pk=result["case"].pk)
    return render(request, "monitoring/case_add.html", {"form": form})


def case_detail(request, pk):
    case = visible_case(request, pk)
    on = as_of_from(request)
    steps = list(case.steps.select_related("actor"))
    allowed = services.allowed_steps(case=case, user=request.user)
    forms = [
        (
            StepKind(kind),
            services.TRANSITIONS[kind].evidence if kind in services.TRANSITIONS else "",
            StepForm(initial={"kind": kind, "version": case.version}, auto_id=f"id_{kind}_%s"),
        )
        for kind in allowed
    ]
    # What the rules say of the household on the intake day (the intake year's income).
    decision = selectors.household_category(
        household=case.household, year=case.intake_on.year, on=case.intake_on
    )
    elimination = None
    if case.state == CaseState.MONITORED:
        elimination = selectors.case_elimination_check(case=case, on=on)
    return render(
        request,
        "monitoring/case_detail.html",
        {
            "case": case,
            "on": on,
            "steps": steps,
            "forms": forms,
            "risks": [risk.get_risk_display() for risk in case.risks.all()],
            "elimination": elimination,
            "decision": decision,
        },
    )


@require_POST
def case_step(request, pk):
    case = visible_case(request, pk)
    if not any(request.user.has_perm(p) for p in STEP_PERMISSIONS):
        raise PermissionDenied(_("您的账号对防返贫监测是只读的,不能办理"))
    form = StepForm(request.POST, request.FILES)
    url = reverse("monitoring:case_detail", kwargs={"pk": case.pk})
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(url)
    data = form.cleaned_data
    try:
        step = services.case_step(
            case=case,
            kind=data["kind"],
            on=data["on"],
            note=data["note"],
            upload=data["evidence"],
            user=request.user,
            expected_version=data["version"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(url)
    messages.success(request, _("已办理:{step}").format(step=step.get_kind_display()))
    return redirect(url)


def step_evidence(request, pk):
    """A step's evidence, as an attachment, never rendered inline and never sniffed."""
    step = get_object_or_404(
        CaseStep.objects.filter(case__in=visible_cases(request).values("pk")).exclude(evidence=""),
        pk=pk,
    )
    extension = extension_of(step.evidence.name)
    content_type = step.evidence_type or CONTENT_TYPES_BY_EXTENSION.get(
        extension, "application/octet-stream"
    )
    try:
        handle = step.evidence.open("rb")
    except FileNotFoundError:
        raise Http404(_("佐证材料文件不存在")) from None
    name = step.evidence_name or f"evidence-{step.pk}.{extension}"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@never_cache
def roster_export(request):
    """The monitoring objects' roster (花名册) of the user's villages, or of ``?village=``,
    on the date, as .xlsx: the layout a town sends to the county.

    Like the registry's exports: it needs ``households.export_households`` too
    (403 otherwise; leaders have it, read-only), a village outside the scope is
    not found (404), ID numbers are masked unless ``?ids=full`` and the user may
    reveal them (403 otherwise), and every export is logged and audited.
    """
    cases = visible_cases(request)
    user = request.user
    if not user.has_perm(export_views.EXPORT_PERMISSION):
        raise PermissionDenied(export_views.ERROR_NO_EXPORT)
    place = None
    value = request.GET.get("village", "")
    if value:
        place = villages_visible_to(user).filter(pk=int(value)).first() if value.isdigit() else None
        if place is None:
            raise Http404(export_views.ERROR_NO_VILLAGE)
        cases = cases.filter(household__village=place)
    reveal = request.GET.get("ids") == "full"
    if reveal and not user.has_perm(export_views.REVEAL_PERMISSION):
        raise PermissionDenied(export_views.ERROR_NO_REVEAL)
    on = as_of_from(request)
    roster = monitoring_roster(cases=cases, on=on, reveal_id_numbers=reveal)
    logger.info(
        "monitoring roster export user=%s village=%s on=%s full_ids=%s households=%s",
        user.pk,
        place.pk if place else "all",
        on.isoformat(),
        reveal,
        roster.households,
    )
    name = place.name if place else _("全部")
    title = _("防返贫监测对象花名册")
    audit_record(
        action=AuditAction.EXPORT,
        user=user,
        object_type=MonitoringCase._meta.label_lower,
        object_label=f"{name}{title}",
        detail={
            "view": "monitoring:roster_export",
            "village": place.pk if place else None,
            "on": on,
            "full_ids": reveal,
            "households": roster.households,
        },
        count=roster.households,
    )
    response = HttpResponse(roster.content, content_type=export_views.XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{name}{title}_{on:%Y%m%d}.xlsx"
    )
    return response
