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
from django.utils.translation import gettext_lazy

from assessment.rules import failed_label
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
from households.rules import incidence_below_exit_threshold
from measures.models import ApplicationStatus, Category, Kind
from monitoring.choices import IDENTIFICATION_STATES, MONITORED_STATES, CaseState
from monitoring.choices import Category as MonitoringCategory

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


def households_persons(households, persons) -> str:
    return _("%(households)s户%(persons)s人") % {"households": households, "persons": persons}


def tally(t) -> str:
    return households_persons(t.households, t.persons)


def date_text(d) -> str:
    return _("%(year)s年%(month)s月%(day)s日") % {"year": d.year, "month": d.month, "day": d.day}


def joined(parts: list[str], sep: str = "、") -> str:
    return sep.join(p for p in parts if p)


# Statuses as the seed report names them.
STATUS_WORDS = {
    PovertyStatus.LIFTED: gettext_lazy("正常脱贫"),
    PovertyStatus.STABLE: gettext_lazy("稳定脱贫"),
    PovertyStatus.NOT_LIFTED: gettext_lazy("未脱贫"),
    PovertyStatus.RETURNED: gettext_lazy("返贫"),
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
    if town is None:
        where = scope.name
    else:
        where = town.name if scope.whole_town else f"{town.name}{scope.name}"
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
    if facts.monitoring is not None:
        sections.append((_("防止返贫动态监测和帮扶"), monitoring_section(facts)))
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
        area = (
            _(",总面积约%(area)s平方公里") % {"area": f"{town.area_km2.normalize():f}"}
            if town.area_km2
            else ""
        )
        parts.append(
            _("%(town)s%(under)s%(area)s,辖%(villages)s个行政村,%(groups)s个村民小组。")
            % {
                "town": town.name,
                "under": _("隶属%(place)s") % {"place": located} if located else "",
                "area": area,
                "villages": len(scope.villages),
                "groups": facts.groups,
            }
        )
    elif scope.several_towns:
        parts.append(
            _("%(county)s辖%(towns)s个镇、%(villages)s个行政村,%(groups)s个村民小组。")
            % {
                "county": scope.name,
                "towns": len(scope.towns),
                "villages": len(scope.villages),
                "groups": facts.groups,
            }
        )
    else:
        parts.append(
            _("%(place)s辖%(groups)s个村民小组。") % {"place": scope.name, "groups": facts.groups}
        )
    if pop["registered_persons"]:
        parts.append(
            _(
                "户籍人口%(households)s户%(persons)s人,"
                "常住%(resident_households)s户%(resident_persons)s人。"
            )
            % {
                "households": pop["registered_households"],
                "persons": pop["registered_persons"],
                "resident_households": pop["resident_households"],
                "resident_persons": pop["resident_persons"],
            }
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
            return _("%(village)s为非贫困村") % {"village": v.name}
        text = _("%(village)s为%(kind)s") % {
            "village": v.name,
            "kind": v.get_poor_village_kind_display(),
        }
        if v.exit_year:
            return text + _(",%(year)s年退出") % {"year": v.exit_year}
        return text + _(",尚未退出")
    if scope.several_towns:
        who = _("%(county)s各镇") % {"county": scope.name}
    else:
        who = _("全镇") if scope.whole_town else _("以上各村中")
    if not key and not deep:
        return _("%(who)s没有贫困村") % {"who": who}
    text = _("%(who)s共有%(key)s个重点贫困村,%(deep)s个深度贫困村") % {
        "who": who,
        "key": key,
        "deep": deep,
    }
    if exits:
        text += "," + ",".join(
            _("%(year)s年退出%(n)s个") % {"year": year, "n": n} for year, n in sorted(exits.items())
        )
    return text


def poverty_situation(facts) -> list[Block]:
    by_status = facts.by_status
    parts = [
        _("%(villages)s;截至%(date)s,现有建档立卡贫困户%(registered)s。")
        % {
            "villages": _poor_villages(facts.scope),
            "date": date_text(facts.on),
            "registered": tally(facts.registered),
        }
    ]
    statuses = [
        f"{STATUS_WORDS[s]}{tally(by_status[s])}"
        for s in STATUS_ORDER
        if s in by_status and (by_status[s].households or s == PovertyStatus.NOT_LIFTED)
    ]
    if PovertyStatus.NOT_LIFTED not in by_status:
        statuses.append(f"{STATUS_WORDS[PovertyStatus.NOT_LIFTED]}{households_persons(0, 0)}")
    incidence = facts.incidence
    sentence = _("其中%(statuses)s,贫困发生率%(incidence)s") % {
        "statuses": joined(statuses),
        "incidence": incidence.display,
    }
    if incidence.percent is not None and facts.threshold is not None:
        below = incidence_below_exit_threshold(incidence.percent, facts.threshold)
        threshold = {"threshold": percent(facts.threshold)}
        if below:
            sentence += _("(低于%(threshold)s的贫困村退出标准)") % threshold
        else:
            sentence += _("(未低于%(threshold)s的贫困村退出标准)") % threshold
    parts.append(sentence + "。")
    parts.append(_("仍享受帮扶政策的贫困人口%(persons)s人。") % {"persons": facts.enjoying.persons})
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
    parts = [_("涉及%(households)s户") % {"households": total.households}]
    if total.persons:
        parts.append(_("%(persons)s人") % {"persons": total.persons})
    line = "".join(parts) + _(",共%(applications)s项措施,已完成%(completed)s项") % {
        "applications": total.applications,
        "completed": total.completed,
    }
    if total.funds:
        line += _(",资金%(funds)s") % {"funds": wan(total.funds)}
    return line


def _kind_households(kind, households) -> str:
    return _("%(kind)s%(households)s户") % {
        "kind": RenovationKind(kind).label,
        "households": households,
    }


def _housing(facts) -> list[str]:
    renovations = facts.renovations
    if not renovations:
        return []
    kinds = [k for k in RenovationKind.values if k in renovations]
    total = sum(renovations[k][0] for k in kinds)
    completed = sum(renovations[k][1] for k in kinds)
    split = joined([_kind_households(k, renovations[k][0]) for k in kinds])
    text = _("%(year)s年计划实施危房改造%(total)s户,其中%(split)s,目前已完工%(completed)s户") % {
        "year": facts.year,
        "total": total,
        "split": split,
        "completed": completed,
    }
    remaining = [
        _kind_households(k, renovations[k][0] - renovations[k][1])
        for k in kinds
        if renovations[k][0] > renovations[k][1]
    ]
    if remaining:
        text += _(",其余%(remaining)s正在实施") % {"remaining": joined(remaining)}
    return [text + "。"]


def _medical(facts) -> list[str]:
    out = []
    subsidies = _programmes(facts, Kind.INSURANCE_SUBSIDY)
    if subsidies:
        persons = sum(t.persons for t in subsidies)
        each = joined(
            [
                _("%(programme)s%(persons)s人,每人%(amount)s")
                % {
                    "programme": t.programme.name,
                    "persons": t.persons,
                    "amount": yuan(t.programme.standard_amount),
                }
                for t in subsidies
            ],
            ";",
        )
        out.append(
            _("%(year)s年为%(persons)s名贫困人口补贴城乡居民医疗保险个人缴费(%(each)s)。")
            % {"year": facts.year, "persons": persons, "each": each}
        )
    for t in _programmes(facts, Kind.COMMERCIAL_INSURANCE):
        out.append(
            _("为%(persons)s人代缴%(programme)s每人%(amount)s。")
            % {
                "persons": t.persons,
                "programme": t.programme.name,
                "amount": yuan(t.programme.standard_amount),
            }
        )
    for t in _programmes(facts, Kind.MEDICINE_DELIVERY):
        out.append(
            _("为%(persons)s人实施%(programme)s。")
            % {"persons": t.persons, "programme": t.programme.name}
        )
    return out


def _education(facts) -> list[str]:
    out = []
    subsidies = [t for t in _programmes(facts, Kind.STUDENT_SUBSIDY) if t.programme.days]
    if subsidies:
        per_day = joined(
            [
                _("%(programme)s每人每天%(amount)s")
                % {"programme": t.programme.name, "amount": yuan(t.programme.standard_amount)}
                for t in subsidies
            ]
        )
        days = {t.programme.days for t in subsidies}
        per_year = joined([yuan(t.programme.standard_per_beneficiary) for t in subsidies])
        text = _("贫困学生生活补助标准为%(per_day)s") % {"per_day": per_day}
        if len(days) == 1:
            text += _(",全年按%(days)s天计算,分别是%(per_year)s") % {
                "days": days.pop(),
                "per_year": per_year,
            }
        out.append(text + "。")
    students = facts.students
    total = sum(students.values())
    levels = [
        _("%(level)s%(persons)s人")
        % {"level": EducationLevel(level).label, "persons": students[level]}
        for level in EducationLevel.values
        if students.get(level)
    ]
    if total:
        out.append(
            _("资助建档立卡贫困学生%(total)s人,其中%(levels)s。")
            % {"total": total, "levels": joined(levels, ",")}
        )
    return out


def _water(facts) -> list[str]:
    p = facts.projects
    out = []
    if p.purifiers:
        years = "、".join(str(y) for y in p.purifier_years)
        out.append(
            _("%(years)s年为%(villages)s个村发放安装净水机%(purifiers)s台")
            % {"years": years, "villages": p.purifier_villages, "purifiers": p.purifiers}
        )
    if p.tap_water_villages:
        out.append(_("%(villages)s个村安装自来水") % {"villages": p.tap_water_villages})
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
                _("%(who)s带动贫困户%(households)s户,每户每年增收%(income)s")
                % {
                    "who": who or prog.name,
                    "households": t.households,
                    "income": yuan(prog.income_per_year),
                }
            )
        out.append(_("建立农企利益联结机制:%(items)s。") % {"items": joined(items, ";")})
    for t in _programmes(facts, Kind.MENU_SUBSIDY):
        out.append(
            _("“菜单式”奖补:%(programme)s涉及%(households)s户,资金%(funds)s。")
            % {"programme": t.programme.name, "households": t.households, "funds": wan(t.funds)}
        )
    for t in _programmes(facts, Kind.COLLECTIVE_DIVIDEND):
        out.append(
            _("%(programme)s惠及%(households)s户。")
            % {"programme": t.programme.name, "households": t.households}
        )
    p = facts.projects
    if p.collective_income_last_year:
        out.append(
            _("%(year)s年底村集体经济收入达到%(income)s。")
            % {"year": facts.year - 1, "income": wan(p.collective_income_last_year)}
        )
    if p.pv_villages:
        capacity = ""
        if len(p.pv_capacities) == 1:
            capacity = _(",每个村%(capacity)s千瓦") % {
                "capacity": f"{p.pv_capacities[0].normalize():f}"
            }
        text = _("%(villages)s个村建设了村级光伏电站%(capacity)s") % {
            "villages": p.pv_villages,
            "capacity": capacity,
        }
        if p.pv_income_last_year:
            text += _(",%(year)s年收益共计%(income)s") % {
                "year": facts.year - 1,
                "income": wan(p.pv_income_last_year),
            }
        if p.pv_income_estimate:
            text += _(",%(year)s年预计收入%(income)s") % {
                "year": facts.year,
                "income": wan(p.pv_income_estimate),
            }
        pv = _programmes(facts, Kind.PHOTOVOLTAIC)
        for t in pv:
            text += _(
                ";纳入光伏扶贫电站收益分配的贫困户%(households)s户,每户每年收益%(income)s"
            ) % {
                "households": t.households,
                "income": yuan(t.programme.income_per_year),
            }
        out.append(text + "。")
    return out


def _employment(facts) -> list[str]:
    posts = _programmes(facts, Kind.PUBLIC_WELFARE_POST)
    if not posts:
        return []
    items = [
        _("%(programme)s%(persons)s人,每人每年工资%(amount)s")
        % {
            "programme": t.programme.name,
            "persons": t.persons,
            "amount": yuan(t.programme.standard_amount),
        }
        for t in posts
    ]
    return [
        _("%(year)s年在贫困户中安排%(items)s。") % {"year": facts.year, "items": joined(items, ";")}
    ]


def _finance(facts) -> list[str]:
    out = []
    for t in _programmes(facts, Kind.MICROCREDIT):
        text = _(
            "有贷款意愿、符合贷款条件的贫困户%(households)s户,目前已发放贷款%(completed)s户"
        ) % {"households": t.households, "completed": t.completed}
        if t.in_progress or t.planned:
            text += _(",%(households)s户正在办理") % {"households": t.in_progress + t.planned}
        out.append(text + "。")
    return out


def _social_security(facts) -> list[str]:
    text = _("建档立卡贫困人口享受最低生活保障%(households)s户、%(persons)s人,") % {
        "households": facts.dibao.households,
        "persons": facts.dibao.persons,
    }
    text += _("五保(特困供养)人员%(persons)s人") % {"persons": facts.tekun_persons}
    subsidies = _programmes(facts, Kind.DISABILITY_SUBSIDY)
    if subsidies:
        text += "," + joined(
            [
                _("享受%(programme)s%(persons)s人")
                % {"programme": t.programme.name, "persons": t.persons}
                for t in subsidies
            ],
            ",",
        )
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
    Category.HOUSING: gettext_lazy("住房安全保障"),
    Category.MEDICAL: gettext_lazy("基本医疗保障"),
    Category.EDUCATION: gettext_lazy("教育扶贫"),
    Category.WATER: gettext_lazy("饮水安全保障"),
    Category.INDUSTRY: gettext_lazy("产业扶贫"),
    Category.EMPLOYMENT: gettext_lazy("就业扶贫"),
    Category.FINANCE: gettext_lazy("金融扶贫"),
    Category.SOCIAL_SECURITY: gettext_lazy("社会保障兜底"),
    Category.CIVIL_RELIEF: gettext_lazy("民政救助"),
}


