"""The village ledger (台账) layout: one row per member, household columns
filled on the head's row (or repeated on every member row).

Each column has a key (used in code), the title of the standard template,
the other titles villages use for it, and the kind of value it holds. The
reader recognises a column by any of its titles (after removing spaces,
line breaks and a unit in brackets such as "(元)"), in any order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from households.choices import (
    DibaoClass,
    DisabilityGrade,
    DisabilityKind,
    EducationLevel,
    Health,
    HouseholdAttribute,
    IdentificationKind,
    Labour,
    MedicalInsurance,
    PovertyCause,
    PovertyStatus,
    Relation,
    SchoolStatus,
    TekunKind,
)
from households.ledger.variants import (
    SCHOOL_LEVELS,
    SCHOOL_STATUS_VARIANTS,
    header_variants,
    normalise_header,
)

# Kinds of value a column holds (see households.ledger.clean).
TEXT = "text"
ID_NUMBER = "id_number"
INTEGER = "integer"
YEAR = "year"
MONEY = "money"
DATE = "date"
BOOLEAN = "boolean"
CHOICE = "choice"
CHOICES = "choices"  # several choices separated by 、,;/ or spaces


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # title in the standard template
    kind: str
    level: str  # "household" or "member"
    aliases: tuple[str, ...] = ()
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for CHOICE/CHOICES
    # Other labels accepted for a value, e.g. "五保" for the 特困 attribute.
    choice_aliases: dict[str, str] = field(default_factory=dict)
    required: bool = False
    # A check column: read and compared, never written (e.g. 家庭人口).
    check_only: bool = False

    @property
    def titles(self) -> tuple[str, ...]:
        return (self.title, *self.aliases)


def _choices(enum) -> tuple[tuple[str, str], ...]:
    return tuple((value, str(label)) for value, label in enum.choices)


H, M = "household", "member"

COLUMNS: tuple[Column, ...] = (
    # -- household ---------------------------------------------------------
    # The registry's household number: village sheets usually have none (the
    # household is then found by its members' ID numbers).
    Column("number", "户编号", TEXT, H, ("户码", "户号", "户编码")),
    # Usually absent: the village is then the one chosen on upload.
    Column("village", "行政村", TEXT, H, ("村", "村名", "所在村", "行政村名称")),
    Column("group", "村民小组", TEXT, H, ("组", "小组", "社", "村民组")),
    Column("identified_year", "识别年度", YEAR, H, ("识别年份", "识别时间", "建档年度")),
    Column(
        "identification_kind",
        "识别类型",
        CHOICE,
        H,
        ("户类型", "保留户/新识别户"),
        _choices(IdentificationKind),
        {"保留": "kept", "新识别": "new", "新增": "new"},
    ),
    Column(
        "attribute",
        "贫困户属性",
        CHOICE,
        H,
        ("户属性", "贫困属性", "属性"),
        _choices(HouseholdAttribute),
        {
            "一般贫困户": "general",
            "一般户": "general",
            "一般": "general",
            "低保贫困户": "dibao",
            "低保户": "dibao",
            "低保": "dibao",
            "五保户": "tekun",
            "五保贫困户": "tekun",
            "五保": "tekun",
            "特困供养贫困户": "tekun",
            "特困供养户": "tekun",
            "特困": "tekun",
            "低保特困供养户": "dibao_tekun",
        },
    ),
    Column("dibao_class", "低保类别", CHOICE, H, ("低保类型", "低保档次"), _choices(DibaoClass)),
    Column("tekun_kind", "特困供养方式", CHOICE, H, ("供养方式",), _choices(TekunKind)),
    Column(
        "main_cause",
        "主要致贫原因",
        CHOICE,
        H,
        ("致贫原因", "主要致贫原因(单选)"),
        _choices(PovertyCause),
        {"病": "illness", "残": "disability", "学": "schooling", "灾": "disaster"},
    ),
    Column("other_causes", "其他致贫原因", CHOICES, H, ("次要致贫原因",), _choices(PovertyCause)),
    Column("phone", "联系电话", TEXT, H, ("电话", "手机", "手机号", "联系方式")),
    # Checked against the member whose relation is 户主; never written.
    Column("head_name", "户主姓名", TEXT, H, ("户主",), check_only=True),
    Column(
        "status",
        "贫困状态",
        CHOICE,
        H,
        ("脱贫状态", "是否脱贫", "贫困户状态"),
        _choices(PovertyStatus),
        {
            "未脱贫": "0",
            "已脱贫": "1",
            "正常脱贫": "1",
            "已脱贫享受政策": "1",
            "稳定脱贫": "4",
            "已脱贫不再享受政策": "4",
            "返贫": "3",
        },
    ),
    Column(
        "size", "家庭人口", INTEGER, H, ("家庭人口数", "人口数", "户人口", "人口"), check_only=True
    ),
    Column("income_year", "收入年度", YEAR, H, ("收入年份",)),
    Column("wage_income", "工资性收入", MONEY, H, ("务工收入", "工资收入")),
    Column("production_income", "生产经营性收入", MONEY, H, ("经营性收入", "生产经营收入")),
    Column("production_cost", "生产经营性支出", MONEY, H, ("经营性支出", "生产经营支出")),
    Column("property_income", "财产性收入", MONEY, H, ("财产收入",)),
    Column("transfer_dibao", "低保金", MONEY, H),
    Column("transfer_tekun", "特困供养金", MONEY, H, ("五保金",)),
    Column("transfer_pension", "养老金", MONEY, H, ("养老保险金",)),
    Column("transfer_eco", "生态补偿金", MONEY, H, ("生态补偿",)),
    Column("transfer_subsidy", "其他政策性补贴", MONEY, H, ("政策性补贴",)),
    Column("transfer_relief", "救助金", MONEY, H, ("临时救助",)),
    Column("transfer_other", "其他转移性收入", MONEY, H),
    Column(
        "per_capita_income",
        "人均纯收入",
        MONEY,
        H,
        ("家庭人均纯收入", "人均收入"),
        check_only=True,
    ),
    # -- member ------------------------------------------------------------
    Column("name", "姓名", TEXT, M, ("成员姓名", "家庭成员姓名"), required=True),
    Column(
        "id_number",
        "身份证号",
        ID_NUMBER,
        M,
        ("身份证号码", "公民身份号码", "证件号码", "身份证"),
        required=True,
    ),
    Column(
        "relation",
        "与户主关系",
        CHOICE,
        M,
        ("与户主的关系", "关系"),
        _choices(Relation),
        {
            "本人": "head",
            "户主本人": "head",
            "妻": "spouse",
            "夫": "spouse",
            "妻子": "spouse",
            "丈夫": "spouse",
            "子": "child",
            "女": "child",
            "之子": "child",
            "之女": "child",
            "儿子": "child",
            "女儿": "child",
            "儿媳": "child_in_law",
            "女婿": "child_in_law",
            "孙子": "grandchild",
            "孙女": "grandchild",
            "外孙子": "grandchild",
            "外孙女": "grandchild",
            "父亲": "parent",
            "母亲": "parent",
            "父": "parent",
            "母": "parent",
        },
        required=True,
    ),
    Column("ethnicity", "民族", TEXT, M),
    Column("health", "健康状况", CHOICE, M, ("健康情况",), _choices(Health), {"大病": "serious"}),
    Column("illness", "所患疾病", TEXT, M, ("疾病名称", "病种")),
    Column("disability_kind", "残疾类别", CHOICE, M, ("残疾类型",), _choices(DisabilityKind)),
    Column(
        "disability_grade",
        "残疾等级",
        CHOICE,
        M,
        ("残疾级别",),
        tuple((str(v), str(label)) for v, label in DisabilityGrade.choices),
        {"1": "1", "2": "2", "3": "3", "4": "4", "1级": "1", "2级": "2", "3级": "3", "4级": "4"},
    ),
    Column("labour", "劳动技能", CHOICE, M, ("劳动能力", "劳动力状况"), _choices(Labour)),
    Column(
        "education_level", "文化程度", CHOICE, M, ("文化程度/在读学段",), _choices(EducationLevel)
    ),
    Column(
        "school_status",
        "在校生状况",
        CHOICE,
        M,
        ("在校生情况", "是否在校"),
        _choices(SchoolStatus),
        {
            "在校": "in_school",
            "否": "not_student",
            "是": "in_school",
            **SCHOOL_STATUS_VARIANTS,
            **dict.fromkeys(SCHOOL_LEVELS, "in_school"),
        },
    ),
    Column(
        "medical_insurance",
        "医疗保险",
        CHOICE,
        M,
        ("参加医疗保险", "是否参加城乡居民基本医疗保险", "医保"),
        _choices(MedicalInsurance),
        {"是": "resident", "已参保": "resident", "否": "none", "城乡居民医保": "resident"},
    ),
    Column("on_dibao", "享受低保", BOOLEAN, M, ("是否享受低保",)),
    Column("on_tekun", "特困供养", BOOLEAN, M, ("是否特困供养", "五保", "是否五保")),
    Column("joined_on", "入户日期", DATE, M, ("识别日期", "纳入日期")),
)

#: Read, never exported nor written: a 序号 numbering households (blank on
#: member rows) groups the rows; one numbering every row is ignored.
SERIAL = Column("serial", "序号", TEXT, H, check_only=True)
#: Every column the reader recognises: the template's, and 序号.
READ_COLUMNS: tuple[Column, ...] = (*COLUMNS, SERIAL)

BY_KEY = {c.key: c for c in READ_COLUMNS}
HOUSEHOLD_COLUMNS = tuple(c for c in COLUMNS if c.level == H)
MEMBER_COLUMNS = tuple(c for c in COLUMNS if c.level == M)

#: Words that mark a totals row at the bottom of a ledger.
TOTAL_MARKERS = ("合计", "总计", "小计", "汇总")


def normalise_title(text: str) -> str:
    """A header cell as compared (see :func:`variants.normalise_header`):
    full-width and half-width alike, no spaces, punctuation or bracketed unit."""
    return normalise_header(text)


#: Normalised header title → column key: the titles above, then the variants.
TITLE_INDEX: dict[str, str] = {
    **header_variants(),
    **{normalise_title(title): column.key for column in READ_COLUMNS for title in column.titles},
}


def column_letter(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """ "A" → 0, "AA" → 26."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1
