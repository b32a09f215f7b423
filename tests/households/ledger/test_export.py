"""The ledger template, the ledger export and the national registry's layout.

A small town written by factories (two villages, households not lifted,
lifted, removed; members who left or join after the date; a formula-looking
name), then the whole demo town: the export round-trips through the reader
(and the import plan reports no change).
"""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from assessment.queries import with_income
from households import rules
from households.choices import (
    DibaoClass,
    HouseholdAttribute,
    LeaveReason,
    PovertyCause,
    PovertyStatus,
    Relation,
)
from households.ledger import columns as cols
from households.ledger import export_views
from households.ledger.columns import COLUMNS
from households.ledger.export import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    LEDGER_SHEET,
    REGISTRY_COLUMNS,
    REGISTRY_SHEET,
    ledger_export,
    ledger_export_file,
    ledger_template,
    registry_export,
)
from households.ledger.pipeline import ledger_plan
from households.ledger.reader import read_ledger
from households.models import BY_VILLAGE_ORDER, Household, HouseholdStatusPeriod, Member
from households.selectors import registered_q
from tests.factories import (
    GroupFactory,
    HouseholdFactory,
    IncomeFactory,
    MemberFactory,
    StatusFactory,
    VillageFactory,
    id_number,
)
from tests.households.conftest import ON, make_household

pytestmark = pytest.mark.django_db

