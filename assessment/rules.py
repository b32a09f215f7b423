"""The lifting-out standard (一达标 两不愁 三保障), as pure functions over plain values.

Criterion by criterion, each with a concrete reason a town cadre can act on.
Nothing here touches the database or imports a model: ``assessment.selectors``
gathers one household's facts as of a date into the plain dataclasses below
(``assessment.queries`` writes the same criteria in SQL for lists and
dashboards), so a household page, a dashboard and an Excel export can never
apply two different versions of the standard. The household facts it reads
(ages, incomes, per-capita income) are ``households.rules``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.choices import (
    MEDICAL_INSURANCE_OK,
    SAFE_HOUSING_GRADES,
    HousingAlternative,
    HousingGrade,
    MedicalInsurance,
    SchoolStatus,
)
from households.rules import age_on, format_yuan, income_margin

# --------------------------------------------------------------------------
# The lifting-out standard (一达标 两不愁 三保障)
# --------------------------------------------------------------------------

#: Compulsory-education ages (inclusive) the census checked.
SCHOOL_AGE_MIN = 6
SCHOOL_AGE_MAX = 15
#: The school year starts on 1 September; a child who is 6 by 31 August enrols then.
SCHOOL_YEAR_START = (9, 1)


def school_entry_cutoff(on: date) -> date:
    """The 31 August before the school year in progress on ``on`` began."""
    month, day = SCHOOL_YEAR_START
    start = date(on.year, month, day)
    if on < start:
        start = date(on.year - 1, month, day)
    return start - timedelta(days=1)


def is_compulsory_school_age(birth_date: date, on: date) -> bool:
    """Must the child be in school on ``on``?

    Yes if they were 6 by the entry cut-off of the current school year (so a
    child turning 6 in July is not "out of school" before September) and are
    not older than 15 on ``on``.
    """
    cutoff = school_entry_cutoff(on)
    if birth_date > cutoff:
        return False
    return age_on(birth_date, cutoff) >= SCHOOL_AGE_MIN and age_on(birth_date, on) <= SCHOOL_AGE_MAX


SCHOOL_STATUS_OK = (
    SchoolStatus.IN_SCHOOL,
    SchoolStatus.HOME_TAUGHT,
    SchoolStatus.CERTIFIED_UNABLE,
)


class Criterion(TextChoices):
    INCOME = "income", gettext_lazy("收入达标")
    FOOD = "food", gettext_lazy("不愁吃")
    CLOTHING = "clothing", gettext_lazy("不愁穿")
    EDUCATION = "education", gettext_lazy("义务教育有保障")
    MEDICAL = "medical", gettext_lazy("基本医疗有保障")
    HOUSING = "housing", gettext_lazy("住房安全有保障")
    WATER = "water", gettext_lazy("饮水安全有保障")


#: A criterion the household fails, named as failing ("收入未达标", not a red
#: "收入达标"): in the household list, its filter and the household page.
FAILED_LABELS = {
    Criterion.INCOME: gettext_lazy("收入未达标"),
    Criterion.FOOD: gettext_lazy("不愁吃未达标"),
    Criterion.CLOTHING: gettext_lazy("不愁穿未达标"),
    Criterion.EDUCATION: gettext_lazy("义务教育无保障"),
    Criterion.MEDICAL: gettext_lazy("基本医疗无保障"),
    Criterion.HOUSING: gettext_lazy("住房安全无保障"),
    Criterion.WATER: gettext_lazy("饮水安全无保障"),
}


def failed_label(criterion: str) -> str:
    """``Criterion.INCOME`` → ``"收入未达标"``."""
    return str(FAILED_LABELS[Criterion(criterion)])


@dataclass(frozen=True)
class MemberFacts:
    name: str
    age: int | None  # on the check date; None if unknown
    school_status: str  # SchoolStatus value
    medical_insurance: str  # MedicalInsurance value
    # Of compulsory-school age on the check date (``is_compulsory_school_age``);
    # None: judged from ``age`` alone (6–15).
    school_age: bool | None = None


def member_facts(member, on: date) -> MemberFacts:
    """The check's facts of a member (a row or anything with its fields) on ``on``."""
    return MemberFacts(
        name=member.name,
        age=age_on(member.birth_date, on) if member.birth_date <= on else 0,
        school_age=is_compulsory_school_age(member.birth_date, on),
        school_status=member.school_status,
        medical_insurance=member.medical_insurance,
    )


