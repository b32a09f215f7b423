"""Reading an uploaded village ledger (.xlsx) into cleaned rows.

:func:`read_ledger` checks the file as a whole first, cheapest checks first
and before anything is inflated or parsed: its size, its first bytes (an old
.xls, a password-protected workbook, a PDF, a CSV renamed to .xlsx…), the
zip's table of contents (not an .xlsx, a zip bomb). Then it streams every XML
part once, a chunk at a time, to refuse DTDs and entity definitions (XML
bombs), to let the zip checksums catch a corrupt or lying archive, and to note
the worksheet cells that hold a formula or an error value. Only then does
python-calamine (Rust, far faster than openpyxl) read the cell values.

Whole-file problems raise :class:`~households.ledger.types.LedgerFileError`
(``code`` for tests and logs, ``message`` in Chinese for the user). Problems
of single cells become :class:`~households.ledger.types.CellError` entries of
their row, so that the user sees every one of them in one preview.

Formulas: a formula cell in a recognised column of a data row is a cell
error ("paste as values"), not a file error. Formulas elsewhere are harmless
and ignored: the =SUM() of a totals row (skipped anyway), a 序号 column of
=ROW()-3, a column we do not import. A file error (code ``formulas``) is
raised only when formulas cannot be attributed to cells.
"""

from __future__ import annotations

import gc
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, pairwise
from posixpath import join, normpath
from typing import Any

import python_calamine
from defusedxml import ElementTree
from django.utils import timezone
from django.utils.translation import gettext_lazy

from households import rules
from households.ledger import columns as cols
from households.ledger.clean import cleaner_for
from households.ledger.types import CellError, LedgerFileError, LedgerRow, ParsedLedger, SheetColumn
from households.ledger.variants import SCHOOL_LEVELS

MB = 1024 * 1024
#: The header is looked for in this many rows from the top of the sheet.
HEADER_SCAN_ROWS = 15
#: A row is a header candidate with at least this many recognised titles.
MIN_HEADER_TITLES = 3
#: Default cap on the declared uncompressed size: 50 × max_bytes, at most this.
MAX_UNCOMPRESSED_CAP = 500 * MB
#: A member inflating more than this many times its compressed size is a bomb…
MAX_COMPRESSION_RATIO = 200
#: …once it is larger than this (tiny parts of a real file compress well too).
RATIO_MIN_SIZE = 1 * MB
MAX_MEMBERS = 10_000
#: Distinct values remembered per column (see ``_read_sheet``).
MEMO_LIMIT = 50_000
#: Columns whose values are nearly all different: not worth remembering.
_UNIQUE_KEYS = frozenset({"id_number", "name", "head_name", "phone"})
CHUNK_BYTES = 1 * MB
SCHOOL_LEVEL_KEYS = {cols.normalise_title(text): level for text, level in SCHOOL_LEVELS.items()}
#: Words that start the signature lines under a ledger (制表人:…).
FOOTER_MARKERS = ("制表", "填表", "填报", "审核", "负责人", "联系人:", "注:", "说明:")

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
EMPTY_ZIP_SIGNATURE = b"PK\x05\x06"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