def measures_table(facts) -> Block | None:
    """The year's measures by category (the dashboard's figures) as a table."""
    totals = [t for t in facts.category_totals if t.applications]
    if not totals:
        return None
    header = (_("类别"), _("受益户"), _("受益人(到人)"), _("措施数"), _("已完成"), _("资金(元)"))
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
    caption = _("%(year)s年帮扶措施分类汇总(不含已取消)") % {"year": facts.year}
    return Block("table", caption, (header, *rows))


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
            text += _("本年度%(category)s类帮扶措施%(line)s。") % {
                "category": category.label,
                "line": _category_line(total),
            }
        blocks.append(Block("p", text or _("本年度暂无此类帮扶措施。")))
    return blocks


def village_measures(facts) -> list[Block]:
    c = facts.coverage
    text = _(
        "%(year)s年%(place)s建档立卡户享受帮扶措施%(households)s户"
        "(到人措施%(persons)s人),共%(applications)s项,已完成%(completed)s项"
    ) % {
        "year": facts.year,
        "place": facts.scope.name,
        "households": c.households,
        "persons": c.persons,
        "applications": c.applications,
        "completed": c.completed,
    }
    if c.funds:
        text += _(",资金%(funds)s") % {"funds": wan(c.funds)}
    blocks = [Block("p", text + "。")]
    blocks.extend(Block("p", line) for line in _education(facts) + _social_security(facts))
    return blocks


