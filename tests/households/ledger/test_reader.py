"""Reading whole ledger files: real layouts, and bad files refused with a clear reason.

Every workbook is written by the test itself (``make_xlsx``, openpyxl); the
non-xlsx files (CSV, PDF, old .xls, encrypted, bombs) are crafted as bytes.
"""

import io
import random
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from households import rules
from households.ledger import columns as cols
from households.ledger import reader, safety
from households.ledger.reader import read_ledger
from households.ledger.types import LedgerFileError
from tests.factories import id_number

MB = 1024 * 1024
TODAY = date(2024, 6, 1)
HEAD_ID = id_number(date(1970, 5, 1))
WIFE_ID = id_number(date(1972, 6, 1), male=False)
SON_ID = id_number(date(1995, 3, 1))
OTHER_ID = id_number(date(1960, 1, 1))

HEADER = [
    "户编号",
    "行政村",
    "村民小组",
    "户主姓名",
    "贫困户属性",
    "主要致贫原因",
    "家庭人口",
    "工资性收入",
    "姓名",
    "身份证号",
    "与户主关系",
    "入户日期",
]
# Household columns on the head's row only, as most villages fill them.
ROWS = [
    [
        "H001",
        "学田地村",
        "一组",
        "赵永福",
        "一般贫困户",
        "因病",
        3,
        7000,
        "赵永福",
        HEAD_ID,
        "户主",
        "2015.5",
    ],
    [*[None] * 8, "李秀英", WIFE_ID, "配偶", None],
    [*[None] * 8, "赵小军", SON_ID, "子女", None],
    [
        "H002",
        "学田地村",
        "二组",
        "钱德明",
        "低保",
        "缺劳力",
        1,
        "3,000元",
        "钱德明",
        OTHER_ID,
        "户主",
        None,
    ],
]
HOUSEHOLD_KEYS = {
    "number",
    "village",
    "group",
    "head_name",
    "attribute",
    "main_cause",
    "size",
    "wage_income",
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def read(data: bytes, **options):
    options = {"max_bytes": 10 * MB, "max_rows": 1000, "today": TODAY, **options}
    return read_ledger(data, filename="台账.xlsx", **options)


def file_error(data: bytes, code: str, *words: str, **options) -> LedgerFileError:
    """Assert that ``data`` is refused with ``code`` and a Chinese message naming ``words``."""
    with pytest.raises(LedgerFileError) as caught:
        read(data, **options)
    error = caught.value
    assert error.code == code, error.message
    assert CHINESE.search(error.message), error.message
    for word in words:
        assert word in error.message, f"{word!r} not in {error.message!r}"
    return error


def rewrite_zip(data: bytes, changes: dict) -> bytes:
    """A copy of the zip ``data`` with members replaced (bytes, or a function
    of the old bytes), added (new names) or removed (``None``)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in changes:
                change = changes[info.filename]
                if change is None:
                    continue
                content = change(source.read(info)) if callable(change) else change
                target.writestr(info.filename, content)
            else:
                target.writestr(info, source.read(info))
        for name, change in changes.items():
            if name not in source.namelist() and change is not None:
                target.writestr(name, change)
    return out.getvalue()


def sheet_xml(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()


# --------------------------------------------------------------------------
# Layouts
# --------------------------------------------------------------------------


def test_a_standard_one_row_header_is_read_with_cleaned_values(make_xlsx):
    ledger = read(make_xlsx([HEADER, *ROWS]))

    assert ledger.sheet_name == "台账"
    assert ledger.header_rows == (1,)
    assert list(ledger.columns) == [cols.TITLE_INDEX[title] for title in HEADER]
    assert ledger.columns["id_number"].letter == "J"
    assert ledger.columns["id_number"].index == 9
    assert ledger.columns["head_name"].title == "户主姓名"
    assert [row.line for row in ledger.rows] == [2, 3, 4, 5]
    assert all(row.errors == [] for row in ledger.rows)
    head = ledger.rows[0].values
    assert head["number"] == "H001"
    assert head["attribute"] == "general"
    assert head["main_cause"] == "illness"
    assert head["size"] == 3
    assert head["wage_income"] == Decimal("7000.00")
    assert head["id_number"] == HEAD_ID
    assert head["relation"] == "head"
    assert head["joined_on"] == date(2015, 5, 1)
    assert ledger.rows[3].values["attribute"] == "dibao"
    assert ledger.rows[3].values["wage_income"] == Decimal("3000.00")
    assert ledger.rows[3].raw["wage_income"] == "3,000元"
    assert ledger.rows[0].raw["size"] == 3
    assert ledger.unknown_columns == []
    assert ledger.skipped_rows == []


def test_household_columns_filled_only_on_the_heads_row_are_none_on_member_rows(make_xlsx):
    ledger = read(make_xlsx([HEADER, *ROWS]))

    wife = ledger.rows[1]
    assert wife.values["name"] == "李秀英"
    assert wife.values["relation"] == "spouse"
    assert {key: wife.values[key] for key in HOUSEHOLD_KEYS} == dict.fromkeys(HOUSEHOLD_KEYS)
    assert wife.raw["number"] is None
    assert wife.errors == []


def test_household_columns_repeated_on_every_member_row_are_read_on_every_row(make_xlsx):
    repeated = [ROWS[0], [*ROWS[0][:8], "李秀英", WIFE_ID, "配偶", None]]
    ledger = read(make_xlsx([HEADER, *repeated]))

    assert [row.values["number"] for row in ledger.rows] == ["H001", "H001"]


def test_title_rows_above_the_header_are_skipped(make_xlsx):
    data = make_xlsx(
        [HEADER, *ROWS], title_rows=["学田地村建档立卡贫困户花名册", "填报日期:2020年5月"]
    )
    ledger = read(data)

    assert ledger.header_rows == (3,)
    assert [row.line for row in ledger.rows] == [4, 5, 6, 7]
    assert ledger.rows[0].values["name"] == "赵永福"


def test_a_two_row_header_with_merged_group_titles_is_combined(make_xlsx):
    upper = [
        "序号",
        "户编号",
        "行政村",
        "致贫原因",
        "家庭成员",
        None,
        None,
        "家庭收入情况(元)",
        None,
    ]
    lower = [
        None,
        None,
        None,
        None,
        "姓名",
        "身份证号",
        "与户主关系",
        "工资性收入",
        "生产经营性收入",
    ]
    rows = [
        upper,
        lower,
        [1, "H001", "学田地村", "因病", "赵永福", HEAD_ID, "户主", 7000, "1,200.50"],
        [2, None, None, None, "李秀英", WIFE_ID, "配偶", None, None],
    ]
    merged = ["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:G2", "H2:I2"]
    data = make_xlsx(rows, title_rows=["学田地村建档立卡贫困户花名册"], merged=merged)

    ledger = read(data)

    assert ledger.header_rows == (2, 3)
    assert {key: column.letter for key, column in ledger.columns.items()} == {
        "serial": "A",
        "number": "B",
        "village": "C",
        "main_cause": "D",
        "name": "E",
        "id_number": "F",
        "relation": "G",
        "wage_income": "H",
        "production_income": "I",
    }
    assert ledger.columns["wage_income"].title == "工资性收入"
    assert ledger.unknown_columns == []
    assert [row.line for row in ledger.rows] == [4, 5]
    assert ledger.rows[0].values["production_income"] == Decimal("1200.50")
    assert ledger.rows[1].values["id_number"] == WIFE_ID


def test_a_two_row_header_without_merged_cells_is_combined_too(make_xlsx):
    upper = ["户编号", "行政村", "主要致贫原因", "家庭成员", None, None, "收入"]
    lower = [None, None, None, "姓名", "身份证号", "与户主关系", "工资性收入"]
    rows = [upper, lower, ["H001", "学田地村", "因病", "赵永福", HEAD_ID, "户主", 7000]]

    ledger = read(make_xlsx(rows))

    assert ledger.header_rows == (1, 2)
    assert set(ledger.columns) == {
        "number",
        "village",
        "main_cause",
        "name",
        "id_number",
        "relation",
        "wage_income",
    }
    assert [row.line for row in ledger.rows] == [3]


def test_the_first_data_row_is_never_taken_for_a_second_header_row(make_xlsx):
    # "户主" and "五保" are titles too (户主姓名, 特困供养): in a data row they are
    # values, even below a header with a merged cell.
    header = [*HEADER, "备注", None]
    rows = [header, [*ROWS[0], None, "五保"], ROWS[1]]
    ledger = read(make_xlsx(rows, merged=["M1:N1"]))

    assert ledger.header_rows == (1,)
    assert [row.line for row in ledger.rows] == [2, 3]
    assert ledger.rows[0].values["relation"] == "head"


def test_columns_in_any_order_are_recognised(make_xlsx):
    order = list(range(len(HEADER)))
    random.Random(4).shuffle(order)
    header = [HEADER[i] for i in order]
    rows = [[row[i] for i in order] for row in ROWS]

    ledger = read(make_xlsx([header, *rows]))

    assert ledger.columns["id_number"].index == header.index("身份证号")
    assert [row.values["id_number"] for row in ledger.rows] == [
        HEAD_ID,
        WIFE_ID,
        SON_ID,
        OTHER_ID,
    ]
    assert ledger.rows[0].values["wage_income"] == Decimal("7000.00")


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("户主姓名", "head_name"),
        ("户主", "head_name"),
        ("身份证号码", "id_number"),
        ("公民身份号码", "id_number"),
        ("家庭人口数", "size"),
        ("人口数", "size"),
        ("人均纯收入(元)", "per_capita_income"),
        ("人均纯收入(元)", "per_capita_income"),
        ("人均纯收入\n(元)", "per_capita_income"),
        (" 与户主 关系 ", "relation"),
        ("*姓名", "name"),
    ],
)
def test_header_variants_are_recognised(make_xlsx, title, key):
    header = ["户编号", "行政村", "主要致贫原因", "姓名", "身份证号", "与户主关系"]
    row = ["H001", "学田地村", "因病", "赵永福", HEAD_ID, "户主"]
    replaced = cols.TITLE_INDEX[cols.normalise_title(title.strip("*"))]
    standard = cols.BY_KEY[replaced].title
    if standard in header:
        header[header.index(standard)] = title
    else:
        header.append(title)
        row.append({"head_name": "赵永福", "size": 3, "per_capita_income": 4060.5}[key])

    ledger = read(make_xlsx([header, row]))

    assert key in ledger.columns
    assert ledger.columns[key].title == " ".join(title.split())
    assert ledger.rows[0].errors == []


def test_blank_rows_are_skipped_and_lines_stay_excel_row_numbers(make_xlsx):
    rows = [HEADER, ROWS[0], [None] * len(HEADER), ["  ", None, "\u3000"], ROWS[1]]
    ledger = read(make_xlsx(rows))

    assert [row.line for row in ledger.rows] == [2, 5]


def test_a_row_with_only_a_serial_number_is_blank(make_xlsx):
    header = ["序号", *HEADER]
    rows = [header, [1, *ROWS[0]], [2] + [None] * len(HEADER), [3] + [None] * len(HEADER)]
    ledger = read(make_xlsx(rows))

    assert [row.line for row in ledger.rows] == [2]
    assert ledger.unknown_columns == []
    assert ledger.columns["serial"].letter == "A"


def test_a_totals_row_at_the_bottom_is_skipped_and_reported(make_xlsx):
    totals = ["合计", None, None, None, None, None, 4]
    footer = ["制表人:张三", None, None, None, None, None, None, "审核人:李四"]
    data = make_xlsx([HEADER, *ROWS, totals, footer], formulas={"H6": "=SUM(H2:H5)"})

    ledger = read(data)

    assert [row.line for row in ledger.rows] == [2, 3, 4, 5]
    assert len(ledger.skipped_rows) == 2
    (line, reason), (footer_line, footer_reason) = ledger.skipped_rows
    assert line == 6
    assert "合计" in reason
    assert footer_line == 7
    assert "表尾" in footer_reason


def test_a_row_numbering_the_columns_under_the_header_is_skipped(make_xlsx):
    numbering = list(range(1, len(HEADER) + 1))
    ledger = read(make_xlsx([HEADER, numbering, *ROWS]))

    assert [row.line for row in ledger.rows] == [3, 4, 5, 6]
    assert ledger.skipped_rows == [(2, "表头下的列序号行(1、2、3…),已跳过")]


def test_a_member_whose_notes_mention_a_total_is_not_skipped(make_xlsx):
    header = [*HEADER, "备注"]
    rows = [header, [*ROWS[0], "合计收入含补贴"]]
    ledger = read(make_xlsx(rows))

    assert [row.line for row in ledger.rows] == [2]
    assert ledger.skipped_rows == []


def test_unknown_columns_are_listed_by_title_and_ignored(make_xlsx):
    header = ["序号", *HEADER, "备注", "联系人\n地址"]
    rows = [header, [1, *ROWS[0], "无", "某地"]]
    ledger = read(make_xlsx(rows))

    assert ledger.unknown_columns == ["备注", "联系人 地址"]
    assert "备注" not in ledger.rows[0].values
    assert ledger.columns["number"].letter == "B"


def test_cell_problems_are_errors_of_their_row_with_column_letter_and_title(make_xlsx):
    bad = list(ROWS[0])
    bad[4] = "富裕户"  # attribute
    bad[9] = 1.52627198001011e17  # ID number Excel stored as a number
    bad[11] = "2020-02-30"
    ledger = read(make_xlsx([HEADER, bad, ROWS[1]]))

    row = ledger.rows[0]
    assert row.values["attribute"] is None
    assert row.values["id_number"] is None
    assert row.raw["id_number"] == 1.52627198001011e17
    by_column = {error.column: error for error in row.errors}
    assert set(by_column) == {"E", "J", "L"}
    assert by_column["J"].row == 2
    assert by_column["J"].key == "id_number"
    assert by_column["J"].title == "身份证号"
    assert "科学计数法" in by_column["J"].message
    assert by_column["E"].message.startswith("“富裕户”不是有效的贫困户属性,应为:一般贫困户")
    assert "不存在" in by_column["L"].message
    assert ledger.rows[1].errors == []


def test_a_member_row_without_name_or_id_number_says_what_is_missing(make_xlsx):
    rows = [HEADER, ROWS[0], [None] * 8 + ["李秀英", None, "配偶", None]]
    ledger = read(make_xlsx(rows))

    (error,) = ledger.rows[1].errors
    assert (error.row, error.column, error.key) == (3, "J", "id_number")
    assert error.message == str(rules.ID_ERROR_EMPTY)


def test_an_excel_error_value_is_a_cell_error(make_xlsx):
    row = list(ROWS[0])
    row[7] = "#DIV/0!"  # openpyxl writes an error value
    ledger = read(make_xlsx([HEADER, row]))

    (error,) = ledger.rows[0].errors
    assert error.column == "H"
    assert "错误值" in error.message


def test_a_sheet_that_does_not_start_in_column_a_keeps_its_letters(make_xlsx):
    rows = [[None, None, *HEADER], [None, None, *ROWS[0]]]
    ledger = read(make_xlsx(rows))

    assert ledger.columns["number"].letter == "C"
    assert ledger.rows[0].values["id_number"] == HEAD_ID
    assert ledger.rows[0].values["joined_on"] == date(2015, 5, 1)


def test_hidden_sheets_and_sheets_without_a_header_are_passed_over(make_xlsx):
    data = make_xlsx(
        [HEADER, *ROWS],
        sheet_name="花名册",
        extra_sheets=[
            ("旧台账", [HEADER, ROWS[3]], "hidden"),
            ("填表说明", [["身份证号请设置为文本格式"], ["户主姓名填在户主那一行"]], "visible"),
        ],
    )
    ledger = read(data)

    assert ledger.sheet_name == "花名册"
    assert len(ledger.rows) == 4


def test_excel_dates_and_id_numbers_in_text_cells_are_read(make_xlsx):
    row = list(ROWS[0])
    row[11] = date(2016, 3, 1)
    row[9] = f"{HEAD_ID[:6]} {HEAD_ID[6:]}".lower()
    data = make_xlsx([HEADER, row], number_formats={"J": "@", "L": "yyyy-mm-dd"})

    values = read(data).rows[0].values

    assert values["joined_on"] == date(2016, 3, 1)
    assert values["id_number"] == HEAD_ID


# --------------------------------------------------------------------------
# Formulas
# --------------------------------------------------------------------------


def test_a_formula_in_a_data_cell_is_an_error_of_that_cell(make_xlsx):
    data = make_xlsx([HEADER, *ROWS], formulas={"G2": "=A1+1", "H5": "=1000*3"})
    ledger = read(data)

    (error,) = ledger.rows[0].errors
    assert (error.row, error.column, error.key) == (2, "G", "size")
    assert "公式" in error.message
    assert "选择性粘贴" in error.message
    assert ledger.rows[0].values["size"] is None
    assert ledger.rows[3].errors[0].column == "H"
    assert ledger.rows[1].errors == []


def test_formulas_outside_imported_cells_are_ignored(make_xlsx):
    header = ["序号", *HEADER]
    rows = [header, *[[None, *row] for row in ROWS]]
    data = make_xlsx(rows, formulas={"A2": "=ROW()-1", "A3": "=ROW()-1"})

    ledger = read(data)

    assert all(row.errors == [] for row in ledger.rows)


def test_formulas_that_cannot_be_located_refuse_the_file(make_xlsx):
    data = make_xlsx([HEADER, *ROWS], formulas={"G2": "=A1+1"})
    # A cell without its r="G2" reference is legal XML: its place is implied.
    data = rewrite_zip(
        data,
        {"xl/worksheets/sheet1.xml": lambda xml: xml.replace(b'<c r="G2"><f>', b"<c><f>")},
    )
    file_error(data, "formulas", "公式", "选择性粘贴")


# --------------------------------------------------------------------------
# Bad files
# --------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_anything_else():
    data = b"PK\x03\x04" + bytes(2 * MB)
    file_error(data, "too_large", "1.0MB", "上限", max_bytes=1 * MB)


def test_an_empty_file_is_refused():
    file_error(b"", "not_xlsx", "空")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_csv_renamed_to_xlsx_is_named(encoding):
    text = "户编号,行政村,姓名,身份证号\nH001,学田地村,赵永福,150927197005010011\n"
    file_error(text.encode(encoding), "not_xlsx", "CSV", ".xlsx")


def test_a_tab_separated_text_file_is_named_as_csv_too():
    file_error("姓名\t身份证号\n赵永福\t1509\n".encode(), "not_xlsx", "CSV")


def test_an_html_table_saved_as_xls_is_named():
    file_error(b"<html><body><table><tr><td>1</td></tr></table></body></html>", "not_xlsx", "网页")


def test_a_pdf_is_named():
    data = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(200)
    file_error(data, "not_xlsx", "PDF")


def test_random_bytes_are_not_an_xlsx():
    data = random.Random(7).randbytes(4096)
    file_error(data, "not_xlsx", "不是Excel", ".xlsx")


def test_a_truncated_xlsx_is_corrupt(make_xlsx):
    data = make_xlsx([HEADER, *ROWS])
    file_error(data[: len(data) // 2], "corrupt", "损坏")


def test_an_xlsx_with_damaged_content_is_corrupt(make_xlsx):
    data = make_xlsx([HEADER, *ROWS])
    source = zipfile.ZipFile(io.BytesIO(data))
    info = source.getinfo("xl/worksheets/sheet1.xml")
    # Flip bytes inside the sheet's compressed data: the CRC (or inflate) fails.
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    damaged = data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 16])
    damaged += data[middle + 16 :]
    file_error(damaged, "corrupt", "损坏")


def _compound_file(*stream_names: str) -> bytes:
    """A stand-in for an OLE2 compound file: the signature, a header, and a
    directory naming ``stream_names`` in UTF-16LE as a real one does."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff"
    header = header.ljust(512, b"\x00")
    directory = b"".join(
        name.encode("utf-16-le").ljust(64, b"\x00") + bytes(64) for name in stream_names
    )
    return header + directory + bytes(1024)


def test_a_password_protected_xlsx_is_named():
    # An encrypted .xlsx is a compound file holding an "EncryptedPackage"
    # stream; this synthetic stand-in has the same signature and directory
    # entry (encrypting a real one would need msoffcrypto-tool).
    data = _compound_file("Root Entry", "EncryptionInfo", "EncryptedPackage")
    error = file_error(data, "encrypted", "密码")
    assert error.message == "文件设置了密码,请在Excel中取消密码后重新上传"


def test_an_old_xls_file_is_named():
    data = _compound_file("Root Entry", "Workbook", "\x05SummaryInformation")
    file_error(data, "xls", ".xls", "另存为.xlsx")


@pytest.mark.parametrize(
    ("members", "word"),
    [
        ({"word/document.xml": "<w:document/>", "[Content_Types].xml": "<Types/>"}, "Word"),
        ({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}, ".ods"),
        ({"photo.jpg": b"\xff\xd8\xff"}, "压缩包"),
        ({"data.xml": "<data/>"}, ".xlsx"),
    ],
)
def test_a_zip_that_is_not_an_xlsx_is_named(members, word):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    file_error(out.getvalue(), "not_xlsx", word)


def test_a_zip_bomb_is_refused_from_its_declared_sizes(make_xlsx):
    data = make_xlsx([HEADER, *ROWS])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
            bomb.writestr(info, zipfile.ZipFile(io.BytesIO(data)).read(info))
        # 200 MB of zeros deflate to ~200 KB: written a chunk at a time.
        with bomb.open("xl/media/image1.png", "w", force_zip64=True) as member:
            chunk = bytes(MB)
            for _ in range(200):
                member.write(chunk)
    data = out.getvalue()
    assert len(data) < 1 * MB

    file_error(data, "zip_bomb", "恶意文件", max_bytes=5 * MB)


def test_contents_larger_than_the_uncompressed_limit_are_refused(make_xlsx):
    data = make_xlsx([HEADER, *ROWS])
    # Random text: it hardly compresses, so only the total size gives it away.
    filler = random.Random(5).randbytes(MB).hex().encode()
    padded = rewrite_zip(data, {"docProps/custom.xml": b"<x>" + filler + b"</x>"})
    file_error(padded, "zip_bomb", "超过了1.0MB的上限", max_uncompressed=1 * MB)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">\n'.encode()
        for n in range(1, 10)
    )
    + b"]>\n"
)