ERROR_TOO_LARGE = gettext_lazy(
    "文件大小为{size},超过了{limit}的上限,请删除无关的工作表或分成几个文件上传"
)
ERROR_EMPTY_FILE = gettext_lazy("文件是空的(0字节),请重新选择文件")
ERROR_ENCRYPTED = gettext_lazy("文件设置了密码,请在Excel中取消密码后重新上传")
ERROR_XLS = gettext_lazy("这是旧版Excel(.xls)文件,请在Excel中另存为.xlsx后上传")
ERROR_ET = gettext_lazy("这是WPS表格(.et)文件,请在WPS中另存为Excel(.xlsx)后上传")
ERROR_PDF = gettext_lazy("这是PDF文件,不是Excel表格。请上传.xlsx格式的台账")
ERROR_CSV = gettext_lazy(
    "这个文件看起来是CSV文本文件被改成了.xlsx后缀,请用Excel打开后“另存为”Excel工作簿(.xlsx)再上传"
)
ERROR_HTML = gettext_lazy(
    "这个文件是网页或XML格式的表格(常见于从其他系统导出的“.xls”),"
    "请用Excel打开后“另存为”Excel工作簿(.xlsx)再上传"
)
ERROR_TEXT = gettext_lazy("这是一个文本文件,不是Excel表格。请上传.xlsx格式的台账")
ERROR_NOT_XLSX = gettext_lazy("文件不是Excel(.xlsx)格式,请在Excel中另存为.xlsx后上传")
ERROR_DOCX = gettext_lazy("这是Word文档,不是Excel表格。请上传.xlsx格式的台账")
ERROR_PPTX = gettext_lazy("这是PowerPoint文件,不是Excel表格。请上传.xlsx格式的台账")
ERROR_ODS = gettext_lazy("这是OpenDocument表格(.ods),请在Excel或WPS中另存为.xlsx后上传")
ERROR_XLSB = gettext_lazy("这是Excel二进制工作簿(.xlsb),请在Excel中另存为.xlsx后上传")
ERROR_ZIP = gettext_lazy("这是一个压缩包,不是Excel表格。请解压后上传其中的.xlsx文件")
ERROR_CORRUPT = gettext_lazy(
    "文件已损坏或不完整,无法读取。请在Excel中打开确认无误、重新保存后再上传"
)
ERROR_ZIP_BOMB = gettext_lazy("文件中有内容的压缩比异常(解压后达{size}),可能是恶意文件,已拒绝处理")
ERROR_UNCOMPRESSED = gettext_lazy(
    "文件解压后共{size},超过了{limit}的上限,可能是恶意文件,已拒绝处理"
)
ERROR_ZIP_MEMBERS = gettext_lazy("文件内部包含的部件过多({count}个),可能是恶意文件,已拒绝处理")
ERROR_XML_ENTITIES = gettext_lazy("文件包含不允许的XML实体定义,可能是恶意文件,已拒绝处理")
ERROR_FORMULAS = gettext_lazy(
    "工作表“{sheet}”中有{count}个公式无法定位到单元格。请全选后复制,"
    "再“选择性粘贴→数值”,保存后重新上传"
)
ERROR_NO_SHEET = gettext_lazy("文件中没有可见的工作表")
ERROR_EMPTY_SHEET = gettext_lazy("工作表是空的,没有任何内容。台账应至少包含以下列:{required}")
ERROR_NO_HEADER = gettext_lazy(
    "在工作表前{rows}行中找不到表头(没有一行包含至少{minimum}个可识别的列名)。"
    "台账应至少包含以下列:{required}"
)
ERROR_MISSING_COLUMNS = gettext_lazy(
    "工作表“{sheet}”第{rows}行的表头缺少必填列:{missing}。请加上这些列后重新上传"
)
ERROR_DUPLICATE_COLUMN = gettext_lazy(
    "列“{title}”出现了两次:{first}列“{first_title}”和{second}列“{second_title}”,"
    "请删除或改名其中一列"
)
ERROR_TOO_MANY_ROWS = gettext_lazy(
    "数据超过{limit}行的上限(不含表头、空行和合计行),请分成几个文件分别上传"
)
CELL_ERROR_FORMULA = gettext_lazy("该单元格是公式而不是数值,请复制后“选择性粘贴→数值”再上传")
CELL_ERROR_VALUE = gettext_lazy("该单元格是错误值(如#N/A、#DIV/0!、#REF!),请改正后再上传")
CELL_ERROR_REQUIRED = gettext_lazy("未填写{title}")
WARNING_LOOKALIKE = gettext_lazy(
    "未识别的列“{title}”与“{known}”相近,这一列的数据没有读取;如果是同一列,请把表头改为“{known}”"
)
SKIPPED_TOTALS = gettext_lazy("合计行(“{text}”),已跳过")
SKIPPED_FOOTER = gettext_lazy("表尾说明(“{text}”),已跳过")
SKIPPED_NUMBERING = gettext_lazy("表头下的列序号行(1、2、3…),已跳过")

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


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


def _megabytes(size: int) -> str:
    if size < MB:
        return f"{size / 1024:.0f}KB"
    return f"{size / MB:.1f}MB" if size < 10 * MB else f"{size // MB}MB"


def _fail(code: str, message, **params) -> LedgerFileError:
    return LedgerFileError(code, str(message).format(**params))