TITLES = [c.title for c in COLUMNS]
LETTER = {c.key: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
FORMULA_NAME = '=HYPERLINK("http://example.invalid","点我")'


def workbook(data: bytes, read_only=False):
    return load_workbook(BytesIO(data), read_only=read_only)


def sheet_rows(data: bytes, sheet=LEDGER_SHEET) -> list[tuple]:
    """Every row of the sheet, as wide as the sheet (empty cells are None)."""
    book = workbook(data, read_only=True)
    rows = [tuple(row) for row in book[sheet].iter_rows(values_only=True)]
    width = max(len(row) for row in rows)
    return [(*row, *[None] * (width - len(row))) for row in rows]


def data_rows(data: bytes) -> list[dict]:
    """The ledger's data rows as {column key: value}."""
    rows = sheet_rows(data)[FIRST_DATA_ROW - 1 :]
    keys = [c.key for c in COLUMNS]
    return [dict(zip(keys, row, strict=True)) for row in rows]


def every_text_in(data: bytes) -> str:
    """Every XML part of the .xlsx, as text (strings are inline or shared)."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def status(household, value, valid_from, valid_to=None):
    return StatusFactory(
        household=household, status=value, valid_from=valid_from, valid_to=valid_to
    )


# --------------------------------------------------------------------------
# A small town
# --------------------------------------------------------------------------


@pytest.fixture
def small_town(town):
    """The page tests' two villages, plus in 学田地村: a 低保 household not
    lifted with a child, a member who died before the date, one born after
    it and a member with a formula for a name; in 点力村: a 低保 household
    lifted; and a household removed (自然减少) before the date."""
    own = town["household"].village
    other = town["other_household"].village

    dibao = HouseholdFactory(
        village=own,
        group=GroupFactory(village=own),
        attribute=HouseholdAttribute.DIBAO,
        dibao_class=DibaoClass.A,
        main_cause=PovertyCause.ILLNESS,
        other_causes=[PovertyCause.LACK_LABOUR, PovertyCause.LACK_SKILLS],
        phone="13912345678",
        identified_year=2016,
    )
    status(dibao, PovertyStatus.NOT_LIFTED, date(2016, 3, 1))
    MemberFactory(household=dibao, name="孙守仁", id_number=id_number(date(1965, 2, 3)))
    MemberFactory(
        household=dibao,
        name="孙小梅",
        relation=Relation.CHILD,
        id_number=id_number(date(2008, 9, 9), male=False),
        school_status="in_school",
        education_level="junior",
        on_dibao=True,
    )
    MemberFactory(
        household=dibao,
        name="孙老汉",
        relation=Relation.PARENT,
        id_number=id_number(date(1935, 1, 1)),
        left_on=date(2020, 2, 1),
        leave_reason=LeaveReason.DEATH,
        deceased_on=date(2020, 1, 20),
    )
    MemberFactory(
        household=dibao,
        name="孙新生",
        relation=Relation.GRANDCHILD,
        id_number=id_number(date(2020, 7, 1)),
        joined_on=date(2020, 7, 10),
    )
    MemberFactory(
        household=dibao,
        name=FORMULA_NAME,
        relation=Relation.OTHER,
        id_number=id_number(date(1990, 4, 4), male=False),
    )
    # Net 2020 income 9,000.10 over 4 members present on the survey date.
    IncomeFactory(
        household=dibao,
        wage_income=Decimal("6000.10"),
        production_income=Decimal("2500"),
        production_cost=Decimal("500"),
        transfer_dibao=Decimal("1000"),
    )

    lifted = HouseholdFactory(
        village=other, attribute=HouseholdAttribute.DIBAO, dibao_class=DibaoClass.B
    )
    status(lifted, PovertyStatus.NOT_LIFTED, date(2016, 3, 1), date(2019, 12, 1))
    status(lifted, PovertyStatus.LIFTED, date(2019, 12, 1))
    MemberFactory(household=lifted, name="李得福", id_number=id_number(date(1950, 8, 8)))

    removed = HouseholdFactory(village=own)
    status(removed, PovertyStatus.NOT_LIFTED, date(2016, 3, 1), date(2020, 1, 1))
    status(removed, PovertyStatus.REMOVED_NATURAL, date(2020, 1, 1))
    MemberFactory(household=removed, name="周已故", id_number=id_number(date(1940, 1, 1)))

    return {
        **town,
        "own": own,
        "other": other,
        "dibao": dibao,
        "lifted": lifted,
        "removed": removed,
    }


def town_households(small_town):
    return Household.objects.filter(village__in=[small_town["own"], small_town["other"]])


def export_small_town(small_town, *, reveal=False) -> bytes:
    return ledger_export(
        households_queryset=town_households(small_town), on=ON, reveal_id_numbers=reveal
    )


# --------------------------------------------------------------------------
# The template
# --------------------------------------------------------------------------


def test_template_has_the_title_and_every_column_title_in_order():
    book = workbook(ledger_template())
    sheet = book[LEDGER_SHEET]
    assert book.sheetnames == [LEDGER_SHEET, INSTRUCTIONS_SHEET]
    assert sheet["A1"].value == "XX村建档立卡贫困户花名册"
    assert [str(r) for r in sheet.merged_cells.ranges] == [f"A1:{get_column_letter(len(TITLES))}1"]
    assert [cell.value for cell in sheet[HEADER_ROW]] == TITLES
    # Household columns first, then member columns.
    levels = [c.level for c in COLUMNS]
    assert levels == sorted(levels, key=lambda level: level != cols.H)
    assert sheet.freeze_panes == f"A{FIRST_DATA_ROW}"
    assert sheet.max_row == HEADER_ROW  # no data rows


def test_template_names_the_village_when_given():
    sheet = workbook(ledger_template(village="学田地村"))[LEDGER_SHEET]
    assert sheet["A1"].value == "学田地村建档立卡贫困户花名册"


def test_template_id_number_column_is_text():
    sheet = workbook(ledger_template())[LEDGER_SHEET]
    assert sheet.column_dimensions[LETTER["id_number"]].number_format == "@"
    assert sheet.column_dimensions[LETTER["id_number"]].width >= 20
    # Every column has a width set.
    assert all(sheet.column_dimensions[LETTER[c.key]].width for c in COLUMNS)


def test_template_has_dropdowns_of_labels_on_choice_columns():
    sheet = workbook(ledger_template())[LEDGER_SHEET]
    by_column = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            by_column[get_column_letter(cell_range.min_col)] = validation
            assert cell_range.min_row == FIRST_DATA_ROW
    for column in COLUMNS:
        letter = LETTER[column.key]
        if column.kind == cols.CHOICE:
            options = by_column[letter].formula1.strip('"').split(",")
            assert options == [label for _value, label in column.choices]
        elif column.kind == cols.BOOLEAN:
            assert by_column[letter].formula1 == '"是,否"'
        else:
            assert letter not in by_column, column.key


def test_template_instructions_list_every_column_requirement_and_values():
    rows = sheet_rows(ledger_template(), INSTRUCTIONS_SHEET)
    listed = {row[0]: row for row in rows if row and row[0] in TITLES}
    assert list(listed) == TITLES
    for column in COLUMNS:
        _title, level, required, values, aliases, _note = listed[column.title]
        assert level == ("户" if column.level == cols.H else "成员")
        assert required == ("是" if column.required else "否")
        for _value, label in column.choices:
            assert label in values
        for alias in column.aliases:
            assert alias in aliases
    notes = " ".join(str(row[0]) for row in rows if row and row[0])
    assert "脱敏" in notes and "不能再导入" in notes


# --------------------------------------------------------------------------
# The ledger export
# --------------------------------------------------------------------------


def test_export_has_the_template_layout(small_town):
    exported = workbook(export_small_town(small_town))
    template = workbook(ledger_template())
    assert exported.sheetnames == template.sheetnames
    sheet = exported[LEDGER_SHEET]
    assert [c.value for c in sheet[HEADER_ROW]] == [c.value for c in template[LEDGER_SHEET][2]]
    assert sheet["A1"].value == "测试镇建档立卡贫困户花名册"  # two villages: the town
    assert [str(r) for r in sheet.merged_cells.ranges] == [
        str(r) for r in template[LEDGER_SHEET].merged_cells.ranges
    ]
    assert sheet.freeze_panes == f"A{FIRST_DATA_ROW}"
    one_village = ledger_export(
        households_queryset=Household.objects.filter(village=small_town["own"]),
        on=ON,
        reveal_id_numbers=False,
    )
    assert workbook(one_village)[LEDGER_SHEET]["A1"].value == "学田地村建档立卡贫困户花名册"


def test_export_has_one_row_per_present_member_and_household_cells_on_the_head_row(
    small_town,
):
    rows = data_rows(export_small_town(small_town, reveal=True))
    expected = []
    registered = town_households(small_town).filter(registered_q(ON))
    for household in registered.order_by("village__name", "number"):
        present = list(household.members.present_on(ON).order_by("joined_on", "id"))
        present.sort(key=lambda m: m.relation != Relation.HEAD)
        expected += [(household.number, m.id_number, i == 0) for i, m in enumerate(present)]
    household_keys = [c.key for c in cols.HOUSEHOLD_COLUMNS]

    assert len(rows) == len(expected) == 2 + 2 + 3 + 1  # the removed household is absent
    number = None
    for row, (household_number, member_id, is_head_row) in zip(rows, expected, strict=True):
        assert row["id_number"] == member_id
        if is_head_row:
            number = row["number"]
            assert number == household_number
            assert row["relation"] == "户主"
            assert all(row[k] is not None for k in ("number", "village", "status", "size"))
        else:
            assert number == household_number
            assert all(row[k] is None for k in household_keys), row
    names = {row["name"] for row in rows}
    assert "孙老汉" not in names  # left before the date
    assert "孙新生" not in names  # joins after it
    assert "周已故" not in names  # household removed


def test_export_writes_labels_amounts_and_the_per_capita_check(small_town):
    rows = data_rows(export_small_town(small_town))
    dibao = small_town["dibao"]
    head = next(r for r in rows if r["number"] == dibao.number)
    assert head["village"] == "学田地村"
    assert head["attribute"] == "低保贫困户"
    assert head["dibao_class"] == "A类"
    assert head["main_cause"] == "因病"
    assert head["other_causes"] == "缺劳力、缺技术"
    assert head["status"] == "未脱贫"
    assert head["identified_year"] == 2016
    assert head["phone"] == "13912345678"  # text, not a number
    assert head["head_name"] == "孙守仁"
    assert head["size"] == 3
    assert head["income_year"] == 2020
    assert head["wage_income"] == pytest.approx(6000.10)
    assert head["production_cost"] == 500
    assert head["transfer_dibao"] == 1000
    # 9,000.10 over the 3 members present on the survey date (2020-05-31).
    per_capita = with_income(Household.objects.filter(pk=dibao.pk), year=2020).get()
    assert per_capita.per_capita_income == rules.per_capita_income(Decimal("9000.10"), 3)
    assert head["per_capita_income"] == pytest.approx(float(per_capita.per_capita_income))
    child = next(r for r in rows if r["name"] == "孙小梅")
    assert child["relation"] == "子女"
    assert child["school_status"] == "在校生"
    assert child["education_level"] == "初中"
    assert child["on_dibao"] == "是"
    assert child["on_tekun"] == "否"
    assert child["medical_insurance"] == "城乡居民基本医疗保险"
    assert child["joined_on"].date() == date(2019, 11, 15)
    lifted = next(r for r in rows if r["number"] == small_town["lifted"].number)
    assert lifted["status"] == "已脱贫(享受政策)"
    assert lifted["income_year"] is None  # no income recorded for 2020
    assert lifted["per_capita_income"] is None


def test_export_masks_id_numbers_by_default(small_town):
    content = export_small_town(small_town)
    text = every_text_in(content)
    members = Member.objects.filter(household__in=town_households(small_town))
    assert members.count() == 11
    for member in members:
        assert member.id_number not in text
    rows = data_rows(content)
    head = next(row for row in rows if row["name"] == "孙守仁")
    assert head["id_number"] == rules.mask_id_number(Member.objects.get(name="孙守仁").id_number)
    assert all("********" in row["id_number"] for row in rows)


def test_export_stores_id_numbers_as_text_cells(small_town):
    sheet = workbook(export_small_town(small_town, reveal=True))[LEDGER_SHEET]
    for row in range(FIRST_DATA_ROW, sheet.max_row + 1):
        cell = sheet[f"{LETTER['id_number']}{row}"]
        assert cell.data_type == "s"
        assert cell.number_format == "@"
        assert len(cell.value) == 18
        number = sheet[f"{LETTER['number']}{row}"]
        assert number.value is None or number.data_type == "s"


def test_export_neutralises_a_formula_looking_name(small_town):
    sheet = workbook(export_small_town(small_town))[LEDGER_SHEET]
    cells = [sheet[f"{LETTER['name']}{row}"] for row in range(FIRST_DATA_ROW, sheet.max_row + 1)]
    formula = next(c for c in cells if "HYPERLINK" in c.value)
    assert formula.value == "'" + FORMULA_NAME
    assert formula.data_type == "s"
    assert "<f>" not in every_text_in(export_small_town(small_town))


def test_export_counts_what_it_wrote(small_town):
    result = ledger_export_file(
        households_queryset=town_households(small_town), on=ON, reveal_id_numbers=False
    )
    assert (result.households, result.rows) == (4, 8)


def _export_queries(village, export) -> int:
    with CaptureQueriesContext(connection) as queries:
        export(
            households_queryset=Household.objects.filter(village=village),
            on=ON,
            reveal_id_numbers=False,
        )
    return len(queries)


@pytest.mark.parametrize("export", [ledger_export, registry_export])
def test_export_queries_do_not_grow_with_households(db, export):
    few, many = VillageFactory(name="少户村"), VillageFactory(name="多户村")
    for i in range(3):
        make_household(few, f"甲{i}")
    for i in range(20):
        make_household(many, f"乙{i}")
    assert _export_queries(few, export) == _export_queries(many, export) <= 5


# --------------------------------------------------------------------------
# The national registry's layout
# --------------------------------------------------------------------------


def registry_rows(small_town, *, reveal=False) -> list[dict]:
    content = registry_export(
        households_queryset=town_households(small_town), on=ON, reveal_id_numbers=reveal
    )
    rows = sheet_rows(content, REGISTRY_SHEET)
    titles = [title for title, _kind in REGISTRY_COLUMNS]
    assert list(rows[0]) == titles
    return [dict(zip(titles, row, strict=True)) for row in rows[1:]]


def test_registry_export_codes(small_town):
    rows = registry_rows(small_town)
    by_household = {}
    for row in rows:
        by_household.setdefault(row["户编号"], []).append(row)
    dibao = by_household[small_town["dibao"].number]
    assert {(r["贫困户属性"], r["贫困户属性名称"]) for r in dibao} == {("04", "低保贫困户")}
    assert {(r["贫困户状态"], r["贫困户状态名称"]) for r in dibao} == {("0", "未脱贫")}
    assert dibao[0]["姓名"] == "孙守仁"  # the head first
    assert {r["人数"] for r in dibao} == {3}
    assert {r["户主姓名"] for r in dibao} == {"孙守仁"}
    lifted = by_household[small_town["lifted"].number]
    assert (lifted[0]["贫困户属性"], lifted[0]["贫困户属性名称"]) == ("02", "低保脱贫户")
    assert (lifted[0]["贫困户状态"], lifted[0]["贫困户状态名称"]) == ("1", "已脱贫(享受政策)")
    assert lifted[0]["脱贫年度"] == 2019
    general = by_household[small_town["household"].number]
    assert general[0]["贫困户属性"] == "01"
    assert general[0]["脱贫年度"] is None


def test_registry_export_leaves_out_removed_households(small_town):
    rows = registry_rows(small_town)
    numbers = {row["户编号"] for row in rows}
    assert small_town["removed"].number not in numbers
    assert numbers == {
        small_town[k].number for k in ("household", "other_household", "dibao", "lifted")
    }
    assert len(rows) == 8


def test_registry_export_masks_and_reveals_id_numbers(small_town):
    masked = registry_rows(small_town)
    revealed = registry_rows(small_town, reveal=True)
    full = {m.id_number for m in Member.objects.filter(household__in=town_households(small_town))}
    assert not full & {row["证件号码"] for row in masked}
    assert {row["证件号码"] for row in revealed} <= full
    assert [rules.mask_id_number(r["证件号码"]) for r in revealed] == [
        r["证件号码"] for r in masked
    ]


def test_registry_export_codes_follow_status_changes(small_town):
    # Lifted in June: not lifted on the 31 May, lifted on 30 June.
    household = small_town["household"]
    HouseholdStatusPeriod.objects.filter(household=household).update(valid_to=date(2020, 6, 1))
    status(household, PovertyStatus.STABLE, date(2020, 6, 1))
    content = registry_export(
        households_queryset=Household.objects.filter(pk=household.pk),
        on=date(2020, 6, 30),
        reveal_id_numbers=False,
    )
    row = sheet_rows(content, REGISTRY_SHEET)[1]
    titles = [title for title, _kind in REGISTRY_COLUMNS]
    values = dict(zip(titles, row, strict=True))
    assert (values["贫困户属性"], values["贫困户状态"]) == ("05", "4")
    assert values["贫困户状态名称"] == "已脱贫(不再享受政策)"
    assert values["脱贫年度"] == 2020


# --------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------


def call(view, user, **params):
    request = RequestFactory().get("/", params)
    request.user = user
    return view(request)


@pytest.fixture
def users(small_town, django_user_model):
    return {u.username: u for u in django_user_model.objects.all()}


@pytest.mark.parametrize(
    "view", [export_views.ledger_export_download, export_views.registry_export_download]
)
def test_export_views_scope_permission_and_masking(users, small_town, view, caplog):
    own, other = small_town["own"], small_town["other"]
    with caplog.at_level("INFO", logger="households.ledger.export_views"):
        response = call(view, users["cadre"], village=own.pk)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "20200531" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    text = every_text_in(response.content)
    assert small_town["household"].number in text
    assert small_town["other_household"].number not in text
    assert "full_ids=False" in caplog.text and f"user={users['cadre'].pk}" in caplog.text
    # Another village: not found, as its households are not.
    with pytest.raises(Http404):
        call(view, users["cadre"], village=other.pk)
    with pytest.raises(Http404):
        call(view, users["cadre"], village="x")
    # The cadre's whole scope is their village.
    scope = every_text_in(call(view, users["cadre"]).content)
    assert small_town["other_household"].number not in scope
    # Read-only roles without the export permission.
    with pytest.raises(PermissionDenied):
        call(view, users["enumerator"], village=own.pk)
    # A leader exports the town, masked; full ID numbers need the permission.
    town_text = every_text_in(call(view, users["leader"]).content)
    assert small_town["other_household"].number in town_text
    head = Member.objects.get(name="孙守仁")
    assert head.id_number not in town_text
    assert rules.mask_id_number(head.id_number) in town_text
    with pytest.raises(PermissionDenied):
        call(view, users["leader"], ids="full")
    revealed = call(view, users["cadre"], village=own.pk, ids="full")
    assert head.id_number in every_text_in(revealed.content)


def test_template_view(users, small_town):
    response = call(export_views.ledger_template_download, users["enumerator"])
    assert response.status_code == 200
    assert workbook(response.content)[LEDGER_SHEET]["A1"].value == "XX村建档立卡贫困户花名册"
    own = call(export_views.ledger_template_download, users["cadre"], village=small_town["own"].pk)
    assert workbook(own.content)[LEDGER_SHEET]["A1"].value == "学田地村建档立卡贫困户花名册"
    with pytest.raises(Http404):
        call(
            export_views.ledger_template_download,
            users["cadre"],
            village=small_town["other"].pk,
        )


def test_export_urls_need_a_login_and_serve_xlsx(client_for, small_town):
    for name in ("ledger:template", "ledger:export", "ledger:registry_export"):
        url = reverse(name)
        assert client_for(None).get(url).status_code == 302  # to the login page
        response = client_for("leader").get(url, {"village": small_town["own"].pk})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_for("enumerator").get(reverse("ledger:export")).status_code == 403


# --------------------------------------------------------------------------
# Round trip: export with full ID numbers → read_ledger → the same values
# --------------------------------------------------------------------------


def _blank(value):
    return None if value in ("", [], None) else value


def expected_rows(households, on: date) -> list[dict]:
    """What the reader must read back, row by row: cleaned values by key,
    household columns on the head's row only (None elsewhere)."""
    rows = []
    queryset = with_income(households.filter(registered_q(on)).with_status_on(on), year=on.year)
    queryset = queryset.select_related("village", "group")
    for h in queryset.order_by(*BY_VILLAGE_ORDER, "number"):  # the town's order, as exported
        members = list(h.members.present_on(on).order_by("joined_on", "id"))
        members.sort(key=lambda m: m.relation != Relation.HEAD)
        income = h.incomes.filter(year=on.year).first()
        household = {
            "number": h.number,
            "village": h.village.name,
            "group": h.group.name if h.group else None,
            "identified_year": h.identified_year,
            "identification_kind": h.identification_kind,
            "attribute": h.attribute,
            "dibao_class": h.dibao_class,
            "tekun_kind": h.tekun_kind,
            "main_cause": h.main_cause,
            "other_causes": list(h.other_causes),
            "phone": h.phone,
            "head_name": members[0].name if members else None,
            "status": h.status_on,
            "size": len(members),
            "income_year": income.year if income else None,
            "per_capita_income": h.per_capita_income,
        }
        for name in ("wage_income", "production_income", "production_cost", "property_income"):
            household[name] = getattr(income, name) if income else None
        for name in ("dibao", "tekun", "pension", "eco", "subsidy", "relief", "other"):
            household[f"transfer_{name}"] = getattr(income, f"transfer_{name}") if income else None
        for index, m in enumerate(members):
            row = dict(household) if index == 0 else dict.fromkeys(household)
            row.update(
                name=m.name,
                id_number=m.id_number,
                relation=m.relation,
                ethnicity=m.ethnicity,
                health=m.health,
                illness=m.illness,
                disability_kind=m.disability_kind,
                disability_grade=m.disability_grade,
                labour=m.labour,
                education_level=m.education_level,
                school_status=m.school_status,
                medical_insurance=m.medical_insurance,
                on_dibao=m.on_dibao,
                on_tekun=m.on_tekun,
                joined_on=m.joined_on,
            )
            rows.append(row)
    return rows


def _comparable(key, value):
    value = _blank(value)
    if value is None:
        return None
    if key == "disability_grade":
        return str(value)
    if key == "other_causes":
        return sorted(value)
    if isinstance(value, float | int) and cols.BY_KEY[key].kind == cols.MONEY:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    return value


def read_back(content: bytes):
    return read_ledger(content, filename="台账.xlsx", max_bytes=50 * 1024 * 1024, max_rows=200_000)


def assert_round_trip(households, on: date, content: bytes) -> int:
    parsed = read_back(content)
    assert list(parsed.columns) == [c.key for c in COLUMNS]
    assert parsed.unknown_columns == []
    errors = [e for row in parsed.rows for e in row.errors]
    assert errors == [], errors[:5]
    expected = expected_rows(households, on)
    assert len(parsed.rows) == len(expected)
    mismatches = []
    for row, want in zip(parsed.rows, expected, strict=True):
        for key, value in want.items():
            got = _comparable(key, row.values.get(key))
            if got != _comparable(key, value):
                mismatches.append((row.line, key, row.values.get(key), value))
    assert mismatches == [], mismatches[:10]
    return len(expected)


def plan_of(content: bytes, user, on: date):
    return ledger_plan(parsed=read_back(content), user=user, on=on)


def assert_plan_unchanged(plan, households: int, members: int):
    """The import plan of an exported ledger sees no change at all."""
    assert plan.errors == [], plan.errors[:5]
    assert plan.changes == [], plan.changes[:5]
    counts = plan.counts
    assert counts["households"] == {"new": 0, "changed": 0, "unchanged": households, "error": 0}
    assert {k: counts["members"][k] for k in ("new", "changed", "unchanged", "error")} == {
        "new": 0,
        "changed": 0,
        "unchanged": members,
        "error": 0,
    }
    assert counts["incomes"]["new"] == counts["incomes"]["changed"] == 0
    assert not plan.has_writes


def small_town_round_trip_file(small_town) -> bytes:
    # Text the export neutralises comes back as it was: the formula-looking
    # name of the small town, and a phone starting with "+".
    Household.objects.filter(pk=small_town["dibao"].pk).update(phone="+8613912345678")
    return export_small_town(small_town, reveal=True)


def test_round_trip_of_a_small_town(small_town):
    content = small_town_round_trip_file(small_town)
    assert assert_round_trip(town_households(small_town), ON, content) == 8


def test_round_trip_plan_of_a_small_town_changes_nothing(small_town, django_user_model):
    content = small_town_round_trip_file(small_town)
    admin = django_user_model.objects.get(username="admin")
    assert_plan_unchanged(plan_of(content, admin, ON), 4, 8)


def test_round_trip_plan_does_not_list_members_joining_after_the_date(
    small_town, django_user_model
):
    # 孙新生 joins on 2020-07-10: not a member on 2020-05-31, so not in the
    # ledger of that date, and not "文件中没有" in its import either.
    content = small_town_round_trip_file(small_town)
    plan = plan_of(content, django_user_model.objects.get(username="admin"), ON)
    assert plan.absent == []
    assert plan.counts["members"]["left"] == 0


def test_round_trip_of_neutralised_text(small_town):
    content = small_town_round_trip_file(small_town)
    assert "'+8613912345678" in every_text_in(content)  # neutralised in the file…
    rows = {row.values["id_number"]: row.values for row in read_back(content).rows}
    formula = Member.objects.get(name=FORMULA_NAME)
    assert rows[formula.id_number]["name"] == FORMULA_NAME  # …and read back as it was
    phones = {row.get("phone") for row in rows.values()}
    assert "+8613912345678" in phones


# --------------------------------------------------------------------------
# The whole demo town (built once for the module; keep these tests last)
# --------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_town_export_holds_every_registered_person(demo_town):
    result = ledger_export_file(
        households_queryset=Household.objects.filter(village__town__name="铁沙盖镇"),
        on=ON,
        reveal_id_numbers=False,
    )
    # The report's registered poor on 2020-05-31: 1,347 households, 2,829 persons.
    assert (result.households, result.rows) == (1347, 2829)


@pytest.mark.slow
def test_demo_town_round_trip(demo_town, django_user_model):
    households = Household.objects.filter(village__town__name="铁沙盖镇")
    content = ledger_export(households_queryset=households, on=ON, reveal_id_numbers=True)
    assert assert_round_trip(households, ON, content) == 2829
    admin = django_user_model.objects.create_superuser("ledger-admin", password="x")
    plan = plan_of(content, admin, ON)
    assert_plan_unchanged(plan, 1347, 2829)
    # The newborn of report household 15 joins in July: not "文件中没有".
    assert plan.absent == []