# -- 四、households not lifted -------------------------------------------------


def _health(member) -> str:
    who = _("户主") if member.relation == Relation.HEAD else member.get_relation_display()
    if member.health == Health.DISABLED:
        grade = member.get_disability_grade_display() if member.disability_grade else ""
        kind = member.get_disability_kind_display() if member.disability_kind else ""
        kind = kind or _("残疾")
        return f"{who}{kind}{grade}"
    if member.health == Health.SERIOUS:
        return _("%(who)s患有%(illness)s") % {"who": who, "illness": member.illness or _("大病")}
    if member.health == Health.CHRONIC:
        return _("%(who)s患有%(illness)s") % {
            "who": who,
            "illness": member.illness or _("长期慢性病"),
        }
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
            figure = _("%(persons)s人") % {"persons": len(items)}
            if amount and first.kind != Kind.RENOVATION:
                figure += _("共%(amount)s") % {"amount": yuan(amount)}
        elif amount and first.kind != Kind.RENOVATION:
            figure = yuan(amount)
        elif added:
            figure = _("增收%(amount)s") % {"amount": yuan(added)}
        detail = joined([renovation_kind, first.status_label, note], ",")
        out.append(
            _("%(programme)s%(figure)s(%(detail)s)")
            % {"programme": programme, "figure": figure, "detail": detail}
        )
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
    parts = [
        _("(%(i)s)%(name)s(%(kind)s),%(village)s")
        % {"i": i, "name": name, "kind": kind, "village": h.village.name}
    ]
    if h.natural_village_id:
        parts[0] += f"{h.natural_village.name}"
    parts.append(_("家庭人口%(size)s人") % {"size": item.size})
    if item.status == PovertyStatus.RETURNED:
        parts.append(_("返贫户"))
    parts.append(_("%(year)s年识别为贫困户") % {"year": h.identified_year})
    if h.residence_village_id and h.residence_village_id != h.village_id:
        parts.append(_("现居住在%(village)s") % {"village": h.residence_village.name})
    health = [_health(m) for m in item.members]
    parts.extend(x for x in health if x)
    for m in item.members:
        if m.deceased_on and m.deceased_on <= on:
            who = _("户主") if m.relation == Relation.HEAD else m.name
            parts.append(
                _("%(who)s已于%(year)s年%(month)s月死亡")
                % {"who": who, "year": m.deceased_on.year, "month": m.deceased_on.month}
            )
    if item.per_capita_income is not None:
        parts.append(_("人均纯收入%(income)s") % {"income": yuan(item.per_capita_income)})
    else:
        parts.append(_("本年度收入尚未核算"))
    if item.failed:
        parts.append(joined([failed_label(c) for c in item.failed]))
    if h.dibao_class:
        parts.append(_("享受%(dibao_class)s类低保") % {"dibao_class": h.dibao_class})
    if h.attribute in (HouseholdAttribute.TEKUN, HouseholdAttribute.DIBAO_TEKUN):
        parts.append(_("享受五保(特困供养)"))
    text = ",".join(parts) + "。"
    if item.measures:
        text += _("措施:%(measures)s。") % {"measures": joined(_measures(item.measures), ";")}
    else:
        text += _("措施:本年度尚未制定帮扶措施。")
    return text


