"""The work report (工作情况汇报) written from its facts.

Pure functions: :func:`write_report` turns a :class:`reports.selectors.ReportFacts`
into a title and a list of :class:`Block` (headings and paragraphs). The HTML
page and the .docx file render the same blocks, so they always say the same.
Every figure in the prose is one of the facts; nothing is typed in.

The structure is the seed report's: 一、基本情况; 二、贫困现状; 三、the year's
measures by category; 四、the households not lifted and their measures;
五、问题整改; 六、普查准备. Numbers are written as the report writes them
(``1347户2829人``), amounts as every page writes them (``12,181.50元``,
``59.24万元``: households.formats).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from households import formats
from households.choices import (
    EducationLevel,
    Health,
    HouseholdAttribute,
    IdentificationKind,
    PoorVillageKind,
    PovertyStatus,
    Relation,
    RenovationKind,
)
from households.rules import failed_label, incidence_below_exit_threshold
from measures.models import ApplicationStatus, Category, Kind

CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Block:
    kind: str  # "h2" (section), "h3" (sub-section), "p" (paragraph) or "table"
    text: str  # a table's caption
    rows: tuple[tuple[str, ...], ...] = ()  # a table's rows, its header row first


@dataclass(frozen=True)
class WorkReport:
    title: str
    subtitle: str
    blocks: list[Block]

    @property
    def text(self) -> str:
        """The whole report as plain text (title, subtitle, one block a line)."""
        return "\n".join([self.title, self.subtitle, *(b.text for b in self.blocks)])


# --------------------------------------------------------------------------
# Numbers as the report writes them
# --------------------------------------------------------------------------


def yuan(amount: Decimal | None) -> str:
    """``Decimal("12181.5")`` → ``"12,181.50元"`` (``households.formats.money``)."""
    return formats.money(amount)


def wan(amount: Decimal | None) -> str:
    """``Decimal("592390")`` → ``"59.24万元"`` (totals of funds; ``formats.wan_yuan``);
    below ten thousand in yuan (``135.00元``, not ``0.01万元``)."""
    if amount is not None and abs(amount) < formats.TEN_THOUSAND:
        return formats.money(amount)
    return formats.wan_yuan(amount)


def tally(t) -> str:
    return f"{t.households}户{t.persons}人"


def date_text(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def joined(parts: list[str], sep: str = "、") -> str:
    return sep.join(p for p in parts if p)


# Statuses as the seed report names them.
STATUS_WORDS = {
    PovertyStatus.LIFTED: "正常脱贫",
    PovertyStatus.STABLE: "稳定脱贫",
    PovertyStatus.NOT_LIFTED: "未脱贫",
    PovertyStatus.RETURNED: "返贫",
}
STATUS_ORDER = (
    PovertyStatus.LIFTED,
    PovertyStatus.STABLE,
    PovertyStatus.NOT_LIFTED,
    PovertyStatus.RETURNED,
)


# --------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------


def write_report(facts) -> WorkReport:
    scope = facts.scope
    town = scope.town
    where = town.name if scope.whole_town or town is None else f"{town.name}{scope.name}"
    title = _("%(where)s脱贫攻坚工作情况汇报") % {"where": where}
    subtitle = _("数据截至%(date)s · %(year)s年度帮扶措施") % {
        "date": date_text(facts.on),
        "year": facts.year,
    }
    sections = [
        (_("基本情况"), basic_situation(facts)),
        (_("贫困现状"), poverty_situation(facts)),
        (_("%(year)s年脱贫计划及主要做法") % {"year": facts.year}, measures_section(facts)),
        (_("未脱贫户基本情况及帮扶措施"), not_lifted_section(facts)),
        (_("问题整改情况"), rectification_section(facts)),
        (_("迎接国家普查准备工作"), census_section(facts)),
    ]
    blocks = []
    for i, (heading, body) in enumerate(sections):
        blocks.append(Block("h2", f"{CHINESE_NUMERALS[i]}、{heading}"))
        blocks.extend(body)
    return WorkReport(title=title, subtitle=subtitle, blocks=blocks)


def basic_situation(facts) -> list[Block]:
    scope, pop = facts.scope, facts.population
    town = scope.town
    parts = []
    if scope.whole_town and town is not None:
        located = joined([town.county.city, town.county.name], "")
        area = f",总面积约{town.area_km2.normalize():f}平方公里" if town.area_km2 else ""
        parts.append(
            f"{town.name}{'隶属' + located if located else ''}{area},"
            f"辖{len(scope.villages)}个行政村,{facts.groups}个村民小组。"
        )
    else:
        parts.append(f"{scope.name}辖{facts.groups}个村民小组。")
    if pop["registered_persons"]:
        parts.append(
            f"户籍人口{pop['registered_households']}户{pop['registered_persons']}人,"
            f"常住{pop['resident_households']}户{pop['resident_persons']}人。"
        )
    else:
        parts.append(_("%(year)s年人口数据尚未录入。") % {"year": facts.on.year})
    return [Block("p", "".join(parts))]


def _poor_villages(scope) -> str:
    villages = scope.villages
    key = sum(1 for v in villages if v.poor_village_kind == PoorVillageKind.KEY)
    deep = sum(1 for v in villages if v.poor_village_kind == PoorVillageKind.DEEP)
    exits: dict[int, int] = {}
    for v in villages:
        if v.exit_year:
            exits[v.exit_year] = exits.get(v.exit_year, 0) + 1
    if scope.single is not None:
        v = scope.single
        if v.poor_village_kind == PoorVillageKind.NOT_POOR:
            return f"{v.name}为非贫困村"
        text = f"{v.name}为{v.get_poor_village_kind_display()}"
        return text + (f",{v.exit_year}年退出" if v.exit_year else ",尚未退出")
    who = "全镇" if scope.whole_town else "以上各村中"
    if not key and not deep:
        return f"{who}没有贫困村"
    text = f"{who}共有{key}个重点贫困村,{deep}个深度贫困村"
    if exits:
        text += "," + ",".join(f"{year}年退出{n}个" for year, n in sorted(exits.items()))
    return text


def poverty_situation(facts) -> list[Block]:
    by_status = facts.by_status
    parts = [
        f"{_poor_villages(facts.scope)};截至{date_text(facts.on)},"
        f"现有建档立卡贫困户{tally(facts.registered)}。"
    ]
    statuses = [
        f"{STATUS_WORDS[s]}{tally(by_status[s])}"
        for s in STATUS_ORDER
        if s in by_status and (by_status[s].households or s == PovertyStatus.NOT_LIFTED)
    ]
    if PovertyStatus.NOT_LIFTED not in by_status:
        statuses.append(f"{STATUS_WORDS[PovertyStatus.NOT_LIFTED]}0户0人")
    incidence = facts.incidence
    sentence = f"其中{joined(statuses)},贫困发生率{incidence.display}"
    if incidence.percent is not None and facts.threshold is not None:
        below = incidence_below_exit_threshold(incidence.percent, facts.threshold)
        word = "低于" if below else "未低于"
        sentence += f"({word}{percent(facts.threshold)}的贫困村退出标准)"
    parts.append(sentence + "。")
    parts.append(f"仍享受帮扶政策的贫困人口{facts.enjoying.persons}人。")
    return [Block("p", "".join(parts))]


# -- 三、the year's measures --------------------------------------------------


def _programmes(facts, *kinds) -> list:
    """The year's programmes of ``kinds`` that have applications, in the order entered."""
    found = [t for t in facts.programmes if t.programme.kind in kinds and t.applications]
    return sorted(found, key=lambda t: t.programme.pk)