def _required_titles() -> str:
    return "、".join(column.title for column in cols.COLUMNS if column.required)


# --------------------------------------------------------------------------
# 1. What kind of file is it?
# --------------------------------------------------------------------------

_TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _decode_text(sample: bytes) -> str | None:
    """``sample`` as text if it is UTF-8/UTF-16/GB18030 text, else ``None``."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return sample.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if _TEXT_CONTROL.search(sample):
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        # The sample may end in the middle of a character.
        for cut in range(4):
            try:
                return sample[: len(sample) - cut].decode(encoding)
            except UnicodeDecodeError:
                continue
    return None


def _check_signature(data: bytes, filename: str) -> None:
    """Refuse anything that is not a zip archive, naming what it is."""
    if data.startswith(ZIP_SIGNATURE):
        return
    if not data:
        raise _fail("not_xlsx", ERROR_EMPTY_FILE)
    if data.startswith(OLE2_SIGNATURE):
        # Both an old .xls and an encrypted .xlsx (an EncryptedPackage stream
        # inside a compound file) are OLE2 compound files.
        if ENCRYPTED_PACKAGE in data:
            raise _fail("encrypted", ERROR_ENCRYPTED)
        if filename.lower().endswith(".et"):
            raise _fail("xls", ERROR_ET)
        raise _fail("xls", ERROR_XLS)
    head = data[:1024]
    if b"%PDF-" in head:
        raise _fail("not_xlsx", ERROR_PDF)
    if data.startswith(EMPTY_ZIP_SIGNATURE):
        raise _fail("not_xlsx", ERROR_NOT_XLSX)
    text = _decode_text(data[: 64 * 1024])
    if text is not None:
        lowered = text.lstrip("\ufeff \t\r\n").lower()
        if lowered.startswith(("<!doctype html", "<html", "<table", "<?xml", "<meta")):
            raise _fail("not_xlsx", ERROR_HTML)
        if any(separator in text for separator in (",", "\t", ",")):
            raise _fail("not_xlsx", ERROR_CSV)
        raise _fail("not_xlsx", ERROR_TEXT)
    raise _fail("not_xlsx", ERROR_NOT_XLSX)


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _fail("corrupt", ERROR_CORRUPT) from None


def _check_is_xlsx(archive: zipfile.ZipFile, names: set[str]) -> None:
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return
    if "word/document.xml" in names:
        raise _fail("not_xlsx", ERROR_DOCX)
    if "ppt/presentation.xml" in names:
        raise _fail("not_xlsx", ERROR_PPTX)
    if "xl/workbook.bin" in names:
        raise _fail("not_xlsx", ERROR_XLSB)
    if "mimetype" in names:
        info = archive.getinfo("mimetype")
        if info.file_size < 200:
            try:
                if b"spreadsheet" in archive.read(info):
                    raise _fail("not_xlsx", ERROR_ODS)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError):
                pass
    if names and not any(name.endswith(".xml") for name in names):
        raise _fail("not_xlsx", ERROR_ZIP)
    raise _fail("not_xlsx", ERROR_NOT_XLSX)


def _check_sizes(infos: list[zipfile.ZipInfo], limit: int) -> None:
    """Zip bombs, from the archive's table of contents: nothing inflated yet."""
    if len(infos) > MAX_MEMBERS:
        raise _fail("zip_bomb", ERROR_ZIP_MEMBERS, count=len(infos))
    total = sum(info.file_size for info in infos)
    if total > limit:
        raise _fail("zip_bomb", ERROR_UNCOMPRESSED, size=_megabytes(total), limit=_megabytes(limit))
    for info in infos:
        ratio_limit = MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_SIZE and info.file_size > ratio_limit:
            raise _fail("zip_bomb", ERROR_ZIP_BOMB, size=_megabytes(info.file_size))


# --------------------------------------------------------------------------
# 2. Stream the XML parts: DTDs, checksums, formula and error cells
# --------------------------------------------------------------------------