def not_lifted_section(facts) -> list[Block]:
    items = facts.not_lifted
    persons = sum(item.size for item in items)
    if not items:
        return [
            Block(
                "p",
                _("截至%(date)s,%(place)s没有未脱贫户。")
                % {"date": date_text(facts.on), "place": facts.scope.name},
            )
        ]
    intro = _(
        "截至%(date)s,%(place)s未脱贫户%(households)s户%(persons)s人。"
        "针对每户的具体情况制定了帮扶措施,明确了责任人,逐户情况如下:"
    ) % {
        "date": date_text(facts.on),
        "place": facts.scope.name,
        "households": len(items),
        "persons": persons,
    }
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
        text += _("(%(summary)s)") % {"summary": r.summary}
    categories = summary.categories
    if len(categories) > 1:
        split = joined(
            [
                _("%(category)s%(found)s条问题") % {"category": c.label, "found": c.found}
                for c in categories
            ]
        )
        text += _(",共%(found)s条问题,其中涉及%(split)s") % {
            "found": summary.found,
            "split": split,
        }
    else:
        label = categories[0].label if categories else ""
        text += _(",发现%(category)s问题%(found)s条") % {"category": label, "found": summary.found}
    if villages:
        text += _(",涉及%(villages)s个行政村") % {"villages": villages}
    if summary.open == 0:
        text += _(",已全部整改完成")
    else:
        text += _(",已完成整改%(done)s条,正在整改%(open)s条") % {
            "done": summary.done,
            "open": summary.open,
        }
        if summary.overdue:
            text += _("(其中超期%(overdue)s条)") % {"overdue": summary.overdue}
    return text + "。"