def percent(value: Decimal) -> str:
    """A threshold as policy writes it: ``Decimal("3.00")`` → ``"3%"``."""
    return f"{Decimal(value).normalize():f}%"


def _category_line(total) -> str:
    parts = [f"涉及{total.households}户"]
    if total.persons:
        parts.append(f"{total.persons}人")
    line = "".join(parts) + f",共{total.applications}项措施,已完成{total.completed}项"
    if total.funds:
        line += f",资金{wan(total.funds)}"
    return line


def _housing(facts) -> list[str]:
    renovations = facts.renovations
    if not renovations:
        return []
    kinds = [k for k in RenovationKind.values if k in renovations]
    total = sum(renovations[k][0] for k in kinds)
    completed = sum(renovations[k][1] for k in kinds)
    split = joined([f"{RenovationKind(k).label}{renovations[k][0]}户" for k in kinds])
    text = f"{facts.year}年计划实施危房改造{total}户,其中{split},目前已完工{completed}户"
    remaining = [
        f"{RenovationKind(k).label}{renovations[k][0] - renovations[k][1]}户"
        for k in kinds
        if renovations[k][0] > renovations[k][1]
    ]
    if remaining:
        text += f",其余{joined(remaining)}正在实施"
    return [text + "。"]


def _medical(facts) -> list[str]:
    out = []
    subsidies = _programmes(facts, Kind.INSURANCE_SUBSIDY)
    if subsidies:
        persons = sum(t.persons for t in subsidies)
        each = joined(
            [
                f"{t.programme.name}{t.persons}人,每人{yuan(t.programme.standard_amount)}"
                for t in subsidies
            ],
            ";",
        )
        out.append(f"{facts.year}年为{persons}名贫困人口补贴城乡居民医疗保险个人缴费({each})。")
    for t in _programmes(facts, Kind.COMMERCIAL_INSURANCE):
        out.append(
            f"为{t.persons}人代缴{t.programme.name}每人{yuan(t.programme.standard_amount)}。"
        )
    for t in _programmes(facts, Kind.MEDICINE_DELIVERY):
        out.append(f"为{t.persons}人实施{t.programme.name}。")
    return out


