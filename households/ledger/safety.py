"""Whether an uploaded file is safe to read as a ledger (.xlsx).

:func:`check_file` checks the file as a whole, cheapest checks first and
before anything is inflated or parsed: its size, its first bytes (an old
.xls, a password-protected workbook, a PDF, a CSV renamed to .xlsx…), the
zip's table of contents (not an .xlsx, a zip bomb). Then it streams every XML
part once, a chunk at a time, to refuse DTDs and entity definitions (XML
bombs), to let the zip checksums catch a corrupt or lying archive, and to note
the worksheet cells that hold a formula or an error value. Only then does
:mod:`households.ledger.reader` read the cell values.

A file that is refused raises :class:`~households.ledger.types.LedgerFileError`
(``code`` for tests and logs, ``message`` in Chinese for the user).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from posixpath import join, normpath

from defusedxml import ElementTree
from django.utils.translation import gettext_lazy

from households.ledger.columns import column_index
from households.ledger.types import LedgerFileError

MB = 1024 * 1024
#: Default cap on the declared uncompressed size: 50 × max_bytes, at most this.
MAX_UNCOMPRESSED_CAP = 500 * MB
#: A member inflating more than this many times its compressed size is a bomb…
MAX_COMPRESSION_RATIO = 200
#: …once it is larger than this (tiny parts of a real file compress well too).
RATIO_MIN_SIZE = 1 * MB
MAX_MEMBERS = 10_000
CHUNK_BYTES = 1 * MB

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


def _megabytes(size: int) -> str:
    if size < MB:
        return f"{size / 1024:.0f}KB"
    return f"{size / MB:.1f}MB" if size < 10 * MB else f"{size // MB}MB"


def fail(code: str, message, **params) -> LedgerFileError:
    return LedgerFileError(code, str(message).format(**params))


def check_file(
    data: bytes, *, filename: str, max_bytes: int, max_uncompressed: int | None
) -> tuple[dict[str, CellScan], dict[str, str]]:
    """Refuse a file that is not a readable, harmless .xlsx (:class:`LedgerFileError`).

    Returns the formula and error cells of each worksheet part and the part of
    each sheet (:func:`_sheet_paths`). ``max_uncompressed`` defaults to 50 ×
    ``max_bytes``, at most 500 MB.
    """
    if len(data) > max_bytes:
        size, limit = _megabytes(len(data)), _megabytes(max_bytes)
        raise fail("too_large", ERROR_TOO_LARGE, size=size, limit=limit)
    _check_signature(data, filename)
    if max_uncompressed is None:
        max_uncompressed = min(50 * max_bytes, MAX_UNCOMPRESSED_CAP)

    with _open_zip(data) as archive:
        infos = archive.infolist()
        _check_is_xlsx(archive, {info.filename for info in infos})
        _check_sizes(infos, max_uncompressed)
        scans = _scan_parts(archive, infos)
        sheet_paths = _sheet_paths(archive)
    return scans, sheet_paths


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
        raise fail("not_xlsx", ERROR_EMPTY_FILE)
    if data.startswith(OLE2_SIGNATURE):
        # Both an old .xls and an encrypted .xlsx (an EncryptedPackage stream
        # inside a compound file) are OLE2 compound files.
        if ENCRYPTED_PACKAGE in data:
            raise fail("encrypted", ERROR_ENCRYPTED)
        if filename.lower().endswith(".et"):
            raise fail("xls", ERROR_ET)
        raise fail("xls", ERROR_XLS)
    head = data[:1024]
    if b"%PDF-" in head:
        raise fail("not_xlsx", ERROR_PDF)
    if data.startswith(EMPTY_ZIP_SIGNATURE):
        raise fail("not_xlsx", ERROR_NOT_XLSX)
    text = _decode_text(data[: 64 * 1024])
    if text is not None:
        lowered = text.lstrip("\ufeff \t\r\n").lower()
        if lowered.startswith(("<!doctype html", "<html", "<table", "<?xml", "<meta")):
            raise fail("not_xlsx", ERROR_HTML)
        if any(separator in text for separator in (",", "\t", ",")):
            raise fail("not_xlsx", ERROR_CSV)
        raise fail("not_xlsx", ERROR_TEXT)
    raise fail("not_xlsx", ERROR_NOT_XLSX)


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise fail("corrupt", ERROR_CORRUPT) from None


def _check_is_xlsx(archive: zipfile.ZipFile, names: set[str]) -> None:
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return
    if "word/document.xml" in names:
        raise fail("not_xlsx", ERROR_DOCX)
    if "ppt/presentation.xml" in names:
        raise fail("not_xlsx", ERROR_PPTX)
    if "xl/workbook.bin" in names:
        raise fail("not_xlsx", ERROR_XLSB)
    if "mimetype" in names:
        info = archive.getinfo("mimetype")
        if info.file_size < 200:
            try:
                if b"spreadsheet" in archive.read(info):
                    raise fail("not_xlsx", ERROR_ODS)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError):
                pass
    if names and not any(name.endswith(".xml") for name in names):
        raise fail("not_xlsx", ERROR_ZIP)
    raise fail("not_xlsx", ERROR_NOT_XLSX)


def _check_sizes(infos: list[zipfile.ZipInfo], limit: int) -> None:
    """Zip bombs, from the archive's table of contents: nothing inflated yet."""
    if len(infos) > MAX_MEMBERS:
        raise fail("zip_bomb", ERROR_ZIP_MEMBERS, count=len(infos))
    total = sum(info.file_size for info in infos)
    if total > limit:
        raise fail("zip_bomb", ERROR_UNCOMPRESSED, size=_megabytes(total), limit=_megabytes(limit))
    for info in infos:
        ratio_limit = MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_SIZE and info.file_size > ratio_limit:
            raise fail("zip_bomb", ERROR_ZIP_BOMB, size=_megabytes(info.file_size))


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
class CellScan:
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


def _scan_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> dict[str, CellScan]:
    """Stream every XML part once, a chunk at a time (memory stays small).

    Refuses a DTD or entity definition anywhere in a part (no Excel part has
    one: they are how XML bombs work), lets zipfile check each part's CRC and
    stop at its declared size whatever the deflate stream holds (a corrupt or
    lying archive), and returns the formula and error cells of the worksheets.
    """
    scans: dict[str, CellScan] = {}
    for info in infos:
        name = info.filename
        if info.is_dir() or not name.endswith((".xml", ".rels", ".vml")):
            continue
        if info.flag_bits & 0x1:
            raise fail("encrypted", ERROR_ENCRYPTED)
        scan = CellScan() if name.startswith("xl/worksheets/") else None
        try:
            with archive.open(info) as stream:
                tail = buffer = b""
                while True:
                    chunk = stream.read(CHUNK_BYTES)
                    window = tail + chunk
                    # "!" (a single byte: found fast) is in every marker.
                    if b"!" in window and any(marker in window for marker in _DTD_MARKERS):
                        raise fail("xml_entities", ERROR_XML_ENTITIES)
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
            raise fail("encrypted", ERROR_ENCRYPTED) from None
        except Exception:  # BadZipFile (CRC), zlib.error, EOFError…
            raise fail("corrupt", ERROR_CORRUPT) from None
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


def merged_scans(scans: Iterable[CellScan]) -> CellScan:
    merged = CellScan()
    for scan in scans:
        for target, source in ((merged.formulas, scan.formulas), (merged.errors, scan.errors)):
            for row, columns in source.items():
                target.setdefault(row, set()).update(columns)
        merged.formula_tags += scan.formula_tags
        merged.formula_cells += scan.formula_cells
    return merged
