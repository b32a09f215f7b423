"""The census's pure rules: each quality rule on plain facts, the checklist,
the workflow."""

from datetime import date

import pytest

from assessment import rules as lifting_rules
from census import rules
from census.rules import CheckAction, ItemResult, RuleCode
from households import rules as hrules
from tests.factories import id_number

ON = date(2020, 5, 31)


def lifting(**failing):
    """A lifting check where the criteria named in ``failing`` fail with their reason."""
    return lifting_rules.LiftingCheck(
        results=tuple(
            lifting_rules.CriterionResult(
                key=c,
                label=str(c.label),
                passed=c.value not in failing,
                reason=failing.get(c.value, "ok"),
            )
            for c in lifting_rules.Criterion
        )
    )


def member(pk=1, *, name="甲", number=None, deceased_on=None, on_dibao=False):
    return rules.CensusMember(
        pk=pk,
        name=name,
        id_number=number or id_number(date(1970, 1, 1)),
        deceased_on=deceased_on,
        on_dibao=on_dibao,
    )


def facts(**overrides):
    values = {
        "on": ON,
        "registered": True,
        "lifted": False,
        "dibao_class": "",
        "lifting": lifting(),
        "income_recorded": True,
        "poverty_line_set": True,
        "income_size": 2,
        "members": (member(1), member(2, name="乙")),
        "shared_id_numbers": {},
    }
    values.update(overrides)
    return rules.CensusFacts(**values)


def codes(f):
    return [finding.code for finding in rules.find_problems(f)]


def test_a_household_without_contradictions_has_no_finding():
    assert codes(facts()) == []


def test_a_household_not_registered_is_not_checked():
    assert codes(facts(registered=False, income_recorded=False)) == []


def test_lifted_below_the_line():
    found = rules.find_problems(facts(lifted=True, lifting=lifting(income="人均纯收入3,500.00元")))
    assert [f.code for f in found] == [RuleCode.LIFTED_LOW_INCOME]
    assert found[0].detail == "人均纯收入3,500.00元"


def test_not_lifted_below_the_line_is_no_contradiction():
    assert codes(facts(lifted=False, lifting=lifting(income="低"))) == []


def test_lifted_without_income_is_reported_as_missing_income_only():
    f = facts(lifted=True, income_recorded=False, income_size=None, lifting=lifting(income="无"))
    assert codes(f) == [RuleCode.INCOME_MISSING]


def test_lifted_without_a_poverty_line_is_not_below_it():
    assert codes(facts(lifted=True, poverty_line_set=False, lifting=lifting(income="无"))) == []


def test_lifted_with_a_dangerous_house():
    f = facts(lifted=True, lifting=lifting(housing="住房鉴定为D级,危房改造尚未完工"))
    assert codes(f) == [RuleCode.LIFTED_UNSAFE_HOUSE]


def test_lifted_with_failing_guarantees_names_each_of_them():
    f = facts(lifted=True, lifting=lifting(food="未评估", water="不安全"))
    (finding,) = rules.find_problems(f)
    assert finding.code == RuleCode.LIFTED_GUARANTEE_FAILED
    assert "不愁吃未达标:未评估" in finding.detail and "饮水安全无保障:不安全" in finding.detail


def test_size_differs_from_the_members():
    (finding,) = rules.find_problems(facts(income_size=3))
    assert finding.code == RuleCode.SIZE_MISMATCH
    assert finding.detail == "2020年收入按3人核算,查询日在册成员2人"


def test_invalid_id_number_names_the_member_masked():
    good = id_number(date(1970, 1, 1))
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    (finding,) = rules.find_problems(facts(members=(member(1), member(7, name="丙", number=bad))))
    assert finding.code == RuleCode.INVALID_ID
    assert finding.member_pks == (7,)
    assert bad not in finding.detail and hrules.mask_id_number(bad) in finding.detail
    assert "校验位" in finding.detail


def test_duplicate_id_number():
    shared = id_number(date(1980, 2, 2))
    f = facts(members=(member(1), member(2, number=shared)), shared_id_numbers={shared: 1})
    (finding,) = rules.find_problems(f)
    assert (finding.code, finding.member_pks) == (RuleCode.DUPLICATE_ID, (2,))


def test_school_age_child_out_of_school():
    f = facts(lifting=lifting(education="义务教育阶段适龄儿童(6–15岁)未在校:小明"))
    assert codes(f) == [RuleCode.OUT_OF_SCHOOL]


def test_no_member_is_not_an_out_of_school_child():
    f = facts(members=(), income_size=0, lifting=lifting(education="未录入家庭成员"))
    assert RuleCode.OUT_OF_SCHOOL not in codes(f)