def _education(facts) -> list[str]:
    out = []
    subsidies = [t for t in _programmes(facts, Kind.STUDENT_SUBSIDY) if t.programme.days]
    if subsidies:
        per_day = joined(
            [f"{t.programme.name}每人每天{yuan(t.programme.standard_amount)}" for t in subsidies]
        )
        days = {t.programme.days for t in subsidies}
        per_year = joined([yuan(t.programme.standard_per_beneficiary) for t in subsidies])
        text = f"贫困学生生活补助标准为{per_day}"
        if len(days) == 1:
            text += f",全年按{days.pop()}天计算,分别是{per_year}"
        out.append(text + "。")
    students = facts.students
    total = sum(students.values())
    levels = [
        f"{EducationLevel(level).label}{students[level]}人"
        for level in EducationLevel.values
        if students.get(level)
    ]
    if total:
        out.append(f"资助建档立卡贫困学生{total}人,其中{joined(levels, ',')}。")
    return out


def _water(facts) -> list[str]:
    p = facts.projects
    out = []
    if p.purifiers:
        years = "、".join(str(y) for y in p.purifier_years)
        out.append(f"{years}年为{p.purifier_villages}个村发放安装净水机{p.purifiers}台")
    if p.tap_water_villages:
        out.append(f"{p.tap_water_villages}个村安装自来水")
    return [",".join(out) + "。"] if out else []


def _industry(facts) -> list[str]:
    out = []
    linkages = _programmes(facts, Kind.ENTERPRISE_LINKAGE)
    if linkages:
        items = []
        for t in linkages:
            prog = t.programme
            who = f"{prog.village.name}{prog.partner}" if prog.village else prog.partner
            items.append(
                f"{who or prog.name}带动贫困户{t.households}户,"
                f"每户每年增收{yuan(prog.income_per_year)}"
            )
        out.append(f"建立农企利益联结机制:{joined(items, ';')}。")
    for t in _programmes(facts, Kind.MENU_SUBSIDY):
        out.append(f"“菜单式”奖补:{t.programme.name}涉及{t.households}户,资金{wan(t.funds)}。")
    for t in _programmes(facts, Kind.COLLECTIVE_DIVIDEND):
        out.append(f"{t.programme.name}惠及{t.households}户。")
    p = facts.projects
    if p.collective_income_last_year:
        out.append(f"{facts.year - 1}年底村集体经济收入达到{wan(p.collective_income_last_year)}。")
    if p.pv_villages:
        capacity = ""
        if len(p.pv_capacities) == 1:
            capacity = f",每个村{p.pv_capacities[0].normalize():f}千瓦"
        text = f"{p.pv_villages}个村建设了村级光伏电站{capacity}"
        if p.pv_income_last_year:
            text += f",{facts.year - 1}年收益共计{wan(p.pv_income_last_year)}"
        if p.pv_income_estimate:
            text += f",{facts.year}年预计收入{wan(p.pv_income_estimate)}"
        pv = _programmes(facts, Kind.PHOTOVOLTAIC)
        for t in pv:
            text += (
                f";纳入光伏扶贫电站收益分配的贫困户{t.households}户,"
                f"每户每年收益{yuan(t.programme.income_per_year)}"
            )
        out.append(text + "。")
    return out


