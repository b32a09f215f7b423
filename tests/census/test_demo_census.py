"""The census preparation on the demo town of the 2020 report: the seed's
organisation, the known contradiction (a head who died in January 2020 is
still registered), and the two versions of the quality rules agreeing on
every household."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from census import selectors
from census.models import CensusStaff, GroupMember, WorkingGroup
from census.rules import RuleCode
from households.models import Household, Village
from households.selectors import registered_q

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_town")]

AS_OF = date(2020, 5, 31)  # after the May 2020 dynamic adjustment
LATER = date(2020, 7, 31)  # the newborn of report household 15 has joined
BEFORE_INCOMES = date(2019, 12, 31)  # the demo records no income for 2019
DEMO_DATES = [AS_OF, LATER, BEFORE_INCOMES]


@pytest.mark.parametrize("on", DEMO_DATES, ids=str)
def test_every_demo_household_breaks_the_same_rules_in_sql_and_python(on):
    registered = list(Household.objects.filter(registered_q(on)))
    assert len(registered) > 1000
    python = {}
    for household in registered:
        codes = {f.code for f in selectors.household_findings(household=household, on=on)}
        if codes:
            python[household.pk] = codes
    worklist = selectors.worklist(households=Household.objects.all(), on=on)
    sql: dict[int, set[str]] = {}
    for group in worklist:
        for entry in group.entries:
            sql.setdefault(entry.household.pk, set()).add(group.rule.code)
            assert set(entry.codes) == python.get(entry.household.pk)
    assert sql == python
    # The progress counts: households breaking each rule, per village.
    expected: dict[int, dict[str, int]] = {}
    village_of = dict(Household.objects.values_list("pk", "village_id"))
    for pk, codes in python.items():
        for code in codes:
            per_rule = expected.setdefault(village_of[pk], dict.fromkeys(RuleCode.values, 0))
            per_rule[code] += 1
    for row in selectors.census_progress(on=on):
        counted = expected.get(row.village.pk, dict.fromkeys(RuleCode.values, 0))
        assert row.violations_by_rule == counted, row.village.name
        flagged = sum(1 for pk in python if village_of[pk] == row.village.pk)
        assert row.households_with_violations == flagged


def test_the_head_who_died_in_january_is_flagged():
    household = Household.objects.get(members__name="郑宝山")
    findings = selectors.household_findings(household=household, on=AS_OF)
    assert [(f.code, f.detail) for f in findings] == [
        (RuleCode.DECEASED_REGISTERED, "郑宝山(2020-01-16死亡)")
    ]
    groups = selectors.worklist(
        households=Household.objects.filter(village=household.village), on=AS_OF
    )
    assert [(g.rule.code, [e.household.pk for e in g.entries]) for g in groups] == [
        (RuleCode.DECEASED_REGISTERED, [household.pk])
    ]


def test_progress_on_the_report_date():
    # Counted on first reading (the villages, their snapshots of the date: none;
    # the four queries of the count; the snapshots kept), then read from them.
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.census_progress(on=AS_OF)
    assert len(queries) == 7
    with CaptureQueriesContext(connection) as queries:
        assert selectors.census_progress(on=AS_OF) == rows
    assert len(queries) == 2
    assert len(rows) == 12
    total = selectors.census_progress_total(rows)
    assert total.households == 1347
    assert (total.checked, total.approved, total.sent_back) == (0, 0, 0)
    # The one contradiction of the seed: the deceased head of 西圪塄村.
    assert total.open_violations == total.households_with_violations == 1
    assert total.violations_by_rule[RuleCode.DECEASED_REGISTERED] == 1
    by_village = {row.village.name: row for row in rows}
    assert by_village["西圪塄村"].open_violations == 1
    assert sum(row.households for row in rows) == 1347


def test_the_newborn_after_the_survey_shows_on_a_later_date():
    total = selectors.census_progress_total(selectors.census_progress(on=LATER))
    assert total.violations_by_rule[RuleCode.SIZE_MISMATCH] == 1
    assert total.violations_by_rule[RuleCode.DECEASED_REGISTERED] == 1


def test_progress_of_some_villages_only():
    villages = Village.objects.filter(name__in=["学田地村", "点力村"]).order_by("name")
    rows = selectors.census_progress(on=AS_OF, villages=villages)
    assert [(r.village.name, r.households) for r in rows] == [("学田地村", 145), ("点力村", 144)]


def test_the_seed_organisation():
    org = selectors.organisation()
    (leading,) = org.groups
    assert leading.group.kind == WorkingGroup.GroupKind.LEADING_GROUP
    assert [(m.role, m.name, m.position) for m in leading.members] == [
        (GroupMember.Role.LEADER, "高振华", "镇长")
    ]
    names = [child.group.name for child in leading.children]
    assert names == [
        "脱贫攻坚普查工作领导小组办公室",
        "综合协调组",
        "方案设计与实施组",
        "数据处理组",
        "宣传组",
        "质量监督与执法检查组",
    ]
    assert all(child.group.duties and child.members for child in leading.children)
    # 组长 first, then the contact person.
    assert [m.role for m in leading.children[0].members] == ["leader", "contact"]
    assert len(org.villages) == 12
    assert all(len(row.enumerators) == 3 for row in org.villages)
    assert len(org.reviewers) == 3
    assert CensusStaff.objects.filter(role=CensusStaff.Role.ENUMERATOR).count() == 36
