"""The census's rules, as pure functions over plain values.

* the data-quality rules (数据质量规则) the census preparation runs over the
  registry: each with a code, an explanation in Chinese and the fields a cadre
  has to fix; :func:`find_problems` applies them to the facts of one household
  as of a date. ``census.quality`` writes the same rules as SQL for the
  worklists and counts; ``tests/census/test_quality.py`` proves the two agree
  household by household;
* the checklist an enumerator confirms for each household and what a complete
  checklist is (:func:`checklist_errors`);
* the workflow of a household's check: which action may follow which status
  (:func:`next_status`).

Nothing here touches the database. The lifting standard itself is not written
here: the facts carry the result of ``assessment.rules.check_lifting_standard``
(gathered by ``assessment.selectors.lifting_check``), and the rules read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment import rules as lifting
from households import rules as hrules

# --------------------------------------------------------------------------
# Data-quality rules
# --------------------------------------------------------------------------


class Fix(TextChoices):
    """Where a problem is fixed: the page of the registry that edits the field."""

    HOUSEHOLD = "household", gettext_lazy("户信息")
    STATUS = "status", gettext_lazy("贫困状态")
    INCOME = "income", gettext_lazy("家庭年收入")
    GUARANTEE = "guarantee", gettext_lazy("两不愁三保障评估")
    MEMBER = "member", gettext_lazy("家庭成员信息")
    MEMBER_LEAVE = "member_leave", gettext_lazy("成员减员")
    MEASURES = "measures", gettext_lazy("帮扶措施")


@dataclass(frozen=True)
class FixField:
    """A field to correct (``label``) and the page where it is edited (``target``)."""

    label: str
    target: Fix


@dataclass(frozen=True)
class QualityRule:
    code: str
    title: str
    explanation: str
    fields: tuple[FixField, ...]
    #: The problem concerns particular members (their names are in the finding).
    member_level: bool = False


class RuleCode(TextChoices):
    LIFTED_LOW_INCOME = "R01", gettext_lazy("已脱贫户人均纯收入低于贫困线")
    LIFTED_UNSAFE_HOUSE = "R02", gettext_lazy("已脱贫户住房不安全")
    LIFTED_GUARANTEE_FAILED = "R03", gettext_lazy("已脱贫户两不愁三保障未达标")
    SIZE_MISMATCH = "R04", gettext_lazy("家庭人口与在册成员数不一致")
    INVALID_ID = "R05", gettext_lazy("身份证号无效")
    DUPLICATE_ID = "R06", gettext_lazy("身份证号重复")
    OUT_OF_SCHOOL = "R07", gettext_lazy("义务教育阶段适龄儿童未在校")
    DECEASED_REGISTERED = "R08", gettext_lazy("已死亡成员仍在册")
    DIBAO_CLASS_WITHOUT_DIBAO = "R09", gettext_lazy("有低保类别但成员均未享受低保")
    INCOME_MISSING = "R10", gettext_lazy("年度收入未录入")


def _rule(code: RuleCode, explanation, *fields: tuple[str, Fix], member_level=False):
    return QualityRule(
        code=code.value,
        title=code.label,
        explanation=explanation,
        fields=tuple(FixField(label=label, target=target) for label, target in fields),
        member_level=member_level,
    )


#: Every rule, in the order of their codes. Texts are lazy: read them with ``str()``.
RULES: dict[str, QualityRule] = {
    rule.code: rule
    for rule in (
        _rule(
            RuleCode.LIFTED_LOW_INCOME,
            gettext_lazy(
                "该户贫困状态为已脱贫,但当年人均纯收入低于当年贫困线。请核实各项收入是否漏填、"
                "生产经营支出和家庭人口是否正确;确属收入不达标的,应按程序变更贫困状态。"
            ),
            (gettext_lazy("各项收入"), Fix.INCOME),
            (gettext_lazy("贫困状态"), Fix.STATUS),
        ),
        _rule(
            RuleCode.LIFTED_UNSAFE_HOUSE,
            gettext_lazy(
                "该户已脱贫,但住房未鉴定或鉴定为C级、D级危房,危房改造尚未完工,也未通过易地扶贫搬迁"
                "等方式解决。请核实住房安全鉴定等级、危房改造进度。"
            ),
            (gettext_lazy("住房安全鉴定等级"), Fix.GUARANTEE),
            (gettext_lazy("危房改造措施"), Fix.MEASURES),
        ),
        _rule(
            RuleCode.LIFTED_GUARANTEE_FAILED,
            gettext_lazy(
                "该户已脱贫,但不愁吃、不愁穿、义务教育、基本医疗或饮水安全有未达标或未评估的项目。"
                "请核实两不愁三保障评估和成员的在校、参保情况。"
            ),
            (gettext_lazy("两不愁三保障评估"), Fix.GUARANTEE),
            (gettext_lazy("成员在校生状况、医疗保险"), Fix.MEMBER),
        ),
        _rule(
            RuleCode.SIZE_MISMATCH,
            gettext_lazy(
                "当年收入核算时的家庭人口(人均纯收入的分母)与查询日在册成员数不同。请核实出生、死亡、"
                "婚嫁、迁移等成员增减是否已登记,并按实际人口重新核算收入。"
            ),
            (gettext_lazy("家庭成员入户/减员"), Fix.MEMBER),
            (gettext_lazy("收入核算日期"), Fix.INCOME),
        ),
        _rule(
            RuleCode.INVALID_ID,
            gettext_lazy(
                "在册成员的身份证号不是有效的18位公民身份号码(位数、出生日期或校验位错误)。"
                "请对照户口簿或身份证更正。"
            ),
            (gettext_lazy("成员身份证号"), Fix.MEMBER),
            member_level=True,
        ),
        _rule(
            RuleCode.DUPLICATE_ID,
            gettext_lazy(
                "同一身份证号登记在两名或以上在册成员名下(可能重复建档,或分户、迁移后未减员)。"
                "请核实后更正号码或为已迁出的成员办理减员。"
            ),
            (gettext_lazy("成员身份证号"), Fix.MEMBER),
            (gettext_lazy("成员减员"), Fix.MEMBER_LEAVE),
            member_level=True,
        ),
        _rule(
            RuleCode.OUT_OF_SCHOOL,
            gettext_lazy(
                "家中有义务教育阶段适龄儿童(6–15岁)既不在校,也不是送教上门或经认定无法就学。"
                "请核实在校情况,辍学的应劝返复学。"
            ),
            (gettext_lazy("成员在校生状况"), Fix.MEMBER),
            member_level=True,
        ),
        _rule(
            RuleCode.DECEASED_REGISTERED,
            gettext_lazy(
                "成员已登记死亡日期,但仍是在册成员,家庭人口和人均纯收入都按其在册计算。"
                "请在动态调整时办理减员(减员原因:死亡)。"
            ),
            (gettext_lazy("成员减员"), Fix.MEMBER_LEAVE),
            member_level=True,
        ),
        _rule(
            RuleCode.DIBAO_CLASS_WITHOUT_DIBAO,
            gettext_lazy(
                "户信息填写了低保类别,但没有一名在册成员享受低保。请核实:该户已退出低保的应清空"
                "低保类别,成员享受低保的应在成员信息中勾选。"
            ),
            (gettext_lazy("低保类别"), Fix.HOUSEHOLD),
            (gettext_lazy("成员享受低保"), Fix.MEMBER),
        ),
        _rule(
            RuleCode.INCOME_MISSING,
            gettext_lazy(
                "没有录入当年的家庭收入,或各项收入均为0,无法计算人均纯收入。"
                "请按入户调查的结果录入工资性、生产经营性、财产性和转移性收入。"
            ),
            (gettext_lazy("各项收入"), Fix.INCOME),
        ),
    )
}
if set(RULES) != set(RuleCode.values):  # every code has its rule
    raise RuntimeError("census.rules.RULES lacks a rule of RuleCode")

#: The lifting criteria of rule R03 (housing is R02's, income R01's).
GUARANTEE_CRITERIA = (
    lifting.Criterion.FOOD,
    lifting.Criterion.CLOTHING,
    lifting.Criterion.EDUCATION,
    lifting.Criterion.MEDICAL,
    lifting.Criterion.WATER,
)


@dataclass(frozen=True)
class CensusMember:
    """A member present in the household on the check date."""

    pk: int
    name: str
    id_number: str
    deceased_on: date | None
    on_dibao: bool


@dataclass(frozen=True)
class CensusFacts:
    """What the quality rules need of one household, as of ``on``."""

    on: date
    registered: bool  # a registered poor household on ``on``
    lifted: bool  # its status on ``on`` is 已脱贫 (享受政策 or 不再享受政策)
    dibao_class: str
    lifting: lifting.LiftingCheck  # assessment.selectors.lifting_check(...).check
    income_recorded: bool  # an income of ``on.year`` with at least one amount entered
    poverty_line_set: bool  # a poverty line is set for ``on.year``
    income_size: int | None  # members present on the income's survey date (None: no income)
    members: tuple[CensusMember, ...]  # present on ``on``
    #: For each ID number of ``members``: how many *other* members present on
    #: ``on`` (in any household) hold it too.
    shared_id_numbers: Mapping[str, int]


@dataclass(frozen=True)
class Finding:
    """A rule broken by one household, and what exactly is wrong."""

    code: str
    detail: str
    member_pks: tuple[int, ...] = ()

    @property
    def rule(self) -> QualityRule:
        return RULES[self.code]


def id_number_problem(number) -> str | None:
    """Why an ID number is not valid (``households.rules.parse_id_number``), or ``None``."""
    try:
        hrules.parse_id_number(number)
    except hrules.IdNumberError as exc:
        return str(exc)
    except TypeError:
        return str(hrules.ID_ERROR_EMPTY)
    return None


def _failed(check: lifting.LiftingCheck, criterion: lifting.Criterion) -> lifting.CriterionResult:
    result = check.get(criterion)
    return result if result is not None and not result.passed else None


def find_problems(facts: CensusFacts) -> tuple[Finding, ...]:
    """The rules ``facts`` break, in the order of their codes (none if not registered)."""
    if not facts.registered:
        return ()
    found: list[Finding] = []
    add = found.append
    check = facts.lifting
    year = facts.on.year

    if facts.lifted and facts.income_recorded and facts.poverty_line_set:
        income = _failed(check, lifting.Criterion.INCOME)
        if income:
            add(Finding(RuleCode.LIFTED_LOW_INCOME, income.reason))
    if facts.lifted:
        housing = _failed(check, lifting.Criterion.HOUSING)
        if housing:
            add(Finding(RuleCode.LIFTED_UNSAFE_HOUSE, housing.reason))
        failed = [f for f in (_failed(check, c) for c in GUARANTEE_CRITERIA) if f]
        if failed:
            detail = ";".join(f"{f.failed_label}:{f.reason}" for f in failed)
            add(Finding(RuleCode.LIFTED_GUARANTEE_FAILED, detail))
    if facts.income_recorded and facts.income_size != len(facts.members):
        add(
            Finding(
                RuleCode.SIZE_MISMATCH,
                _("{year}年收入按{size}人核算,查询日在册成员{count}人").format(
                    year=year, size=facts.income_size, count=len(facts.members)
                ),
            )
        )

    invalid = [(m, error) for m in facts.members if (error := id_number_problem(m.id_number))]
    if invalid:
        detail = ";".join(
            _("{name}({masked}):{error}").format(
                name=m.name, masked=hrules.mask_id_number(m.id_number or ""), error=error
            )
            for m, error in invalid
        )
        add(Finding(RuleCode.INVALID_ID, detail, tuple(m.pk for m, _e in invalid)))

    shared = [m for m in facts.members if facts.shared_id_numbers.get(m.id_number, 0) > 0]
    if shared:
        detail = "、".join(
            _("{name}({masked},另有{count}名在册成员使用同一号码)").format(
                name=m.name,
                masked=hrules.mask_id_number(m.id_number),
                count=facts.shared_id_numbers[m.id_number],
            )
            for m in shared
        )
        add(Finding(RuleCode.DUPLICATE_ID, detail, tuple(m.pk for m in shared)))

    education = _failed(check, lifting.Criterion.EDUCATION)
    if facts.members and education:
        add(Finding(RuleCode.OUT_OF_SCHOOL, education.reason))

    deceased = [m for m in facts.members if m.deceased_on and m.deceased_on <= facts.on]
    if deceased:
        detail = "、".join(
            _("{name}({date}死亡)").format(name=m.name, date=m.deceased_on.isoformat())
            for m in deceased
        )
        add(Finding(RuleCode.DECEASED_REGISTERED, detail, tuple(m.pk for m in deceased)))

    if facts.dibao_class and not any(m.on_dibao for m in facts.members):
        add(
            Finding(
                RuleCode.DIBAO_CLASS_WITHOUT_DIBAO,
                _("低保类别为{cls}类,在册成员{count}人均未享受低保").format(
                    cls=facts.dibao_class, count=len(facts.members)
                ),
            )
        )
    if not facts.income_recorded:
        add(
            Finding(
                RuleCode.INCOME_MISSING, _("未录入{year}年收入或各项收入均为0").format(year=year)
            )
        )
    return tuple(found)


# --------------------------------------------------------------------------
# The checklist
# --------------------------------------------------------------------------


class CheckItem(TextChoices):
    """What the enumerator confirms for every household (the census's questions)."""

    FOOD = "food", gettext_lazy("不愁吃")
    CLOTHING = "clothing", gettext_lazy("不愁穿")
    EDUCATION = "education", gettext_lazy("义务教育")
    MEDICAL = "medical", gettext_lazy("基本医疗")
    HOUSING = "housing", gettext_lazy("住房安全")
    WATER = "water", gettext_lazy("饮水安全")
    INCOME = "income", gettext_lazy("收入")
    MEMBERS = "members", gettext_lazy("家庭成员信息")
    MEASURES = "measures", gettext_lazy("帮扶措施")


#: What the enumerator confirms under each item (shown on the form).
CHECK_ITEM_HELP = {
    CheckItem.FOOD: gettext_lazy("能吃饱,适当吃肉蛋奶或豆制品"),
    CheckItem.CLOTHING: gettext_lazy("四季有换季衣服、有御寒被褥"),
    CheckItem.EDUCATION: gettext_lazy("6–15岁儿童均在校、送教上门或经认定无法就学"),
    CheckItem.MEDICAL: gettext_lazy("成员均参加基本医疗保险(新生儿正在办理、现役军人除外)"),
    CheckItem.HOUSING: gettext_lazy("住房鉴定为A/B级,或危房改造已完工、已易地搬迁"),
    CheckItem.WATER: gettext_lazy("水量、水质、用水方便程度和供水保证率均达标"),
    CheckItem.INCOME: gettext_lazy("各项收入与入户调查一致,人均纯收入计算无误"),
    CheckItem.MEMBERS: gettext_lazy("成员姓名、身份证号、关系、增减与户口簿一致"),
    CheckItem.MEASURES: gettext_lazy("帮扶措施、帮扶责任人与实际一致"),
}

CHECKLIST_ERROR_MISSING = gettext_lazy("请确认此项是否符合")
CHECKLIST_ERROR_NOTE = gettext_lazy("不符合的项目须填写说明")
CHECKLIST_NOTE_MAX = 500


@dataclass(frozen=True)
class ItemResult:
    ok: bool | None  # None = not answered
    note: str = ""


def checklist_errors(results: Mapping[str, ItemResult]) -> dict[str, str]:
    """``{item: message}`` for every item not answered, or not OK without a note.

    A complete checklist answers every :class:`CheckItem`; an item that is not
    OK says why.
    """
    errors = {}
    for item in CheckItem:
        result = results.get(item.value)
        if result is None or result.ok is None:
            errors[item.value] = str(CHECKLIST_ERROR_MISSING)
        elif not result.ok and not result.note.strip():
            errors[item.value] = str(CHECKLIST_ERROR_NOTE)
    return errors


def checklist_to_json(results: Mapping[str, ItemResult]) -> dict:
    """The stored form of a complete checklist: ``{item: {"ok": bool, "note": str}}``."""
    return {
        item.value: {"ok": bool(results[item.value].ok), "note": results[item.value].note.strip()}
        for item in CheckItem
    }


def checklist_from_json(value) -> dict[str, ItemResult]:
    """The stored checklist read back (unknown or malformed entries are left out)."""
    results = {}
    if not isinstance(value, Mapping):
        return results
    for item in CheckItem:
        entry = value.get(item.value)
        if isinstance(entry, Mapping) and isinstance(entry.get("ok"), bool):
            results[item.value] = ItemResult(ok=entry["ok"], note=str(entry.get("note") or ""))
    return results


# --------------------------------------------------------------------------
# The workflow
# --------------------------------------------------------------------------


class CheckAction(TextChoices):
    SUBMIT = "submit", gettext_lazy("提交核查")
    APPROVE = "approve", gettext_lazy("审核通过")
    SEND_BACK = "send_back", gettext_lazy("退回修改")


# Values of census.models.CheckStatus (kept here so the rules need no model).
PENDING, CHECKED, APPROVED, SENT_BACK = "pending", "checked", "approved", "sent_back"

#: status → {action: new status}
TRANSITIONS = {
    PENDING: {CheckAction.SUBMIT: CHECKED},
    # Amending a submitted check is allowed until a reviewer has decided.
    CHECKED: {
        CheckAction.SUBMIT: CHECKED,
        CheckAction.APPROVE: APPROVED,
        CheckAction.SEND_BACK: SENT_BACK,
    },
    SENT_BACK: {CheckAction.SUBMIT: CHECKED},
    APPROVED: {},
}

WORKFLOW_ERROR_APPROVED = gettext_lazy("该户核查已审核通过,不能再修改")
WORKFLOW_ERROR_NOT_SUBMITTED = gettext_lazy("该户尚未提交核查(或已退回修改),不能审核")
WORKFLOW_ERROR_NOTE_REQUIRED = gettext_lazy("退回修改须填写审核意见,说明需要修改的内容")


class WorkflowError(ValueError):
    """A step the check's status does not allow; ``field`` names the form field at fault."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


def next_status(current: str, action: str, *, note: str = "") -> str:
    """The status after ``action`` on a check in ``current``; :class:`WorkflowError` if refused."""
    action = CheckAction(action)
    if action == CheckAction.SEND_BACK and not note.strip():
        raise WorkflowError(WORKFLOW_ERROR_NOTE_REQUIRED, field="note")
    allowed = TRANSITIONS.get(current, {})
    if action not in allowed:
        if current == APPROVED:
            raise WorkflowError(WORKFLOW_ERROR_APPROVED)
        raise WorkflowError(WORKFLOW_ERROR_NOT_SUBMITTED)
    return allowed[action]