def rectification_section(facts) -> list[Block]:
    blocks = [
        Block("p", round_paragraph(s, facts.round_villages.get(s.inspection_round.pk, 0)))
        for s in facts.rounds
    ]
    p = facts.problems
    total = _("截至%(date)s,共发现问题%(found)s条,已完成整改%(done)s条") % {
        "date": date_text(facts.on),
        "found": p.found,
        "done": p.done,
    }
    if p.open:
        total += _(",正在整改%(open)s条") % {"open": p.open}
        if p.overdue:
            total += _(",其中超期%(overdue)s条") % {"overdue": p.overdue}
        else:
            total += _(",均在整改时限内")
    blocks.append(Block("p", total + "。"))
    return blocks


# -- 六、census -----------------------------------------------------------------


def census_section(facts) -> list[Block]:
    c = facts.census
    parts = []
    if c.leading_group is not None:
        when = c.leading_group.established_on
        started = (
            _("%(year)s年%(month)s月") % {"year": when.year, "month": when.month} if when else ""
        )
        leader = (
            _("由%(name)s%(position)s为组长的")
            % {"name": c.leader.name, "position": c.leader.position}
            if c.leader
            else ""
        )
        parts.append(
            _("%(started)s成立了%(leader)s%(group)s")
            % {"started": started, "leader": leader, "group": c.leading_group.name}
        )
        if c.office is not None:
            parts.append(_("下设%(office)s") % {"office": c.office.name})
        if c.working_groups:
            names = joined([g.name for g in c.working_groups])
            parts.append(
                _("组建了%(names)s等%(n)s个小组") % {"names": names, "n": len(c.working_groups)}
            )
        parts.append(_("明确了工作职责"))
    staff = []
    if c.enumerators:
        if c.enumerators_per_village:
            staff.append(_("每个村设置%(n)s名摸底清查人员") % {"n": c.enumerators_per_village})
        else:
            staff.append(_("各村共设置%(n)s名摸底清查人员") % {"n": c.enumerators})
    if c.reviewers and facts.scope.whole_town:
        staff.append(_("镇政府设置%(n)s名数据审核人员") % {"n": c.reviewers})
    text = ",".join(parts) + "。" if parts else ""
    if staff:
        text += _("同时%(staff)s,对所有贫困户的数据进行整理核查。") % {"staff": ",".join(staff)}
    blocks = [Block("p", text or _("普查工作机构尚未录入。"))]
    g = c.progress
    if g is not None:
        blocks.append(
            Block(
                "p",
                _(
                    "截至%(date)s,应核查%(households)s户,已核查%(checked)s户,"
                    "审核通过%(approved)s户,退回修改%(sent_back)s户;"
                    "数据质量规则发现待处理问题%(violations)s个。"
                )
                % {
                    "date": date_text(facts.on),
                    "households": g.households,
                    "checked": g.checked,
                    "approved": g.approved,
                    "sent_back": g.sent_back,
                    "violations": g.open_violations,
                },
            )
        )
    return blocks