_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY", "<!doctype", "<!entity")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
# A worksheet cell (<c>, any namespace prefix) whose first child is a formula.
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_FORMULA_CELL = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br=[\"']([A-Z]{1,3})([0-9]{1,7})[\"'][^>]*>\s*"
    rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]"
)
# A cell of type "e": an error value such as #N/A, which calamine reads as "".
_ERROR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s([^>]*\bt=[\"']e[\"'][^>]*)>")
_CELL_REF = re.compile(rb"\br=[\"']([A-Z]{1,3})([0-9]{1,7})[\"']")
_ROOT_ELEMENT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")
_SCAN_OVERLAP = 4096
_DTD_OVERLAP = max(len(marker) for marker in _DTD_MARKERS)


@dataclass
class _CellScan:
    """Formula and error-value cells of one worksheet, as {row: {column index}}."""

    formulas: dict[int, set[int]] = field(default_factory=dict)
    errors: dict[int, set[int]] = field(default_factory=dict)
    formula_tags: int = 0
    formula_cells: int = 0
    # b"<f", or b"<x:f" if the sheet's elements carry a prefix: looked for
    # first, a plain substring search being much faster than a regex.
    needle: bytes | None = None

    @property
    def unlocated(self) -> int:
        return self.formula_tags - self.formula_cells

    def _add(self, cells: dict[int, set[int]], letters: bytes, row: bytes) -> bool:
        column = column_index(letters.decode())
        found = cells.setdefault(int(row), set())
        if column in found:
            return False
        found.add(column)
        return True

    def scan(self, buffer: bytes, final: bool) -> None:
        """Scan ``buffer``; the last ``_SCAN_OVERLAP`` bytes come again at
        the start of the next one unless ``final`` (counted once, found twice)."""
        counted_end = len(buffer) if final else len(buffer) - _SCAN_OVERLAP
        if self.needle is None and (root := _ROOT_ELEMENT.search(buffer)):
            self.needle = b"<" + (root[1] + b":" if root[1] else b"") + b"f"
        needle = self.needle
        if (needle is None or needle in buffer) and _FORMULA_TAG.search(buffer):
            tags = _FORMULA_TAG.finditer(buffer)
            self.formula_tags += sum(1 for match in tags if match.start() < counted_end)
            for match in _FORMULA_CELL.finditer(buffer):
                if self._add(self.formulas, match[1], match[2]):
                    self.formula_cells += 1
        if b't="e"' in buffer or b"t='e'" in buffer:
            for match in _ERROR_CELL.finditer(buffer):
                ref = _CELL_REF.search(match[1])
                if ref:
                    self._add(self.errors, ref[1], ref[2])


def _scan_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> dict[str, _CellScan]:
    """Stream every XML part once, a chunk at a time (memory stays small).

    Refuses a DTD or entity definition anywhere in a part (no Excel part has
    one: they are how XML bombs work), lets zipfile check each part's CRC and
    stop at its declared size whatever the deflate stream holds (a corrupt or
    lying archive), and returns the formula and error cells of the worksheets.
    """
    scans: dict[str, _CellScan] = {}
    for info in infos:
        name = info.filename
        if info.is_dir() or not name.endswith((".xml", ".rels", ".vml")):
            continue
        if info.flag_bits & 0x1:
            raise _fail("encrypted", ERROR_ENCRYPTED)
        scan = _CellScan() if name.startswith("xl/worksheets/") else None
        try:
            with archive.open(info) as stream:
                tail = buffer = b""
                while True:
                    chunk = stream.read(CHUNK_BYTES)
                    window = tail + chunk
                    # "!" (a single byte: found fast) is in every marker.
                    if b"!" in window and any(marker in window for marker in _DTD_MARKERS):
                        raise _fail("xml_entities", ERROR_XML_ENTITIES)
                    tail = window[-_DTD_OVERLAP:]
                    if scan is not None:
                        buffer += chunk
                        scan.scan(buffer, final=not chunk)
                        buffer = buffer[-_SCAN_OVERLAP:]
                    if not chunk:
                        break
        except LedgerFileError:
            raise
        except RuntimeError:  # zipfile: "File is encrypted, password required"
            raise _fail("encrypted", ERROR_ENCRYPTED) from None
        except Exception:  # BadZipFile (CRC), zlib.error, EOFError…
            raise _fail("corrupt", ERROR_CORRUPT) from None
        if scan is not None:
            scans[name] = scan
    return scans


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part ("xl/worksheets/sheet1.xml"); {} if unclear."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:  # a missing part, bad XML: the caller then takes every sheet's formulas
        return {}
    targets = {}
    for rel in rels.iter():
        if _local(rel.tag) == "Relationship" and rel.get("Id") and rel.get("Target"):
            target = rel.get("Target")
            path = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
            targets[rel.get("Id")] = path
    paths = {}
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
        if element.get("name") is not None and rel_id in targets:
            paths[element.get("name")] = targets[rel_id]
    return paths


# --------------------------------------------------------------------------
# 3. The header
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    rows: tuple[int, ...]  # 0-based row indexes
    columns: dict[int, tuple[str, str]]  # column index → (key, title as written)
    unknown: dict[int, str]  # column index → title as written


def _title_text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _recognise(text: str) -> str | None:
    if not text:
        return None
    return cols.TITLE_INDEX.get(cols.normalise_title(text.strip("*※")))


def _row_titles(row: list) -> dict[int, tuple[str, str]]:
    found = {}
    for index, value in enumerate(row):
        text = _title_text(value)
        key = _recognise(text)
        if key is not None:
            found[index] = (key, text)
    return found


def _combine(upper: list, lower: list) -> dict[int, tuple[str, str]] | None:
    """A two-row header: the lower row's title where recognised, else the
    upper row's. ``None`` if the rows contradict (then the lower is data)."""
    upper_titles, lower_titles = _row_titles(upper), _row_titles(lower)
    for index, (key, _) in lower_titles.items():
        if index in upper_titles and upper_titles[index][0] != key:
            return None
    return {**upper_titles, **lower_titles}


def _find_header(head: list[list], merged: list[tuple[tuple[int, int], tuple[int, int]]]):
    """The header among the first rows ``head`` (absolute column indexes)."""
    titles = [_row_titles(row) for row in head]
    best: _Header | None = None
    best_count = 0

    def consider(rows: tuple[int, ...], columns: dict[int, tuple[str, str]]) -> None:
        nonlocal best, best_count
        count = len({key for key, _ in columns.values()})
        if count >= MIN_HEADER_TITLES and count > best_count:
            best, best_count = _Header(rows, columns, {}), count

    for index, found in enumerate(titles):
        consider((index,), found)
    for upper in range(len(head) - 1):
        lower = upper + 1
        lower_keys = {key for key, _ in titles[lower].values()}
        if len(lower_keys) < 2 or not titles[upper]:
            continue
        # Evidence that the upper row is a header row above another: a group
        # title merged across columns, or a title merged down over both rows;
        # or, without merges, two rows that both look like headers.
        merged_here = any(r0 == upper and (c1 > c0 or r1 >= lower) for (r0, c0), (r1, c1) in merged)
        if not merged_here and len(lower_keys) < MIN_HEADER_TITLES:
            continue
        combined = _combine(head[upper], head[lower])
        if combined is not None:
            consider((upper, lower), combined)
    if best is None:
        return None
    unknown = {}
    width = max(len(head[row]) for row in best.rows)
    for index in range(width):
        if index in best.columns:
            continue
        texts = [_title_text(head[row][index]) for row in best.rows if index < len(head[row])]
        text = next((t for t in reversed(texts) if t), "")
        if text:
            unknown[index] = text
    return _Header(best.rows, best.columns, unknown)


# --------------------------------------------------------------------------
# 4. Reading
# --------------------------------------------------------------------------


def _markers_pattern(markers: Iterable[str]) -> re.Pattern:
    alternatives = "|".join(re.escape(marker) for marker in markers)
    return re.compile(rf"(?:^|\n)[ \t\u3000]*(?:{alternatives})")


_TOTALS = _markers_pattern(cols.TOTAL_MARKERS)
_FOOTER = _markers_pattern(FOOTER_MARKERS)


@dataclass(frozen=True)
class _Plan:
    key: str
    index: int  # position in the row as calamine yields it
    letter: str
    title: str
    kind: str
    clean: Callable[[Any], tuple[Any, str | None]]
    required: bool  # a member column every data row must fill


def _open_workbook(data: bytes) -> python_calamine.CalamineWorkbook:
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise _fail("encrypted", ERROR_ENCRYPTED) from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # CalamineError…; a panic in the Rust code is a BaseException
        raise _fail("corrupt", ERROR_CORRUPT) from None


def _rows(sheet: python_calamine.CalamineSheet) -> Iterator[list]:
    """Every row from row 1 on, each a list from column A on.

    calamine's ``iter_rows`` pads the rows above the data but starts each row
    at the first used column: padding it here keeps indexes absolute.
    """
    end_column = sheet.end[1]
    iterator = sheet.iter_rows()
    for row in iterator:
        offset = end_column + 1 - len(row)
        if offset:
            padding = [""] * offset
            yield padding + row
            for row in iterator:
                yield padding + row
        else:
            yield row
            yield from iterator
        return


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 20 else text[:20] + "…"


def read_ledger(
    data: bytes,
    *,
    filename: str = "",
    max_bytes: int,
    max_rows: int,
    max_uncompressed: int | None = None,
    today: date | None = None,
) -> ParsedLedger:
    """Read the ledger sheet of an .xlsx file: header, then one cleaned row per member.

    ``max_bytes`` limits the file, ``max_rows`` the data rows (blank and
    totals rows not counted), ``max_uncompressed`` the declared size of the
    archive's contents (default 50 × ``max_bytes``, at most 500 MB). ``today``
    bounds birth dates in ID numbers (default: today in the local timezone).

    The sheet is the first visible worksheet with a header in its first 15
    rows. Raises :class:`LedgerFileError` for a file that cannot be read.
    """
    if len(data) > max_bytes:
        size, limit = _megabytes(len(data)), _megabytes(max_bytes)
        raise _fail("too_large", ERROR_TOO_LARGE, size=size, limit=limit)
    _check_signature(data, filename)
    if max_uncompressed is None:
        max_uncompressed = min(50 * max_bytes, MAX_UNCOMPRESSED_CAP)

    with _open_zip(data) as archive:
        infos = archive.infolist()
        _check_is_xlsx(archive, {info.filename for info in infos})
        _check_sizes(infos, max_uncompressed)
        scans = _scan_parts(archive, infos)
        sheet_paths = _sheet_paths(archive)

    workbook = _open_workbook(data)
    # Hundreds of thousands of small dicts and rows, none of them cyclic:
    # the cyclic garbage collector would only walk them again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read_workbook(
            workbook,
            scans=scans,
            sheet_paths=sheet_paths,
            max_rows=max_rows,
            today=today or timezone.localdate(),
        )
    finally:
        if collecting:
            gc.enable()
        workbook.close()


