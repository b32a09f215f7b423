"""Village ledgers in the shapes villages really write them.

Each test writes a sheet with openpyxl the way a village cadre's 花名册 looks
(a title row, one- or two-row headers, no 户编号, no 行政村, 序号 numbering
households, household cells blank on member rows or repeated on every row,
full-width brackets, totals and blank rows…), previews it as the 学田地村
cadre, checks the households and members read and every error and warning by
row and column, checks that nothing was written, then confirms (where the
file is clean) and checks what was written.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from households import rules
from households.choices import EducationLevel, PovertyStatus, SchoolStatus
from households.ledger import reader, services
from households.ledger.export import ledger_export_file
from households.ledger.models import LedgerImportStatus
from households.ledger.plan import messages
from households.models import Household, HouseholdIncome, Member, Village
from tests.factories import id_number
from tests.households.conftest import ON
from tests.households.ledger.conftest import build_xlsx
from tests.households.ledger.helpers import setup_ledger_town

pytestmark = pytest.mark.django_db

TITLE = "学田地村2020年建档立卡贫困户花名册"


@pytest.fixture
def ledger_town(town, settings, tmp_path):
    return setup_ledger_town(town, settings, tmp_path)


def cadre():
    return get_user_model().objects.get(username="cadre")


def village(name="学田地村"):
    return Village.objects.get(name=name)


def upload(data: bytes, *, choose: str | None = "学田地村"):
    from django.core.files.base import ContentFile

    record = services.ledger_upload(
        file=ContentFile(data, name="花名册.xlsx"),
        user=cadre(),
        village=village(choose) if choose else None,
    )
    return services.ledger_preview(ledger_import=record)


def problems(record, kind="errors") -> set[tuple[int, str, str]]:
    return {(e["row"], e["column"], e["message"]) for e in record.preview[kind]}


def snapshot():
    return (
        Household.objects.count(),
        Member.objects.count(),
        HouseholdIncome.objects.count(),
        Household.history.count(),
    )


def confirm(record):
    record = services.ledger_apply(ledger_import=record, user=cadre())
    assert record.status == LedgerImportStatus.APPLIED, record.error_message
    return record


def ids(*births):
    return [id_number(birth, male=i % 2 == 0) for i, birth in enumerate(births)]


# -- 1. title rows, 序号 numbering households, no 户编号 / 行政村 --------------


def test_serial_numbered_roster_with_a_title_and_only_per_capita(ledger_town, client_for):
    a_head, a_wife, a_son = ids(date(1965, 1, 1), date(1967, 2, 2), date(1990, 3, 3))
    b_head, b_girl = ids(date(1958, 4, 4), date(2010, 5, 5))
    header = [
        "序号",
        "户主姓名",
        "成员姓名",
        "与户主关系",
        "公民身份号码",
        "识别年度",
        "致贫原因",
        "贫困状态",
        "家庭人口数",
        "人均纯收入（元）",
    ]
    rows = [
        header,
        [1, "周福", "周福", "户主", a_head, 2016, "因病", "未脱贫", 3, "3500"],
        [None, None, "周妻", "配偶", a_wife, None, None, None, None, None],
        [None, None, "周子", "子女", a_son, None, None, None, None, None],
        [2, "吴山", "吴山", "户主", b_head, 2015, "缺资金", "未脱贫", 2, 4100],
        [None, None, "吴女", "子女", b_girl, None, None, None, None, None],
    ]
    record = upload(build_xlsx(rows, title_rows=[TITLE]))
    before = snapshot()

    assert record.status == LedgerImportStatus.PREVIEWED
    assert record.preview["errors"] == [] and record.preview["warnings"] == []
    assert record.counts["households"]["new"] == 2 and record.counts["members"]["new"] == 5
    assert record.counts["income_basis"] == {"components": 0, "declared": 2}
    notes = " ".join(record.preview["notes"])
    assert "2户文件中没有收入分项" in notes and "收入年度取自标题:2020年" in notes
    assert "临时户编号" in notes
    assert snapshot() == before  # nothing before confirm

    confirm(record)
    head = Member.objects.get(id_number=a_head)
    household = head.household
    assert household.village == village() and household.number.startswith("TZ")
    assert sorted(m.name for m in household.members.all()) == ["周妻", "周子", "周福"]
    income = household.incomes.get(year=2020)
    assert income.declared_per_capita == Decimal("3500.00") and income.net_income == 0
    assert income.per_capita(3) == Decimal("3500.00")
    assert Member.objects.get(id_number=b_girl).household.members.count() == 2
    # The household page shows the declared figure, and says it is one.
    url = reverse("households:detail", kwargs={"pk": household.pk}) + "?on=2020-12-31"
    page = client_for("cadre").get(url).content.decode()
    assert "3,500.00" in page and "台账填报人均,未分项" in page


# -- 2. two-row merged header, member rows with blank household cells ------------


def test_two_row_merged_header_and_head_rows_followed_by_members(ledger_town):
    head, wife = ids(date(1970, 1, 1), date(1971, 1, 1))
    upper = ["户主姓名", "家庭成员", None, None, "识别年度", "主要致贫原因", "贫困状态"]
    upper += ["家庭收入（元）", None, "人均纯收入"]
    lower = [None, "姓名", "身份证号码", "与户主关系", None, None, None, "工资性收入"]
    lower += ["生产经营性收入", None]
    rows = [
        upper,
        lower,
        ["郑强", "郑强", head, "户主", 2019, "缺技术", "未脱贫", 6000, 1000, "3600"],
        [None, "郑妻", wife, "配偶", None, None, None, None, None, None],
    ]
    merged = ["A2:A3", "B2:D2", "E2:E3", "F2:F3", "G2:G3", "H2:I2", "J2:J3"]
    record = upload(build_xlsx(rows, title_rows=[TITLE], merged=merged))
    before = snapshot()

    assert record.preview["errors"] == []
    # 7000 ÷ 2 = 3500, not 3600: a warning on the cell, the computed figure stands.
    assert problems(record, "warnings") == {
        (
            4,
            "J",
            messages.ERROR_PER_CAPITA.format(
                given="3600.00", computed=Decimal("3500.00"), net="7000.00", size=2
            ),
        )
    }
    assert record.counts["income_basis"] == {"components": 1, "declared": 0}
    assert snapshot() == before

    confirm(record)
    income = Member.objects.get(id_number=head).household.incomes.get(year=2020)
    assert (income.wage_income, income.production_income) == (Decimal("6000"), Decimal("1000"))
    assert income.declared_per_capita is None and income.per_capita(2) == Decimal("3500.00")


# -- 3. household columns repeated on every row ---------------------------------


def test_household_columns_repeated_on_every_member_row(ledger_town):
    a_head, a_son, b_head, b_wife = ids(
        date(1960, 1, 1), date(1985, 1, 1), date(1962, 1, 1), date(1964, 1, 1)
    )
    header = ["组", "户主", "姓名", "身份证号", "与户主关系", "识别年度", "主要致贫原因"]
    header += ["贫困状态"]
    common_a = ["一组", "王大", None, None, None, 2016, "因病", "未脱贫"]
    common_b = ["第二组", "李二", None, None, None, 2016, "因残", "未脱贫"]

    def row(common, name, number, relation):
        values = list(common)
        values[2:5] = [name, number, relation]
        return values

    rows = [
        header,
        row(common_a, "王大", a_head, "户主"),
        row(common_b, "李二", b_head, "户主"),
        # A member of 王大's household after 李二's head row: found by 户主姓名.
        row(common_a, "王小", a_son, "子女"),
        row(common_b, "李妻", b_wife, "配偶"),
    ]
    record = upload(build_xlsx(rows, title_rows=[TITLE]))

    assert record.preview["errors"] == [], record.preview["errors"]
    assert record.counts["households"]["new"] == 2 and record.counts["members"]["new"] == 4
    assert not Member.objects.filter(id_number=a_son).exists()

    confirm(record)
    wang = Member.objects.get(id_number=a_head).household
    assert {m.id_number for m in wang.members.all()} == {a_head, a_son}
    assert wang.group.name == "1组"  # 一组 is group 1
    assert Member.objects.get(id_number=b_head).household.group.name == "2组"


# -- 4. shuffled columns with header variants ------------------------------------


def test_shuffled_columns_with_variants_and_a_lookalike_header(ledger_town):
    head, pupil = ids(date(1975, 1, 1), date(2011, 9, 1))
    header = ["在校生状况", "与户主的关系", "社", "身份证", "主要致贫原因", "贫困状态"]
    header += ["姓名", "识别年份", "2020年工资性收入"]
    rows = [
        header,
        ["否", "户主", "一社", head, "缺劳力", "未脱贫", "冯军", "2017年", 5000],
        ["小学", "子女", None, pupil, None, None, "冯小", None, None],
    ]
    record = upload(build_xlsx(rows, title_rows=[TITLE]))

    assert record.preview["errors"] == []
    # The lookalike column is not read, and the preview says so, on its header cell.
    assert problems(record, "warnings") == {
        (
            2,
            "I",
            str(reader.WARNING_LOOKALIKE).format(title="2020年工资性收入", known="工资性收入"),
        )
    }
    before = snapshot()
    confirm(record)
    assert snapshot()[2] == before[2]  # no income: the lookalike column was not read
    child = Member.objects.get(id_number=pupil)
    assert child.school_status == SchoolStatus.IN_SCHOOL
    assert child.education_level == EducationLevel.PRIMARY
    assert child.household.group.name == "1组" and child.household.identified_year == 2017


# -- 5. totals and blank rows ---------------------------------------------------


def test_totals_and_blank_rows_are_skipped(ledger_town):
    a, b = ids(date(1966, 1, 1), date(1967, 1, 1))
    header = ["序号", "姓名", "身份证号", "与户主关系", "识别年度", "致贫原因", "贫困状态"]
    header += ["家庭人口"]
    rows = [
        header,
        [1, "蒋一", a, "户主", 2018, "缺水", "未脱贫", 1],
        [None] * 8,
        [2, "沈二", b, "户主", 2018, "缺水", "未脱贫", 2],
        [None] * 8,
        ["合计", None, None, None, None, None, None, 3],
        ["制表人:张三", None, None, None, None, None, None, None],
    ]
    record = upload(build_xlsx(rows, title_rows=[TITLE]))

    assert record.preview["errors"] == []
    assert record.counts["rows"] == 2 and record.counts["households"]["new"] == 2
    assert [line for line, _why in record.preview["skipped_rows"]] == [7, 8]
    # 沈二 alone, yet 家庭人口 says 2: a warning; one member is stored.
    assert problems(record, "warnings") == {(5, "H", messages.ERROR_SIZE.format(given=2, actual=1))}
    confirm(record)
    assert Member.objects.get(id_number=b).household.members.count() == 1


# -- 6. no 户编号 and no 行政村: matched to the registry by ID number --------------


def test_no_number_no_village_matched_by_head_and_member_id(ledger_town):
    registered = Household.objects.get(members__name="赵永福")
    head = registered.members.get(name="赵永福")
    wife = registered.members.get(name="赵永福妻")
    newborn = id_number(date(2020, 3, 1))
    header = ["姓名", "身份证号", "与户主关系", "健康状况", "入户日期"]
    rows = [
        header,
        [head.name, head.id_number, "户主", "长期慢性病", None],
        [wife.name, wife.id_number, "配偶", None, None],
        ["赵新", newborn, "子女", None, "2020-03-01"],
    ]
    record = upload(build_xlsx(rows, title_rows=[TITLE]))
    before = snapshot()

    assert record.preview["errors"] == [], record.preview["errors"]
    assert record.counts["households"] == {"new": 0, "changed": 1, "unchanged": 0, "error": 0}
    assert record.counts["members"]["new"] == 1 and record.counts["members"]["changed"] == 1
    changes = {(c["number"], c["field"], c["new"]) for c in record.preview["changes"]}
    assert (registered.number, "健康状况", "长期慢性病") in changes
    assert snapshot() == before

    confirm(record)
    registered.refresh_from_db()
    assert registered.members.get(id_number=newborn).name == "赵新"
    assert registered.members.get(pk=head.pk).health == "chronic"
    assert Household.objects.count() == before[0]


def test_members_registered_in_two_households_are_an_error(ledger_town):
    ours = Household.objects.get(members__name="赵永福")
    theirs = Household.objects.get(members__name="钱德旺")
    header = ["姓名", "身份证号", "与户主关系"]
    new_head = id_number(date(1950, 1, 1))
    rows = [
        header,
        ["陈新", new_head, "户主"],
        ["赵永福妻", ours.members.get(name="赵永福妻").id_number, "配偶"],
        ["钱德旺", theirs.members.get(name="钱德旺").id_number, "子女"],
    ]
    record = upload(build_xlsx(rows, title_rows=[TITLE]))
    assert (3, "B", str(messages.ERROR_MATCH_SEVERAL)) in problems(record)


# -- 7. the masked export, uploaded unchanged, and masked IDs that match nobody ---


def export_of_the_village(*, reveal=False) -> bytes:
    households = Household.objects.filter(village__name="学田地村")
    return ledger_export_file(
        households_queryset=households, on=ON, reveal_id_numbers=reveal, place="学田地村"
    ).content


def test_masked_export_uploaded_unchanged_changes_nothing(ledger_town, client_for):
    content = export_of_the_village()
    cells = [str(c) for row in load_workbook(io.BytesIO(content)).active.values for c in row]
    assert sum("********" in c for c in cells) == 2  # both members' ID numbers masked
    record = upload(content)
    assert record.preview["errors"] == [], record.preview["errors"][:3]
    assert record.preview["changes"] == [] and record.counts["households"]["unchanged"] == 1
    assert record.counts["members"]["unchanged"] == 2
    page = client_for("cadre").get(reverse("ledger:detail", kwargs={"pk": record.pk}))
    assert "无变化" in page.content.decode()


def test_a_masked_id_that_matches_no_member_is_the_masked_error(ledger_town):
    content = export_of_the_village()
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    header_row = next(r for r in range(1, 6) if any(c.value == "姓名" for c in sheet[r]))
    name_col = next(c.column for c in sheet[header_row] if c.value == "姓名")
    sheet.cell(row=header_row + 1, column=name_col, value="赵永富")  # another name
    buffer = io.BytesIO()
    workbook.save(buffer)

    record = upload(buffer.getvalue())
    (error,) = [e for e in record.preview["errors"] if e["key"] == "id_number"]
    assert error["row"] == header_row + 1 and error["message"] == str(messages.ERROR_MASKED_ID)
    # The member whose row could not be matched is not also "missing from the file".
    assert record.preview["absent"] == []


# -- 8. the edited export: one wage cell ------------------------------------------


def test_edited_export_shows_exactly_the_income_change(ledger_town):
    content = export_of_the_village()
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    header_row = next(r for r in range(1, 6) if any(c.value == "姓名" for c in sheet[r]))
    wage_col = next(c.column for c in sheet[header_row] if c.value == "工资性收入")
    sheet.cell(row=header_row + 1, column=wage_col, value=9000)
    buffer = io.BytesIO()
    workbook.save(buffer)

    record = upload(buffer.getvalue())
    before = snapshot()
    assert record.preview["errors"] == []
    (change,) = record.preview["changes"]
    assert (change["field"], change["old"], change["new"]) == (
        "2020年工资性收入",
        "7000.00",
        "9000.00",
    )
    # The exported 人均纯收入 (3500) no longer agrees: a warning, never an error.
    (warning,) = record.preview["warnings"]
    assert warning["key"] == "per_capita_income" and "4500.00" in warning["message"]
    assert snapshot() == before

    confirm(record)
    income = HouseholdIncome.objects.get(household__members__name="赵永福", year=2020)
    assert income.wage_income == Decimal("9000.00") and income.per_capita(2) == Decimal("4500.00")


# -- 9. ambiguous grouping is an error naming row and column ----------------------


def test_ambiguous_grouping_is_an_error_on_the_row(ledger_town):
    a, b, c, d = ids(*(date(1960 + i, 1, 1) for i in range(4)))
    header = ["户主姓名", "姓名", "身份证号", "与户主关系"]
    rows = [
        header,
        [None, "孤儿", a, "子女"],  # row 3: a member before any head
        ["刘军", "刘军", b, "户主"],
        ["刘军", "刘军", c, "户主"],  # two heads named 刘军
        ["刘军", "刘妻", d, "配偶"],  # row 6: which 刘军?
    ]
    record = upload(build_xlsx(rows, title_rows=[TITLE]))
    found = problems(record)
    assert (3, "D", str(messages.ERROR_NO_HEAD_ABOVE)) in found
    assert (6, "A", messages.ERROR_HEAD_NAME_AMBIGUOUS.format(name="刘军", rows="4、5")) in found

    serial = [
        ["序号", "姓名", "身份证号", "与户主关系"],
        [1, "甲", a, "户主"],
        [None, "乙", b, "户主"],  # row 4: two heads in household 1
    ]
    record = upload(build_xlsx(serial, title_rows=[TITLE]))
    assert (4, "D", messages.ERROR_TWO_HEADS.format(row=3)) in problems(record)


# -- the village: chosen on upload, the column must agree, the title may warn -----


def test_village_column_must_agree_and_title_naming_another_village_warns(ledger_town):
    head = id_number(date(1961, 1, 1))
    rows = [
        ["行政村", "姓名", "身份证号", "与户主关系", "识别年度", "致贫原因", "贫困状态"],
        ["点力村", "马一", head, "户主", 2016, "因病", "未脱贫"],
    ]
    record = upload(build_xlsx(rows, title_rows=["点力村建档立卡贫困户花名册"]))
    assert problems(record) == {
        (3, "A", messages.ERROR_VILLAGE_DISAGREES.format(village="学田地村"))
    }
    (warning,) = record.preview["warnings"]
    assert warning["row"] == 1 and "点力村" in warning["message"]


# -- what the services forbid, an import cannot do ---------------------------------


def test_a_new_household_marked_lifted_needs_the_lifting_check(ledger_town):
    head = id_number(date(1961, 1, 1))
    rows = [
        ["姓名", "身份证号", "与户主关系", "识别年度", "致贫原因", "贫困状态"],
        ["马一", head, "户主", 2016, "因病", "稳定脱贫"],
    ]
    record = upload(build_xlsx(rows, title_rows=[TITLE]))
    (error,) = record.preview["errors"]
    assert (error["row"], error["column"]) == (3, "F")
    assert error["message"].startswith(f"“{PovertyStatus.STABLE.label}”须通过脱贫标准检查")
    assert "住房安全有保障" in error["message"]


def test_an_invalid_amount_is_an_error_never_a_change_to_zero(ledger_town):
    content = export_of_the_village()
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    header_row = next(r for r in range(1, 6) if any(c.value == "姓名" for c in sheet[r]))
    wage_col = next(c.column for c in sheet[header_row] if c.value == "工资性收入")
    sheet.cell(row=header_row + 1, column=wage_col, value="abc")
    buffer = io.BytesIO()
    workbook.save(buffer)

    record = upload(buffer.getvalue())
    assert [e["key"] for e in record.preview["errors"]] == ["wage_income"]
    assert record.preview["changes"] == []


def test_an_unknown_region_code_is_an_error_on_the_id_cell(ledger_town):
    rows = [["姓名", "身份证号", "与户主关系"], ["某人", "990426199112010074", "户主"]]
    record = upload(build_xlsx(rows, title_rows=[TITLE]))
    assert (3, "B", rules.ID_ERROR_REGION.format(code="990426")) in problems(record)
