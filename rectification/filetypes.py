"""What an evidence file is, judged by its content, not by its name.

Pure functions over bytes: an upload is accepted only if its extension is
one of the kinds below *and* its content is that kind (magic bytes; for the
Office formats, the structure of the container). A renamed executable, a
script with a ``.jpg`` name, a ``.docx`` that is not a Word zip, an
encrypted or macro-carrying document are refused with a message naming
the file.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FileKind:
    extension: str  # the one the stored file gets
    content_type: str
    label: str


JPEG = FileKind("jpg", "image/jpeg", "JPG 图片")
PNG = FileKind("png", "image/png", "PNG 图片")
PDF = FileKind("pdf", "application/pdf", "PDF 文件")
DOC = FileKind("doc", "application/msword", "Word 97-2003 文档")
XLS = FileKind("xls", "application/vnd.ms-excel", "Excel 97-2003 工作簿")
PPT = FileKind("ppt", "application/vnd.ms-powerpoint", "PowerPoint 97-2003 演示文稿")
DOCX = FileKind(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "Word 文档",
)
XLSX = FileKind(
    "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 工作簿"
)
PPTX = FileKind(
    "pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "PowerPoint 演示文稿",
)

# Extension the user's file may have → what its content must be.
KINDS_BY_EXTENSION = {
    "jpg": JPEG,
    "jpeg": JPEG,
    "png": PNG,
    "pdf": PDF,
    "doc": DOC,
    "xls": XLS,
    "ppt": PPT,
    "docx": DOCX,
    "xlsx": XLSX,
    "pptx": PPTX,
}
ALLOWED_EXTENSIONS = sorted(KINDS_BY_EXTENSION)
CONTENT_TYPES_BY_EXTENSION = {ext: kind.content_type for ext, kind in KINDS_BY_EXTENSION.items()}
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
# The stream each legacy Office format keeps its document in (UTF-16 names
# in the compound file's directory).
OLE_STREAMS = {
    DOC: ("WordDocument",),
    XLS: ("Workbook", "Book"),
    PPT: ("PowerPoint Document",),
}
# The folder of the main part of each Office Open XML package.
OOXML_FOLDERS = {DOCX: "word/", XLSX: "xl/", PPTX: "ppt/"}
MAX_ZIP_MEMBERS = 10_000

ERROR_NO_FILE = _("请选择要上传的文件")
ERROR_EMPTY = _("文件“%(name)s”是空的")
ERROR_TOO_LARGE = _("文件“%(name)s”有 %(size)s,单个佐证材料不能超过 %(limit)s")
ERROR_EXTENSION = _(
    "不接受文件“%(name)s”:佐证材料只能是图片(JPG、PNG)、PDF 或 Office 文档"
    "(Word、Excel、PowerPoint,扩展名 %(allowed)s)"
)
ERROR_CONTENT = _("文件“%(name)s”的内容不是%(kind)s(只改了扩展名或文件已损坏),请上传原始文件")
ERROR_ENCRYPTED = _("文件“%(name)s”设置了打开密码,请去掉密码后再上传")
ERROR_MACRO = _("文件“%(name)s”含有宏代码,不予接受;请另存为不含宏的普通文档后再上传")


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def extension_of(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def _is_ole_kind(data: bytes, kind: FileKind) -> bool:
    if not data.startswith(OLE_SIGNATURE) or len(data) < 1024:
        return False
    return any(_utf16(stream) in data for stream in OLE_STREAMS[kind])


def _zip_names(data: bytes) -> list[str] | None:
    if not data.startswith(ZIP_SIGNATURE):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                return None
            return [info.filename for info in infos]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return None


def _content_error(name: str, kind: FileKind) -> ValidationError:
    return ValidationError(ERROR_CONTENT, code="content", params={"name": name, "kind": kind.label})


def check_evidence_file(data: bytes, *, name: str, max_bytes: int) -> FileKind:
    """The kind of an uploaded evidence file, or ``ValidationError`` saying why it is refused."""
    if len(data) == 0:
        raise ValidationError(ERROR_EMPTY, code="empty", params={"name": name})
    if len(data) > max_bytes:
        raise ValidationError(
            ERROR_TOO_LARGE,
            code="too_large",
            params={"name": name, "size": megabytes(len(data)), "limit": megabytes(max_bytes)},
        )
    kind = KINDS_BY_EXTENSION.get(extension_of(name))
    if kind is None:
        raise ValidationError(
            ERROR_EXTENSION,
            code="extension",
            params={"name": name, "allowed": "、".join(ALLOWED_EXTENSIONS)},
        )
    if kind is JPEG:
        ok = data.startswith(b"\xff\xd8\xff")
    elif kind is PNG:
        ok = data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"
    elif kind is PDF:
        ok = data.startswith(b"%PDF-")
    elif kind in OLE_STREAMS:
        ok = _is_ole_kind(data, kind)
    else:
        if data.startswith(OLE_SIGNATURE) and _utf16("EncryptedPackage") in data:
            # A password-protected .docx/.xlsx/.pptx is a compound file, not a zip.
            raise ValidationError(ERROR_ENCRYPTED, code="encrypted", params={"name": name})
        names = _zip_names(data)
        folder = OOXML_FOLDERS[kind]
        ok = (
            names is not None
            and "[Content_Types].xml" in names
            and any(n.startswith(folder) for n in names)
        )
        if ok and any(n.lower().endswith("vbaproject.bin") for n in names):
            raise ValidationError(ERROR_MACRO, code="macro", params={"name": name})
    if not ok:
        raise _content_error(name, kind)
    return kind
