"""The monitoring objects' roster (防返贫监测对象花名册) as .xlsx, in the layout a
town sends to the county: one row per household identified as a monitoring
object by the date (entered into the national system on or before it), with
its state on that date, eliminated ones included.

Written with ``households.xlsx.write_workbook`` like every registry export,
so text never starts a formula; the head's ID number is masked unless the
caller reveals it (``households.rules.mask_id_number``, as the census base
table and the ledgers do). Four queries whatever the number of rows: the
cases (``selectors.worklist``) and their risks, the households' figures on
the date, their measures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef
from django.utils.translation import gettext as _

from assessment.queries import with_income
from households import rules as household_rules
from households.choices import PovertyStatus
from households.models import VILLAGE_ORDER, Household, head_on_q
from households.models import Member as HouseholdMember
from households.selectors import members_present_count
from households.xlsx import write_workbook
from measures.choices import ApplicationStatus
from measures.models import MeasureApplication
from monitoring import selectors
from monitoring.choices import CaseState, RiskType


@dataclass(frozen=True)
class Roster:
    content: bytes
    households: int


def _headers(on: date) -> list[str]:
    return [
        _("序号"),
        _("行政村"),
        _("村民小组"),
        _("户编号"),
        _("户主姓名"),
        _("户主身份证号"),
        _("户类型"),
        _("监测对象类别"),
        _("风险类型"),
        _("发现途径"),
        _("绿色通道"),
        _("纳入监测日期"),
        _("办理状态"),
        _("风险消除日期"),
        _("家庭人口"),
        _("%(year)s年人均纯收入(元)") % {"year": on.year},
        _("帮扶措施"),
        _("帮扶责任人"),
    ]


def roster_cases(*, cases, on: date):
    """The monitoring objects of ``cases`` on ``on``, in the roster's order."""
    return (
        selectors.worklist(cases=cases, on=on)
        .filter(identified_on__lte=on)
        .order_by(
            *(f"household__village__{name}" for name in VILLAGE_ORDER),
            "household__group__number",
            "household__number",
            "pk",
        )
        .select_related("household__group")
    )


def _household_figures(household_ids, on: date) -> dict[int, Household]:
    """Status, size on ``on``, the head's ID number and the income of ``on``'s year (one query)."""
    head_id = (
        HouseholdMember.objects.filter(head_on_q(on), household=OuterRef("pk"))
        .order_by("-joined_on", "-id")
        .values("id_number")[:1]
    )
    queryset = (
        Household.objects.filter(pk__in=household_ids)
        .with_status_on(on)
        .annotate(size_on=members_present_count(on), head_id_number=head_id)
    )
    return {h.pk: h for h in with_income(queryset, year=on.year)}


def _measures(cases) -> dict[int, list[str]]:
    """Per household, the measures of its plan: programmes since the case's intake year,
    not cancelled (one query)."""
    years = {case.household_id: case.intake_on.year for case in cases}
    rows = (
        MeasureApplication.objects.filter(household__in=list(years))
        .exclude(status=ApplicationStatus.CANCELLED)
        .select_related("programme")
        .order_by("programme__year", "programme__name", "pk")
    )
    found: dict[int, list[str]] = {}
    for application in rows:
        if application.programme.year >= years[application.household_id]:
            names = found.setdefault(application.household_id, [])
            label = f"{application.programme.year}年{application.programme.name}"
            if label not in names:
                names.append(label)
    return found


def monitoring_roster(*, cases, on: date, reveal_id_numbers: bool) -> Roster:
    """The roster of the monitoring objects among ``cases`` (already scoped) on ``on``."""
    rows_of = list(roster_cases(cases=cases, on=on))
    figures = _household_figures([c.household_id for c in rows_of], on)
    measures = _measures(rows_of)

    def rows():
        for number, case in enumerate(rows_of, start=1):
            household = case.household
            h = figures[household.pk]
            head_id = h.head_id_number or ""
            status = PovertyStatus(h.status_on).label if h.status_on else _("非建档立卡户")
            eliminated = case.state_on == CaseState.ELIMINATED
            yield [
                number,
                household.village.name,
                household.group.name if household.group else "",
                household.number,
                case.head_name or "",
                head_id if reveal_id_numbers else household_rules.mask_id_number(head_id),
                status,
                case.get_category_display(),
                "、".join(str(RiskType(r).label) for r in case.risk_values),
                case.get_channel_display(),
                _("是") if case.fast_track else _("否"),
                case.identified_on,
                CaseState(case.state_on).label,
                case.eliminated_on if eliminated else None,
                h.size_on or 0,
                h.per_capita_income,
                "、".join(measures.get(household.pk, [])),
                case.responsible.name if case.responsible else "",
            ]

    content = write_workbook(title=_("监测对象花名册"), headers=_headers(on), rows=rows())
    return Roster(content=content, households=len(rows_of))