def _employment(facts) -> list[str]:
    posts = _programmes(facts, Kind.PUBLIC_WELFARE_POST)
    if not posts:
        return []
    items = [
        f"{t.programme.name}{t.persons}人,每人每年工资{yuan(t.programme.standard_amount)}"
        for t in posts
    ]
    return [f"{facts.year}年在贫困户中安排{joined(items, ';')}。"]


def _finance(facts) -> list[str]:
    out = []
    for t in _programmes(facts, Kind.MICROCREDIT):
        text = f"有贷款意愿、符合贷款条件的贫困户{t.households}户,目前已发放贷款{t.completed}户"
        if t.in_progress or t.planned:
            text += f",{t.in_progress + t.planned}户正在办理"
        out.append(text + "。")
    return out


def _social_security(facts) -> list[str]:
    text = f"建档立卡贫困人口享受最低生活保障{facts.dibao.households}户、{facts.dibao.persons}人,"
    text += f"五保(特困供养)人员{facts.tekun_persons}人"
    subsidies = _programmes(facts, Kind.DISABILITY_SUBSIDY)
    if subsidies:
        text += "," + joined([f"享受{t.programme.name}{t.persons}人" for t in subsidies], ",")
    return [text + "。"]


SPECIFICS = {
    Category.HOUSING: _housing,
    Category.MEDICAL: _medical,
    Category.EDUCATION: _education,
    Category.WATER: _water,
    Category.INDUSTRY: _industry,
    Category.EMPLOYMENT: _employment,
    Category.FINANCE: _finance,
    Category.SOCIAL_SECURITY: _social_security,
}
CATEGORY_HEADINGS = {
    Category.HOUSING: "住房安全保障",
    Category.MEDICAL: "基本医疗保障",
    Category.EDUCATION: "教育扶贫",
    Category.WATER: "饮水安全保障",
    Category.INDUSTRY: "产业扶贫",
    Category.EMPLOYMENT: "就业扶贫",
    Category.FINANCE: "金融扶贫",
    Category.SOCIAL_SECURITY: "社会保障兜底",
    Category.CIVIL_RELIEF: "民政救助",
}


def measures_table(facts) -> Block | None:
    """The year's measures by category (the dashboard's figures) as a table."""
    totals = [t for t in facts.category_totals if t.applications]
    if not totals:
        return None
    header = ("类别", "受益户", "受益人(到人)", "措施数", "已完成", "资金(元)")
    rows = [
        (
            str(t.label),
            str(t.households),
            str(t.persons),
            str(t.applications),
            str(t.completed),
            formats.amount(t.funds),
        )
        for t in totals
    ]
    return Block("table", f"{facts.year}年帮扶措施分类汇总(不含已取消)", (header, *rows))


def measures_section(facts) -> list[Block]:
    if not facts.scope.whole_town:
        return village_measures(facts)
    table = measures_table(facts)
    blocks = [table] if table else []
    totals = {t.category: t for t in facts.category_totals}
    n = 0
    for category in Category:
        total = totals.get(category.value)
        specific = SPECIFICS.get(category, lambda f: [])(facts)
        if category == Category.SOCIAL_SECURITY or category == Category.EDUCATION:
            pass  # registry figures: written even without a programme of the year
        elif total is None and not specific:
            continue
        n += 1
        heading = CATEGORY_HEADINGS.get(category, str(category.label))
        blocks.append(Block("h3", f"{n}.{heading}"))
        text = "".join(specific)
        if total is not None and total.applications:
            text += f"本年度{category.label}类帮扶措施{_category_line(total)}。"
        blocks.append(Block("p", text or _("本年度暂无此类帮扶措施。")))
    return blocks


