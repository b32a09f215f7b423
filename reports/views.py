"""The leaders' dashboard, the work report and the town overview. The
dashboard and the report are read-only pages (GET and HEAD only).

Who sees what (:func:`report_scope`):

* users who see the whole town (``households.scope.sees_whole_registry``:
  the town administrator, leaders, census reviewers) get the town's version, or
  one village's version with ``?village=<id>``;
* village cadres (who manage the households of the villages of their
  profile: ``households.change_household``) get their villages' version;
  ``?village=`` may narrow it to one of them, and any other village is not
  found (404), as its households are not;
* everyone else is refused (403): census enumerators have the census pages
  of their village, responsible persons their own households, and the
  figures here aggregate whole villages.

The figures are kept for ``REPORTS_CACHE_SECONDS`` (:mod:`reports.caching`),
looked up only once the scope is decided; ``?refresh=1`` recomputes them.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_safe

from assessment import rules as lifting
from households import params
from households import selectors as registry
from households.choices import REGISTERED_STATUSES, PovertyStatus
from households.models import VILLAGE_ORDER
from households.scope import (
    profile_villages,
    sees_every_town,
    sees_whole_registry,
    villages_visible_to,
)
from reports import caching, charts, selectors
from reports.docx import report_docx

NOT_FOR_YOU = _lazy("看板和工作汇报按整村汇总,只对镇领导、镇扶贫办、数据审核员和村干部开放")
NO_TOWN = _lazy("您的账号还没有负责的镇或旗县,请系统管理员在“用户村范围”中设置")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _wanted(request, name: str) -> int | None:
    wanted = request.GET.get(name, "")
    if wanted and not wanted.isdigit():
        raise Http404(_("没有这个村") if name == "village" else _("没有这个镇"))
    return int(wanted) if wanted else None


def report_scope(request) -> selectors.Scope:
    """The scope the user may see, narrowed by ``?town=`` or ``?village=`` (see
    the module's docstring). One query."""
    user = request.user
    wanted = _wanted(request, "village")
    wanted_town = _wanted(request, "town")
    if sees_whole_registry(user):
        villages = villages_visible_to(user).select_related("town__county")
        if wanted is not None:
            village = villages.filter(pk=wanted).first()
            if village is None:
                raise Http404(_("没有这个村,或不在您的管辖范围内"))
            return selectors.villages_scope([village])
        if wanted_town is not None:
            villages = villages.filter(town_id=wanted_town)
        villages = list(villages.order_by(*VILLAGE_ORDER))
        if wanted_town is not None and not villages:
            raise Http404(_("没有这个镇,或不在您的管辖范围内"))
        if not villages:
            raise PermissionDenied(NO_TOWN)
        whole_system = sees_every_town(user) and wanted_town is None
        return selectors.towns_scope(villages, whole_system=whole_system)
    villages = []
    if user.has_perm("households.change_household"):
        villages = list(profile_villages(user).select_related("town").order_by(*VILLAGE_ORDER))
    if not villages:
        raise PermissionDenied(NOT_FOR_YOU)
    if wanted:
        villages = [v for v in villages if v.pk == int(wanted)]
        if not villages:
            raise Http404(_("没有这个村,或不在您的管辖范围内"))
    return selectors.villages_scope(villages)


def wants_refresh(request) -> bool:
    """``?refresh=1``: recompute the figures instead of showing those kept."""
    return request.GET.get("refresh") == "1"


def _query(on: date, year: int, scope: selectors.Scope, request) -> str:
    params = {"on": on.isoformat(), "year": year}
    for name in ("town", "village"):
        if request.GET.get(name, "").isdigit():
            params[name] = request.GET[name]
    return urlencode(params)


def _scope_choices(request, scope) -> dict:
    """What the scope selector offers (one query): the towns, for a county's
    users; the villages (of the chosen town); the name of the whole scope's
    option."""
    user = request.user
    if not sees_whole_registry(user):
        villages = profile_villages(user).order_by(*VILLAGE_ORDER)
        return {"village_choices": [(v.pk, v.name) for v in villages], "town_choices": []}
    rows = list(
        villages_visible_to(user)
        .order_by(*VILLAGE_ORDER)
        .values_list("pk", "name", "town_id", "town__name")
    )
    towns = list(dict.fromkeys((town_id, town) for _, _, town_id, town in rows))
    town = scope.town
    return {
        "town_choices": towns if len(towns) > 1 else [],
        "village_choices": [
            (pk, name) for pk, name, town_id, _ in rows if town is None or town_id == town.pk
        ],
        "whole_option": _("全镇") if town is not None else _("全部镇"),
    }


@require_safe
def dashboard(request):
    on = registry.as_of_from(request)
    year = params.year_from(request, on.year)
    scope = report_scope(request)
    computed = caching.dashboard(on=on, year=year, scope=scope, refresh=wants_refresh(request))
    data = computed.value
    return render(
        request,
        "reports/dashboard.html",
        {
            "on": on,
            "year": year,
            "scope": scope,
            "d": data,
            "computed": computed,
            "charts": charts.dashboard_charts(data),
            # The status chart's data table: a county's towns, else the villages.
            "chart_rows": data.towns or data.rows,
            "query": _query(on, year, scope, request),
            **_scope_choices(request, scope),
            "selected_village": scope.single,
            # Links to the household list keep the village of a village's version.
            "scope_query": f"village={scope.single.pk}&" if scope.single else "",
        },
    )


@require_safe
def report(request):
    on = registry.as_of_from(request)
    year = params.year_from(request, on.year)
    scope = report_scope(request)
    computed = caching.work_report(on=on, year=year, scope=scope, refresh=wants_refresh(request))
    work_report = computed.value
    return render(
        request,
        "reports/report.html",
        {
            "on": on,
            "year": year,
            "scope": scope,
            "report": work_report,
            "computed": computed,
            "query": _query(on, year, scope, request),
            **_scope_choices(request, scope),
            "selected_village": scope.single,
        },
    )


@require_safe
def report_docx_download(request):
    on = registry.as_of_from(request)
    year = params.year_from(request, on.year)
    scope = report_scope(request)
    computed = caching.work_report(on=on, year=year, scope=scope, refresh=wants_refresh(request))
    work_report = computed.value
    response = HttpResponse(report_docx(work_report), content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{work_report.title}_{on:%Y%m%d}.docx"
    )
    return response


def overview(request):
    """The town overview (全镇概况): the villages the user sees, their figures on
    a date (the dashboard's, :func:`reports.selectors.village_figures`) and
    their households failing each criterion. Kept for REPORTS_CACHE_SECONDS
    like the dashboard's (a county's are many seconds to count); ``?refresh=1``
    recounts."""
    on = registry.as_of_from(request)
    user = request.user
    villages = villages_visible_to(user).distinct().order_by(*VILLAGE_ORDER)
    scope = selectors.Scope(tuple(villages), whole_town=sees_whole_registry(user))
    computed = caching.overview(on=on, scope=scope, refresh=wants_refresh(request))
    figures = computed.value.figures
    return render(
        request,
        "reports/overview.html",
        {
            "on": on,
            "rows": computed.value.rows,
            "town_failures": computed.value.failures,
            "town_by_status": {
                s: figures.by_status.get(s, selectors.Tally()) for s in PovertyStatus.values
            },
            "town": figures.counted,
            "town_registered": figures.registered,
            "town_incidence": figures.incidence,
            "computed": computed,
            "query": urlencode({"on": on.isoformat()}),
            "statuses": [PovertyStatus(s) for s in REGISTERED_STATUSES],
            "criteria": list(lifting.Criterion),
        },
    )