def test_deceased_member_still_registered():
    f = facts(members=(member(1, name="郑宝山", deceased_on=date(2020, 1, 16)), member(2)))
    (finding,) = rules.find_problems(f)
    assert (finding.code, finding.member_pks) == (RuleCode.DECEASED_REGISTERED, (1,))
    assert finding.detail == "郑宝山(2020-01-16死亡)"


def test_a_death_after_the_date_is_not_yet_a_problem():
    assert codes(facts(members=(member(1, deceased_on=date(2020, 6, 1)), member(2)))) == []


def test_dibao_class_without_any_member_on_dibao():
    assert codes(facts(dibao_class="A")) == [RuleCode.DIBAO_CLASS_WITHOUT_DIBAO]
    assert codes(facts(dibao_class="A", members=(member(1, on_dibao=True), member(2)))) == []


def test_income_missing():
    assert codes(facts(income_recorded=False, income_size=None)) == [RuleCode.INCOME_MISSING]


def test_every_rule_has_a_code_an_explanation_and_fields_to_fix():
    assert list(rules.RULES) == [f"R{n:02d}" for n in range(1, 11)]
    for rule in rules.RULES.values():
        assert str(rule.title) and len(str(rule.explanation)) > 20
        assert rule.fields and all(isinstance(f.target, rules.Fix) for f in rule.fields)


# -- the checklist ----------------------------------------------------------


def complete(**changes):
    results = {item.value: ItemResult(ok=True) for item in rules.CheckItem}
    results.update(changes)
    return results


def test_a_complete_checklist_has_no_error():
    assert rules.checklist_errors(complete()) == {}


def test_every_item_must_be_answered():
    results = complete()
    del results["water"]
    results["food"] = ItemResult(ok=None)
    assert rules.checklist_errors(results) == {
        "food": str(rules.CHECKLIST_ERROR_MISSING),
        "water": str(rules.CHECKLIST_ERROR_MISSING),
    }


def test_an_item_not_ok_needs_a_note():
    errors = rules.checklist_errors(complete(housing=ItemResult(ok=False, note="  ")))
    assert errors == {"housing": str(rules.CHECKLIST_ERROR_NOTE)}
    assert rules.checklist_errors(complete(housing=ItemResult(ok=False, note="D级危房"))) == {}


def test_checklist_round_trips_through_json():
    results = complete(housing=ItemResult(ok=False, note=" 正在改造 "))
    stored = rules.checklist_to_json(results)
    assert stored["housing"] == {"ok": False, "note": "正在改造"}
    assert rules.checklist_from_json(stored)["housing"] == ItemResult(ok=False, note="正在改造")
    assert rules.checklist_from_json({"food": {"ok": "yes"}, "x": 1}) == {}


# -- the workflow -----------------------------------------------------------


@pytest.mark.parametrize(
    "status, action, expected",
    [
        (rules.PENDING, CheckAction.SUBMIT, rules.CHECKED),
        (rules.CHECKED, CheckAction.SUBMIT, rules.CHECKED),
        (rules.SENT_BACK, CheckAction.SUBMIT, rules.CHECKED),
        (rules.CHECKED, CheckAction.APPROVE, rules.APPROVED),
    ],
)
def test_allowed_steps(status, action, expected):
    assert rules.next_status(status, action) == expected


def test_send_back_needs_a_note():
    with pytest.raises(rules.WorkflowError) as exc:
        rules.next_status(rules.CHECKED, CheckAction.SEND_BACK, note=" ")
    assert exc.value.message == str(rules.WORKFLOW_ERROR_NOTE_REQUIRED)
    assert rules.next_status(rules.CHECKED, CheckAction.SEND_BACK, note="收入漏填") == "sent_back"


@pytest.mark.parametrize(
    "status, action, message",
    [
        (rules.PENDING, CheckAction.APPROVE, rules.WORKFLOW_ERROR_NOT_SUBMITTED),
        (rules.SENT_BACK, CheckAction.APPROVE, rules.WORKFLOW_ERROR_NOT_SUBMITTED),
        (rules.APPROVED, CheckAction.SUBMIT, rules.WORKFLOW_ERROR_APPROVED),
        (rules.APPROVED, CheckAction.APPROVE, rules.WORKFLOW_ERROR_APPROVED),
    ],
)
def test_refused_steps(status, action, message):
    with pytest.raises(rules.WorkflowError) as exc:
        rules.next_status(status, action, note="意见")
    assert exc.value.message == str(message)