def _with_dtd(xml: bytes) -> bytes:
    if xml.startswith(b"<?xml"):
        xml = xml[xml.index(b"?>") + 2 :]
    return BILLION_LAUGHS + xml


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml"])
def test_an_xml_bomb_is_refused(make_xlsx, part):
    data = rewrite_zip(make_xlsx([HEADER, *ROWS]), {part: _with_dtd})
    file_error(data, "xml_entities", "XML实体", "恶意")


def test_an_entity_definition_in_an_added_shared_strings_part_is_refused(make_xlsx):
    shared = (
        b'<!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<si><t>&x;</t></si></sst>"
    )
    data = rewrite_zip(make_xlsx([HEADER, *ROWS]), {"xl/sharedStrings.xml": shared})
    file_error(data, "xml_entities", "XML实体")


def test_a_dtd_hidden_after_a_long_comment_is_refused(make_xlsx):
    def hide(xml: bytes) -> bytes:
        # Past the first chunk read, and not so repetitive that it is a zip bomb.
        filler = random.Random(3).randbytes(MB).hex().encode()
        return b"<!--" + filler + b"-->" + _with_dtd(xml)

    data = rewrite_zip(make_xlsx([HEADER, *ROWS]), {"xl/worksheets/sheet1.xml": hide})
    file_error(data, "xml_entities", "XML实体")