@dataclass(frozen=True)
class HouseholdFacts:
    """What the lifting check needs of one household, as of the check date."""

    year: int
    per_capita_income: Decimal | None  # None = no income recorded for the year
    poverty_line: Decimal | None  # None = no poverty line set for the year
    food_ok: bool | None  # None = not assessed
    clothing_ok: bool | None
    housing_grade: str | None  # HousingGrade value; None or "" = not appraised
    housing_renovation_completed: bool  # a 危房改造 measure completed
    housing_alternative: str  # HousingAlternative value
    water_ok: bool | None
    members: tuple[MemberFacts, ...]


@dataclass(frozen=True)
class CriterionResult:
    key: Criterion
    label: str
    passed: bool
    reason: str

    @property
    def failed_label(self) -> str:
        return failed_label(self.key)

    @property
    def shown_label(self) -> str:
        """The label as the check shows it: the criterion, or its failure."""
        return self.label if self.passed else self.failed_label


@dataclass(frozen=True)
class LiftingCheck:
    """The results of every criterion, in the standard's order."""

    results: tuple[CriterionResult, ...]

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> tuple[CriterionResult, ...]:
        return tuple(result for result in self.results if not result.passed)

    @property
    def by_key(self) -> Mapping[str, CriterionResult]:
        return MappingProxyType({result.key: result for result in self.results})

    def get(self, key: str) -> CriterionResult | None:
        return self.by_key.get(key)


def _result(key: Criterion, passed: bool, reason: str) -> CriterionResult:
    return CriterionResult(key=key, label=str(key.label), passed=passed, reason=str(reason))


def _label(choices: type[TextChoices], value: str | None, missing: str) -> str:
    """The label of ``value`` in ``choices``, or ``missing`` if it is none of them."""
    if value in choices.values:
        return str(choices(value).label)
    return missing


def _check_income(facts: HouseholdFacts) -> CriterionResult:
    missing = []
    if facts.poverty_line is None:
        missing.append(_("未设置{year}年度贫困线").format(year=facts.year))
    if facts.per_capita_income is None:
        missing.append(_("未录入{year}年度收入").format(year=facts.year))
    if missing:
        return _result(Criterion.INCOME, False, ";".join(missing))

    income, line = facts.per_capita_income, facts.poverty_line
    margin = income_margin(income, line)
    params = {"income": format_yuan(income), "year": facts.year, "line": format_yuan(line)}
    if margin > 0:
        reason = _("人均纯收入{income},高于{year}年贫困线{line}(超出{margin})").format(
            margin=format_yuan(margin), **params
        )
    elif margin == 0:
        reason = _("人均纯收入{income},达到{year}年贫困线{line}").format(**params)
    else:
        reason = _("人均纯收入{income},低于{year}年贫困线{line}(差{gap})").format(
            gap=format_yuan(-margin), **params
        )
    return _result(Criterion.INCOME, margin >= 0, reason)


def _check_assessed(
    key: Criterion, value: bool | None, ok: str, not_ok: str, unknown: str
) -> CriterionResult:
    if value is None:
        return _result(key, False, unknown)
    return _result(key, value, ok if value else not_ok)


def _unknown_age_note(facts: HouseholdFacts) -> str:
    count = sum(1 for member in facts.members if member.age is None)
    if not count:
        return ""
    return _("(另有{count}人年龄未知,未纳入判断)").format(count=count)


def _check_education(facts: HouseholdFacts) -> CriterionResult:
    if not facts.members:
        return _result(Criterion.EDUCATION, False, _("未录入家庭成员"))
    children = [
        member
        for member in facts.members
        if (
            member.school_age
            if member.school_age is not None
            else member.age is not None and SCHOOL_AGE_MIN <= member.age <= SCHOOL_AGE_MAX
        )
    ]
    out_of_school = [child for child in children if child.school_status not in SCHOOL_STATUS_OK]
    note = _unknown_age_note(facts)
    if out_of_school:
        names = "、".join(
            _("{name}({age}岁,{status})").format(
                name=child.name,
                age=child.age,
                status=_label(SchoolStatus, child.school_status, _("未录入在校情况")),
            )
            for child in out_of_school
        )
        reason = _("义务教育阶段适龄儿童(6–15岁)未在校:{names}").format(names=names)
        return _result(Criterion.EDUCATION, False, reason + note)
    if not children:
        return _result(Criterion.EDUCATION, True, _("家中无义务教育阶段适龄儿童(6–15岁)") + note)
    reason = _("义务教育阶段适龄儿童(6–15岁)共{count}人,均在校、送教上门或经认定无法就学").format(
        count=len(children)
    )
    return _result(Criterion.EDUCATION, True, reason + note)