__all__ = ["ApplicationStatus", "Block", "WorkReport", "wan", "write_report", "yuan"]


# --------------------------------------------------------------------------
# 防止返贫动态监测和帮扶
# --------------------------------------------------------------------------


def _place(scope) -> str:
    town = scope.town
    if town is not None and scope.whole_town:
        return _("全镇")
    return scope.name


def monitoring_section(facts) -> list[Block]:
    """The monitoring objects of the scope on the date (``facts.monitoring``, the
    monitoring dashboard's figures): by category, identified and eliminated in
    the year, being identified and overdue, risk types."""
    m = facts.monitoring
    total = m.total
    place = _place(facts.scope)
    when = date_text(facts.on)
    if not any(sum(counts.values()) for counts in total.by_state.values()):
        text = _("截至%(date)s,%(place)s尚无防返贫监测记录。") % {"date": when, "place": place}
        return [Block("p", text)]
    categories = joined(
        [
            _("%(category)s%(households)s户") % {"category": label, "households": n}
            for label, n in m.category_totals
        ]
    )
    text = _("截至%(date)s,%(place)s共有防返贫监测对象%(monitored)s,其中%(categories)s") % {
        "date": when,
        "place": place,
        "monitored": households_persons(total.monitored_total, total.monitored_persons),
        "categories": categories,
    }
    if total.population:
        text += _(
            ";监测对象发生率%(incidence)s(监测对象%(persons)s人÷%(year)s年农村户籍人口%(population)s人)"
        ) % {
            "incidence": total.incidence_display,
            "persons": total.monitored_persons,
            "year": facts.on.year,
            "population": total.population,
        }
    blocks = [Block("p", text + _("。"))]

    flow = _("%(year)s年新识别监测对象%(identified)s户,风险消除%(eliminated)s户") % {
        "year": m.year,
        "identified": m.identified_in_year,
        "eliminated": m.eliminated_in_year,
    }
    flow += _(";累计已消除风险%(eliminated)s户,未纳入监测%(rejected)s户") % {
        "eliminated": total.eliminated,
        "rejected": total.rejected,
    }
    flow += _(";尚未办结%(open)s户(监测帮扶中%(monitored)s户,正在识别%(identifying)s户") % {
        "open": total.open_total,
        "monitored": total.monitored_total,
        "identifying": total.identifying,
    }
    if total.overdue:
        flow += _(",其中超过办理期限%(overdue)s户)。") % {"overdue": total.overdue}
    elif total.identifying:
        flow += _(",均在办理期限内)。")
    else:
        flow += _(")。")
    blocks.append(Block("p", flow))

    risks = [(label, n) for label, n in m.risks if n]
    if risks:
        items = joined(
            [_("%(risk)s%(households)s户") % {"risk": label, "households": n} for label, n in risks]
        )
        blocks.append(
            Block(
                "p",
                _("监测对象的风险类型(一户可有多种):%(risks)s。") % {"risks": items},
            )
        )

    header = (_("类别"), _("监测对象"), _("正在识别"), _("已消除风险"), _("未纳入监测"))
    rows = [header]
    for value, label in MonitoringCategory.choices:
        by_state = {state: counts[value] for state, counts in total.by_state.items()}
        rows.append(
            (
                str(label),
                str(sum(by_state[s] for s in MONITORED_STATES)),
                str(sum(by_state[s] for s in IDENTIFICATION_STATES)),
                str(by_state[CaseState.ELIMINATED]),
                str(by_state[CaseState.REJECTED]),
            )
        )
    rows.append(
        (
            _("合计"),
            str(total.monitored_total),
            str(total.identifying),
            str(total.eliminated),
            str(total.rejected),
        )
    )
    caption = _("防返贫监测对象分类情况(户,截至%(date)s)") % {"date": when}
    blocks.append(Block("table", caption, tuple(rows)))
    return blocks