def test_an_empty_sheet_is_refused_naming_the_required_columns(make_xlsx):
    error = file_error(make_xlsx([]), "no_header", "空")
    for column in cols.COLUMNS:
        if column.required:
            assert column.title in error.message


def test_a_sheet_without_a_recognisable_header_is_refused(make_xlsx):
    rows = [["某某村花名册"], ["A", "B", "C"], [1, 2, 3]]
    error = file_error(make_xlsx(rows), "no_header", "表头", "前15行")
    assert "身份证号" in error.message


def test_a_header_below_row_15_is_not_found(make_xlsx):
    data = make_xlsx([*[["说明"]] * 15, HEADER, *ROWS])
    file_error(data, "no_header", "表头")


def test_a_missing_required_column_is_named(make_xlsx):
    header = [title for title in HEADER if title != "身份证号"]
    rows = [
        [value for title, value in zip(HEADER, row, strict=True) if title != "身份证号"]
        for row in ROWS
    ]
    error = file_error(make_xlsx([header, *rows]), "missing_columns", "身份证号", "缺少")
    assert "公民身份号码" in error.message  # the other titles it may have


def test_a_column_given_twice_is_refused(make_xlsx):
    header = [*HEADER, "身份证号码"]
    rows = [[*row, row[9]] for row in ROWS]
    error = file_error(make_xlsx([header, *rows]), "duplicate_column", "出现了两次")
    assert "J列" in error.message
    assert "M列" in error.message
    assert "身份证号码" in error.message


def test_too_many_rows_are_refused(make_xlsx):
    rows = [HEADER, *ROWS, ROWS[1]]
    file_error(make_xlsx(rows), "too_many_rows", "4行", "上限", max_rows=4)


def test_blank_and_totals_rows_do_not_count_against_the_row_limit(make_xlsx):
    totals = ["合计", None, None, None, None, None, 4]
    rows = [HEADER, *ROWS, [None], [None], totals]
    ledger = read(make_xlsx(rows), max_rows=4)

    assert len(ledger.rows) == 4


def test_every_file_error_message_is_chinese():
    for module in (safety, reader):
        for name in dir(module):
            if name.startswith(("ERROR_", "CELL_ERROR_", "SKIPPED_")):
                assert CHINESE.search(str(getattr(module, name))), name