def _read_workbook(workbook, *, scans, sheet_paths, max_rows, today) -> ParsedLedger:
    try:
        visible = [
            meta.name
            for meta in workbook.sheets_metadata
            if meta.visible == python_calamine.SheetVisibleEnum.Visible
            and meta.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
    except Exception:
        raise _fail("corrupt", ERROR_CORRUPT) from None
    if not visible:
        raise _fail("no_header", ERROR_NO_SHEET)

    any_content = False
    for name in visible:
        try:
            sheet = workbook.get_sheet_by_name(name)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # as in _open_workbook
            raise _fail("corrupt", ERROR_CORRUPT) from None
        if sheet.start is None:  # nothing at all on this sheet
            continue
        any_content = True
        rows = _rows(sheet)
        head = [row for _, row in zip(range(HEADER_SCAN_ROWS), rows, strict=False)]
        header = _find_header(head, sheet.merged_cell_ranges or [])
        if header is None:
            continue
        path = sheet_paths.get(name)
        # An unknown layout: be strict, any sheet's formulas count.
        scan = scans.get(path, _CellScan()) if path else _merged_scans(scans.values())
        title = " ".join(
            text for row in head[: header.rows[0]] for value in row if (text := _title_text(value))
        )
        return _read_sheet(
            name,
            header,
            title=title,
            first_line=header.rows[-1] + 2,
            rows=chain(head[header.rows[-1] + 1 :], rows),
            scan=scan,
            max_rows=max_rows,
            today=today,
        )
    if not any_content:
        raise _fail("no_header", ERROR_EMPTY_SHEET, required=_required_titles())
    raise _fail(
        "no_header",
        ERROR_NO_HEADER,
        rows=HEADER_SCAN_ROWS,
        minimum=MIN_HEADER_TITLES,
        required=_required_titles(),
    )


def _merged_scans(scans: Iterable[_CellScan]) -> _CellScan:
    merged = _CellScan()
    for scan in scans:
        for target, source in ((merged.formulas, scan.formulas), (merged.errors, scan.errors)):
            for row, columns in source.items():
                target.setdefault(row, set()).update(columns)
        merged.formula_tags += scan.formula_tags
        merged.formula_cells += scan.formula_cells
    return merged


def _check_columns(sheet_name: str, header: _Header) -> dict[str, SheetColumn]:
    columns: dict[str, SheetColumn] = {}
    for index in sorted(header.columns):
        key, title = header.columns[index]
        column = SheetColumn(key=key, index=index, letter=column_letter(index), title=title)
        if key in columns:
            first = columns[key]
            raise _fail(
                "duplicate_column",
                ERROR_DUPLICATE_COLUMN,
                title=cols.BY_KEY[key].title,
                first=first.letter,
                first_title=first.title,
                second=column.letter,
                second_title=title,
            )
        columns[key] = column
    missing = [column for column in cols.COLUMNS if column.required and column.key not in columns]
    if missing:
        described = "、".join(_described(column) for column in missing)
        raise _fail(
            "missing_columns",
            ERROR_MISSING_COLUMNS,
            sheet=sheet_name,
            rows="、".join(str(row + 1) for row in header.rows),
            missing=described,
        )
    return columns


def _described(column: cols.Column) -> str:
    if not column.aliases:
        return column.title
    return f"{column.title}(也可写作{'、'.join(column.aliases[:3])})"


def _lookalikes(header: _Header) -> list[CellError]:
    """Unrecognised header cells that contain a known title ("2020年工资性收入")."""
    known = sorted(
        ((cols.normalise_title(t), column) for column in cols.READ_COLUMNS for t in column.titles),
        key=lambda item: -len(item[0]),
    )
    found = []
    for index, text in sorted(header.unknown.items()):
        normal = cols.normalise_title(text)
        for title, column in known:
            if len(title) >= 3 and title in normal:
                message = str(WARNING_LOOKALIKE).format(title=text, known=column.title)
                found.append(
                    CellError(header.rows[-1] + 1, column_letter(index), "", text, message)
                )
                break
    return found


def _read_sheet(sheet_name, header: _Header, *, title="", first_line, rows, scan, max_rows, today):
    if scan.unlocated > 0:
        raise _fail("formulas", ERROR_FORMULAS, sheet=sheet_name, count=scan.unlocated)
    columns = _check_columns(sheet_name, header)
    plan = [
        _Plan(
            key=column.key,
            index=column.index,
            letter=column.letter,
            title=column.title,
            kind=cols.BY_KEY[column.key].kind,
            clean=cleaner_for(cols.BY_KEY[column.key], today=today),
            required=cols.BY_KEY[column.key].required and cols.BY_KEY[column.key].level == cols.M,
        )
        for column in columns.values()
    ]
    # Most columns repeat a few values (村, 属性, 否…): clean each text or
    # number once, and keep one copy of it. Not the ID numbers and names,
    # nearly all different, nor CHOICES, whose cleaned value is a list that
    # must not be shared.
    steps = [
        (p.key, p.index, p.clean, None if p.key in _UNIQUE_KEYS or p.kind == cols.CHOICES else {})
        for p in plan
    ]
    by_key = {p.key: p for p in plan}
    required = [p for p in plan if p.required]
    id_index = columns["id_number"].index
    school_levels = "school_status" in columns
    formulas, error_cells = scan.formulas, scan.errors
    required_messages = {
        p.key: str(rules.ID_ERROR_EMPTY)
        if p.key == "id_number"
        else str(CELL_ERROR_REQUIRED).format(title=cols.BY_KEY[p.key].title)
        for p in required
    }

    parsed_rows: list[LedgerRow] = []
    skipped: list[tuple[int, str]] = []
    count = 0
    line = first_line - 1
    for row in rows:
        line += 1
        row_formulas = formulas.get(line) if formulas else None
        row_error_cells = error_cells.get(line) if error_cells else None
        special = row_formulas is not None or row_error_cells is not None
        if not special and not any(row):
            continue
        if line == first_line and _is_numbering_row(row):
            skipped.append((line, str(SKIPPED_NUMBERING)))
            continue
        identifier = row[id_index]
        if identifier == "" or (type(identifier) is str and not identifier.strip()):
            reason = _skip_reason(row)
            if reason is not None:
                skipped.append((line, reason))
                continue

        values: dict = {}
        raw: dict = {}
        errors: list[CellError] = []
        filled = False
        if not special:
            # The fast path: no formula or error value in this row.
            for key, index, clean, memo in steps:
                value = row[index]
                if value == "":
                    values[key] = raw[key] = None
                    continue
                if memo is not None and ((kind := type(value)) is str or kind is float):
                    result = memo.get(value)
                    if result is None:
                        result = (*clean(value), value)
                        if len(memo) < MEMO_LIMIT:
                            memo[value] = result
                    # The remembered copy of the raw value: calamine's own
                    # (one string per cell) can then be freed.
                    cleaned, message, value = result
                else:
                    cleaned, message = clean(value)
                raw[key] = value
                values[key] = cleaned
                if message is not None:
                    errors.append(_cell_error(line, by_key[key], message))
                    filled = True
                elif cleaned is not None and key != "serial":
                    filled = True
        else:
            for key, index, clean, _memo in steps:
                value = row[index]
                raw[key] = None if value == "" else value
                if row_formulas is not None and index in row_formulas and key != "serial":
                    message, cleaned = str(CELL_ERROR_FORMULA), None
                elif row_error_cells is not None and index in row_error_cells:
                    message, cleaned = str(CELL_ERROR_VALUE), None
                elif value == "":
                    values[key] = None
                    continue
                else:
                    cleaned, message = clean(value)
                values[key] = cleaned
                if message is not None:
                    errors.append(_cell_error(line, by_key[key], message))
                    filled = True
                elif cleaned is not None and key != "serial":
                    filled = True
        if not filled:  # only spaces, or only columns we do not read or only 序号
            continue
        count += 1
        if count > max_rows:
            raise _fail("too_many_rows", ERROR_TOO_MANY_ROWS, limit=max_rows)
        for step in required:
            if values[step.key] is None and not any(e.key == step.key for e in errors):
                errors.append(_cell_error(line, step, required_messages[step.key]))
        if school_levels and values.get("education_level") is None:
            # 在校生状况 "初中": in school, at junior level.
            level = SCHOOL_LEVEL_KEYS.get(cols.normalise_title(raw.get("school_status") or ""))
            if level is not None:
                values["education_level"] = level
        parsed_rows.append(LedgerRow(line=line, values=values, raw=raw, errors=errors))

    return ParsedLedger(
        sheet_name=sheet_name,
        header_rows=tuple(row + 1 for row in header.rows),
        columns=columns,
        rows=parsed_rows,
        unknown_columns=[header.unknown[index] for index in sorted(header.unknown)],
        skipped_rows=skipped,
        title=title,
        header_warnings=_lookalikes(header),
    )


def _is_numbering_row(row: list) -> bool:
    """A row numbering the columns 1, 2, 3… under the header (栏次), as
    official forms have."""
    numbers = []
    for value in row:
        if value == "":
            continue
        if type(value) is str and value.strip().isdigit():
            value = int(value.strip())
        if type(value) not in (int, float) or value != int(value):
            return False
        numbers.append(int(value))
    if len(numbers) < MIN_HEADER_TITLES:
        return False
    return all(second == first + 1 for first, second in pairwise(numbers))


def _skip_reason(row: list) -> str | None:
    """Why a row without an ID number is not a member: a totals or footer row."""
    texts = "\n".join(v for v in row if type(v) is str and v)
    if not texts:
        return None
    match = _TOTALS.search(texts) or _FOOTER.search(texts)
    if match is None:
        return None
    start = match.end() - len(match[0].lstrip("\n \t\u3000"))
    text = _short(texts[start:].split("\n", 1)[0])
    reason = SKIPPED_TOTALS if match.re is _TOTALS else SKIPPED_FOOTER
    return str(reason).format(text=text)


def _cell_error(line: int, step: _Plan, message: str) -> CellError:
    return CellError(row=line, column=step.letter, key=step.key, title=step.title, message=message)