def village_measures(facts) -> list[Block]:
    c = facts.coverage
    text = (
        f"{facts.year}年{facts.scope.name}建档立卡户享受帮扶措施{c.households}户"
        f"(到人措施{c.persons}人),共{c.applications}项,已完成{c.completed}项"
    )
    if c.funds:
        text += f",资金{wan(c.funds)}"
    blocks = [Block("p", text + "。")]
    blocks.extend(Block("p", line) for line in _education(facts) + _social_security(facts))
    return blocks


# -- 四、households not lifted -------------------------------------------------


def _health(member) -> str:
    who = "户主" if member.relation == Relation.HEAD else member.get_relation_display()
    if member.health == Health.DISABLED:
        grade = member.get_disability_grade_display() if member.disability_grade else ""
        kind = member.get_disability_kind_display() if member.disability_kind else ""
        return f"{who}{kind or '残疾'}{grade}"
    if member.health == Health.SERIOUS:
        return f"{who}患有{member.illness or '大病'}"
    if member.health == Health.CHRONIC:
        return f"{who}患有{member.illness or '长期慢性病'}"
    return ""


def _measures(lines) -> list[str]:
    """The household's measures, one entry per programme and status.

    Person-targeted measures of several members (insurance for each member…)
    are written once, with the number of persons and the total amount.
    """
    groups: dict[tuple, list] = {}
    for m in lines:
        key = (m.programme, m.status, m.renovation_kind, m.note)
        groups.setdefault(key, []).append(m)
    out = []
    for (programme, _status, renovation_kind, note), items in groups.items():
        first = items[0]
        amount = sum((m.amount for m in items), Decimal("0"))
        added = sum((m.added_income for m in items), Decimal("0"))
        figure = ""
        if len(items) > 1:
            figure = f"{len(items)}人"
            if amount and first.kind != Kind.RENOVATION:
                figure += f"共{yuan(amount)}"
        elif amount and first.kind != Kind.RENOVATION:
            figure = yuan(amount)
        elif added:
            figure = f"增收{yuan(added)}"
        detail = joined([renovation_kind, first.status_label, note], ",")
        out.append(f"{programme}{figure}({detail})")
    return out


def household_paragraph(i: int, item, on) -> str:
    h = item.household
    head = item.head
    name = head.name if head else h.number
    kind = (
        IdentificationKind(h.identification_kind).label
        if h.identification_kind in IdentificationKind.values
        else ""
    )
    parts = [f"({i}){name}({kind}),{h.village.name}"]
    if h.natural_village_id:
        parts[0] += f"{h.natural_village.name}"
    parts.append(f"家庭人口{item.size}人")
    if item.status == PovertyStatus.RETURNED:
        parts.append("返贫户")
    parts.append(f"{h.identified_year}年识别为贫困户")
    if h.residence_village_id and h.residence_village_id != h.village_id:
        parts.append(f"现居住在{h.residence_village.name}")
    health = [_health(m) for m in item.members]
    parts.extend(x for x in health if x)
    for m in item.members:
        if m.deceased_on and m.deceased_on <= on:
            who = "户主" if m.relation == Relation.HEAD else m.name
            parts.append(f"{who}已于{m.deceased_on.year}年{m.deceased_on.month}月死亡")
    if item.per_capita_income is not None:
        parts.append(f"人均纯收入{yuan(item.per_capita_income)}")
    else:
        parts.append("本年度收入尚未核算")
    if item.failed:
        parts.append(joined([failed_label(c) for c in item.failed]))
    if h.dibao_class:
        parts.append(f"享受{h.dibao_class}类低保")
    if h.attribute in (HouseholdAttribute.TEKUN, HouseholdAttribute.DIBAO_TEKUN):
        parts.append("享受五保(特困供养)")
    text = ",".join(parts) + "。"
    if item.measures:
        text += f"措施:{joined(_measures(item.measures), ';')}。"
    else:
        text += "措施:本年度尚未制定帮扶措施。"
    return text


