"""Ledgers for the import tests: rows by column title, written to a real .xlsx.

``ledger_xlsx(rows)`` writes a title row ("学田地村建档立卡贫困户花名册"), the
header (Excel row 2) and the rows from Excel row 3 on, so the n-th row of
``rows`` is Excel row ``n + 3`` (0-based n). ``household(...)`` gives the rows
of one household, household columns on the head's row only.
"""

from __future__ import annotations

from datetime import date

from households.ledger import services
from households.models import VillagerGroup
from tests.factories import id_number
from tests.households.ledger.conftest import build_xlsx

HEADER = [
    "户编号",
    "行政村",
    "村民小组",
    "识别年度",
    "贫困户属性",
    "主要致贫原因",
    "贫困状态",
    "户主姓名",
    "家庭人口",
    "收入年度",
    "工资性收入",
    "生产经营性收入",
    "人均纯收入",
    "姓名",
    "身份证号",
    "与户主关系",
    "健康状况",
    "入户日期",
]
FIRST_ROW = 3  # Excel row of the first data row


def letter(title: str, header=HEADER) -> str:
    return chr(ord("A") + header.index(title))


def household(
    number: str,
    *,
    village: str = "学田地村",
    group: str = "1组",
    members=None,
    year: int = 2019,
    status: str = "未脱贫",
    wage: str | None = "8000",
    size: int | None = None,
    per_capita: str | None = None,
    **extra,
) -> list[dict]:
    """Rows of one household: ``members`` are (name, id number, relation[, health])."""
    if members is None:
        members = [
            ("赵大山", id_number(date(1968, 3, 1)), "户主"),
            ("钱桂兰", id_number(date(1970, 6, 1), male=False), "配偶"),
        ]
    rows = []
    for i, member in enumerate(members):
        name, number_, relation, *rest = member
        row = {"姓名": name, "身份证号": number_, "与户主关系": relation}
        if rest:
            row["健康状况"] = rest[0]
        if i == 0:
            row.update(
                {
                    "户编号": number,
                    "行政村": village,
                    "村民小组": group,
                    "识别年度": year,
                    "贫困户属性": "一般贫困户",
                    "主要致贫原因": "缺资金",
                    "贫困状态": status,
                    "户主姓名": name,
                    "家庭人口": size if size is not None else len(members),
                    "收入年度": 2020 if wage is not None else None,
                    "工资性收入": wage,
                    "人均纯收入": per_capita,
                }
            )
            row.update(extra)
        rows.append(row)
    return rows


def ledger_xlsx(rows: list[dict], header=HEADER, *, title="学田地村建档立卡贫困户花名册") -> bytes:
    table = [list(header)] + [[row.get(title_) for title_ in header] for row in rows]
    return build_xlsx(table, title_rows=[title] if title else (), number_formats={"O": "@"})


def add_groups():
    """Groups named as the ledgers name them (the town fixture's groups have generated names)."""
    from households.models import Village

    for village in Village.objects.filter(name__in=["学田地村", "点力村"]):
        for n in (1, 2):
            VillagerGroup.objects.get_or_create(
                village=village, name=f"{n}组", defaults={"number": n}
            )


def preview(data: bytes, user, filename="学田地村台账.xlsx"):
    from django.core.files.base import ContentFile

    record = services.ledger_upload(file=ContentFile(data, name=filename), user=user)
    return services.ledger_preview(ledger_import=record)


def errors_of(record) -> set[tuple[int, str, str]]:
    return {(e["row"], e["column"], e["message"]) for e in record.preview["errors"]}


def setup_ledger_town(town, settings, tmp_path):
    """The ``town`` fixture, with "1组"/"2组" in both villages and uploads under ``tmp_path``."""
    settings.MEDIA_ROOT = tmp_path
    add_groups()
    return town