def _check_medical(facts: HouseholdFacts) -> CriterionResult:
    if not facts.members:
        return _result(Criterion.MEDICAL, False, _("未录入家庭成员"))

    def describe(member: MemberFacts) -> str:
        status = _label(MedicalInsurance, member.medical_insurance, _("未录入参保情况"))
        return _("{name}({status})").format(name=member.name, status=status)

    uninsured = [m for m in facts.members if m.medical_insurance not in MEDICAL_INSURANCE_OK]
    if uninsured:
        names = "、".join(describe(member) for member in uninsured)
        return _result(
            Criterion.MEDICAL, False, _("未参加基本医疗保险:{names}").format(names=names)
        )
    reason = _("家庭成员共{count}人,均已参加基本医疗保险").format(count=len(facts.members))
    insured_kinds = (MedicalInsurance.RESIDENT, MedicalInsurance.EMPLOYEE)
    exceptions = [m for m in facts.members if m.medical_insurance not in insured_kinds]
    if exceptions:
        reason = _("家庭成员共{count}人,均有基本医疗保障,其中{names}").format(
            count=len(facts.members), names="、".join(describe(member) for member in exceptions)
        )
    return _result(Criterion.MEDICAL, True, reason)


def _check_housing(facts: HouseholdFacts) -> CriterionResult:
    grade = facts.housing_grade or None
    if grade is not None and grade not in HousingGrade.values:
        return _result(
            Criterion.HOUSING, False, _("住房鉴定等级{grade}无效,请重新录入").format(grade=grade)
        )
    graded = _("住房鉴定为{grade}").format(grade=HousingGrade(grade).label) if grade else ""
    if grade in SAFE_HOUSING_GRADES:
        return _result(Criterion.HOUSING, True, graded)

    def after_grade(text: str) -> str:
        return f"{graded},{text}" if graded else text

    if facts.housing_renovation_completed:
        return _result(Criterion.HOUSING, True, after_grade(_("危房改造已完工")))
    alternative = facts.housing_alternative or HousingAlternative.NONE
    if alternative in HousingAlternative.values and alternative != HousingAlternative.NONE:
        text = _("住房安全已通过{way}解决").format(way=HousingAlternative(alternative).label)
        return _result(Criterion.HOUSING, True, after_grade(text))
    if not grade:
        return _result(Criterion.HOUSING, False, _("住房安全未鉴定"))
    return _result(Criterion.HOUSING, False, after_grade(_("危房改造尚未完工")))


def check_lifting_standard(facts: HouseholdFacts) -> LiftingCheck:
    """Check a household against the lifting-out standard, criterion by criterion.

    Every criterion is reported, passed or not, with its reason; facts not
    recorded (``None``) fail with a reason saying what is missing, since a
    household may be marked lifted only when every criterion is shown to hold.
    Order: income, food, clothing, education, medical, housing, water.
    """
    return LiftingCheck(
        results=(
            _check_income(facts),
            _check_assessed(
                Criterion.FOOD,
                facts.food_ok,
                ok=_("经评估不愁吃"),
                not_ok=_("经评估未达到不愁吃标准(能吃饱,适当吃肉蛋奶或豆制品)"),
                unknown=_("未评估是否不愁吃"),
            ),
            _check_assessed(
                Criterion.CLOTHING,
                facts.clothing_ok,
                ok=_("经评估不愁穿"),
                not_ok=_("经评估未达到不愁穿标准(四季有换季衣服、有御寒被褥)"),
                unknown=_("未评估是否不愁穿"),
            ),
            _check_education(facts),
            _check_medical(facts),
            _check_housing(facts),
            _check_assessed(
                Criterion.WATER,
                facts.water_ok,
                ok=_("经评估饮水安全"),
                not_ok=_("经评估饮水不安全(水量、水质、用水方便程度和供水保证率须均达标)"),
                unknown=_("未评估饮水安全"),
            ),
        )
    )


def projected_passes(
    failed: Iterable[str], projected_per_capita: Decimal | None, poverty_line: Decimal | None
) -> bool:
    """Will the household meet the standard once its planned measures' income lands?

    ``failed``: the criteria it fails today. Every criterion but income must
    pass already, and the projected per-capita income reach the line: what
    :func:`check_lifting_standard` says of the facts with the projected income.
    """
    if any(c != Criterion.INCOME for c in failed):
        return False
    if projected_per_capita is None or poverty_line is None:
        return False
    return projected_per_capita >= poverty_line