def not_lifted_section(facts) -> list[Block]:
    items = facts.not_lifted
    persons = sum(item.size for item in items)
    if not items:
        return [Block("p", f"截至{date_text(facts.on)},{facts.scope.name}没有未脱贫户。")]
    intro = (
        f"截至{date_text(facts.on)},{facts.scope.name}未脱贫户{len(items)}户{persons}人。"
        "针对每户的具体情况制定了帮扶措施,明确了责任人,逐户情况如下:"
    )
    blocks = [Block("p", intro)]
    blocks.extend(
        Block("p", household_paragraph(i, item, facts.on)) for i, item in enumerate(items, 1)
    )
    return blocks


# -- 五、rectification ---------------------------------------------------------


def round_paragraph(summary, villages: int) -> str:
    r = summary.inspection_round
    text = f"{r.name}"
    if r.summary:
        text += f"({r.summary})"
    categories = summary.categories
    if len(categories) > 1:
        split = joined([f"{c.label}{c.found}条问题" for c in categories])
        text += f",共{summary.found}条问题,其中涉及{split}"
    else:
        label = categories[0].label if categories else ""
        text += f",发现{label}问题{summary.found}条"
    if villages:
        text += f",涉及{villages}个行政村"
    if summary.open == 0:
        text += ",已全部整改完成"
    else:
        text += f",已完成整改{summary.done}条,正在整改{summary.open}条"
        if summary.overdue:
            text += f"(其中超期{summary.overdue}条)"
    return text + "。"


def rectification_section(facts) -> list[Block]:
    blocks = [
        Block("p", round_paragraph(s, facts.round_villages.get(s.inspection_round.pk, 0)))
        for s in facts.rounds
    ]
    p = facts.problems
    total = f"截至{date_text(facts.on)},共发现问题{p.found}条,已完成整改{p.done}条"
    if p.open:
        total += f",正在整改{p.open}条"
        total += f",其中超期{p.overdue}条" if p.overdue else ",均在整改时限内"
    blocks.append(Block("p", total + "。"))
    return blocks


# -- 六、census -----------------------------------------------------------------


def census_section(facts) -> list[Block]:
    c = facts.census
    parts = []
    if c.leading_group is not None:
        when = c.leading_group.established_on
        started = f"{when.year}年{when.month}月" if when else ""
        leader = f"由{c.leader.name}{c.leader.position}为组长的" if c.leader else ""
        parts.append(f"{started}成立了{leader}{c.leading_group.name}")
        if c.office is not None:
            parts.append(f"下设{c.office.name}")
        if c.working_groups:
            names = joined([g.name for g in c.working_groups])
            parts.append(f"组建了{names}等{len(c.working_groups)}个小组")
        parts.append("明确了工作职责")
    staff = []
    if c.enumerators:
        if c.enumerators_per_village:
            staff.append(f"每个村设置{c.enumerators_per_village}名摸底清查人员")
        else:
            staff.append(f"各村共设置{c.enumerators}名摸底清查人员")
    if c.reviewers and facts.scope.whole_town:
        staff.append(f"镇政府设置{c.reviewers}名数据审核人员")
    text = ",".join(parts) + "。" if parts else ""
    if staff:
        text += "同时" + ",".join(staff) + ",对所有贫困户的数据进行整理核查。"
    blocks = [Block("p", text or _("普查工作机构尚未录入。"))]
    g = c.progress
    if g is not None:
        blocks.append(
            Block(
                "p",
                f"截至{date_text(facts.on)},应核查{g.households}户,已核查{g.checked}户,"
                f"审核通过{g.approved}户,退回修改{g.sent_back}户;"
                f"数据质量规则发现待处理问题{g.open_violations}个。",
            )
        )
    return blocks


__all__ = ["ApplicationStatus", "Block", "WorkReport", "wan", "write_report", "yuan"]
