"""Benchmark of the village-ledger import (a script that prints figures, not a test).

    .venv/bin/python bench/bench_import.py [--members 100000] [--database-url URL]
    make bench-import            # on PostgreSQL (PG_URL), 100,000 members

In one run, on a database of its own, it prints:

(a) the generation of a ledger .xlsx of N members (~N/2.3 households in the
    12 villages of the demo town, valid unique ID numbers, every column of the
    standard template; not timed against anything);
(b) the raw parse time: python-calamine reading every cell of the sheet, no
    cleaning (best of three: the strictest yardstick for (e));
(c) our end-to-end import, ``ledger_import_bytes`` (upload, parse, clean,
    validate, plan, bulk write with history, the import record) into an empty
    registry, split into its phases, with the peak memory of the process
    during the import;
(d) django-import-export's default ``ModelResource`` import of the same member
    rows into the same households (members deleted first), on a sample when N
    is large, extrapolated linearly (and said so);
(e) the ratios against the issue's targets: end to end ≤ 3 × raw parse,
    import-export ≥ 10 × slower than ours, peak memory < 500 MB. A report
    with PASS/MISS, never an assertion: the script exits 0 unless it fails.

The database: the server of ``--database-url`` (default: ``DATABASE_URL``;
SQLite when that is not PostgreSQL). On PostgreSQL the script creates a
separate database named ``tieshagai_bench`` through the ``postgres``
maintenance database, migrates it and drops it at the end; the database the
URL names is never touched. On SQLite it uses a temporary file. Uploaded
files go to a temporary MEDIA_ROOT.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "tieshagai_bench"
DEMO_FIXTURE = ROOT / "fixtures" / "demo_town.json"
TARGET_PARSE_RATIO = 3.0
TARGET_SPEEDUP = 10.0
TARGET_MEMORY_MB = 500

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"  # noqa: E501
GIVEN = "永福德旺海军桂兰秀英玉梅建国志强丽娟春花金山银锁二虎宝柱凤霞翠萍小东文明淑珍秋菊冬梅晓燕红霞俊杰"  # noqa: E501


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def say(text: str = "") -> None:
    print(text, flush=True)


def seconds(value: float) -> str:
    return f"{value:,.2f} s"


def rate(rows: int, elapsed: float) -> str:
    return f"{rows / elapsed:,.0f} rows/s" if elapsed > 0 else "—"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def peak_reset() -> bool:
    """Reset the process's peak RSS (Linux ≥ 4.0); False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as stream:
            stream.write("5")
        return True
    except OSError:
        return False


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as stream:
            match = re.search(rf"^{field}:\s+(\d+) kB", stream.read(), re.MULTILINE)
    except OSError:
        return None
    return int(match[1]) if match else None


def rss_mb() -> float | None:
    kb = _status_kb("VmRSS")
    return kb / 1024 if kb is not None else None


def peak_mb() -> float:
    kb = _status_kb("VmHWM")
    if kb is None:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024


# --------------------------------------------------------------------------
# The database of the benchmark
# --------------------------------------------------------------------------


@contextmanager
def bench_database(url: str, keep: bool, db_name: str = BENCH_DB):
    """Yield the URL of a fresh database ``db_name`` for the benchmark; drop it afterwards."""
    import dj_database_url

    config = dj_database_url.parse(url) if url else {"ENGINE": "django.db.backends.sqlite3"}
    if config["ENGINE"] == "django.db.backends.postgresql":
        import psycopg2
        from psycopg2 import sql

        params = {
            "dbname": "postgres",
            "user": config.get("USER") or None,
            "password": config.get("PASSWORD") or None,
            "host": config.get("HOST") or None,
            "port": config.get("PORT") or None,
        }
        params = {k: v for k, v in params.items() if v is not None}

        def admin(statement):
            connection = psycopg2.connect(**params)
            connection.autocommit = True
            try:
                with connection.cursor() as cursor:
                    cursor.execute(statement)
            finally:
                connection.close()

        name = sql.Identifier(db_name)
        admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        admin(sql.SQL("CREATE DATABASE {}").format(name))
        user = config.get("USER") or ""
        password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
        credentials = f"{user}{password}@" if user else ""
        host = config.get("HOST") or "localhost"
        port = f":{config['PORT']}" if config.get("PORT") else ""
        try:
            yield (
                f"postgres://{credentials}{host}{port}/{db_name}",
                f"server {host}{port}, database {db_name!r}",
            )
        finally:
            from django.db import connections

            connections.close_all()
            if keep:
                say(f"(database {db_name} kept)")
            else:
                admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    else:
        directory = tempfile.mkdtemp(prefix="tieshagai-bench-")
        try:
            yield f"sqlite:///{directory}/bench.sqlite3", "SQLite (temporary file)"
        finally:
            if keep:
                say(f"(database kept in {directory})")
            else:
                shutil.rmtree(directory, ignore_errors=True)


def setup_django(database_url: str, media_root: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["MEDIA_ROOT"] = media_root
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tieshagai.settings")
    import django
    from django.conf import settings

    django.setup()
    # No query log (it would grow with every query of the run).
    settings.DEBUG = False


def migrate() -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    return time.perf_counter() - started


def database_version() -> str:
    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "postgresql":
        return f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    return f"{connection.display_name} {connection.Database.sqlite_version}"


# --------------------------------------------------------------------------
# The registry before the import: geography and an administrator
# --------------------------------------------------------------------------


def create_geography():
    """The demo town's 12 villages and their groups (nothing else)."""
    from django.contrib.auth import get_user_model

    from households.models import County, PolicyYear, Town, Village, VillagerGroup

    data = json.loads(DEMO_FIXTURE.read_text(encoding="utf-8"))
    county, _ = County.objects.get_or_create(code=data["county"]["code"], defaults=data["county"])
    town = Town.objects.create(county=county, **data["town"])
    villages = {}
    for spec in data["villages"]:
        village = Village.objects.create(town=town, name=spec["name"])
        VillagerGroup.objects.bulk_create(
            VillagerGroup(village=village, name=f"{n}组", number=n)
            for n in range(1, spec["groups"] + 1)
        )
        villages[village.name] = spec["groups"]
    PolicyYear.objects.create(
        province_name=county.province, year=2020, poverty_line=Decimal("4000")
    )
    admin = get_user_model().objects.create_superuser("bench-admin", password=None)
    return villages, admin


# --------------------------------------------------------------------------
# (a) The generated ledger
# --------------------------------------------------------------------------

HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
SIZE_WEIGHTS = (30, 34, 19, 11, 4, 2)  # mean ≈ 2.3 persons


class LedgerGenerator:
    """Households and members with valid, unique, consistent values.

    Rows are dicts by column key holding both the stored value (for the
    import-export run) and the ledger text (labels, 是/否) for the sheet.
    """

    def __init__(self, villages: dict[str, int], seed: int):
        from households import rules
        from households.choices import (
            DibaoClass,
            DisabilityKind,
            EducationLevel,
            HouseholdAttribute,
            Labour,
            MedicalInsurance,
            PovertyCause,
            PovertyStatus,
            Relation,
            SchoolStatus,
        )

        self.rules = rules
        self.random = random.Random(seed)  # noqa: S311 (made-up data, reproducible)
        self.villages = list(villages.items())
        self.serial = defaultdict(int)  # birth date → ID numbers issued
        self.PovertyCause = PovertyCause
        self.causes = list(PovertyCause.values)
        self.attributes = [
            (HouseholdAttribute.GENERAL, 60),
            (HouseholdAttribute.DIBAO, 34),
            (HouseholdAttribute.TEKUN, 5),
            (HouseholdAttribute.DIBAO_TEKUN, 1),
        ]
        self.dibao_classes = list(DibaoClass.values)
        # A new household comes in 未脱贫 (or 返贫): a ledger cannot mark it
        # lifted without the lifting check, which needs assessed guarantees.
        self.statuses = [
            (PovertyStatus.NOT_LIFTED, 95),
            (PovertyStatus.RETURNED, 5),
        ]
        self.Relation = Relation
        self.disability_kinds = list(DisabilityKind.values)
        self.labours = list(Labour.values)
        self.EducationLevel = EducationLevel
        self.SchoolStatus = SchoolStatus
        self.MedicalInsurance = MedicalInsurance

    def pick(self, weighted):
        values, weights = zip(*weighted, strict=True)
        return self.random.choices(values, weights)[0]

    def birth(self, first_year: int, last_year: int) -> date:
        start = date(first_year, 1, 1)
        return start + timedelta(days=self.random.randrange((date(last_year, 12, 31) - start).days))

    def id_number(self, birth: date, male: bool) -> str:
        issued = self.serial[birth]
        self.serial[birth] += 1
        if issued >= 500:
            raise RuntimeError("more than 500 people of one sex share a birth date")
        body = f"150927{birth:%Y%m%d}{issued * 2 + (1 if male else 0):03d}"
        return body + self.rules.id_check_digit(body)

    def name(self) -> str:
        given = "".join(self.random.sample(GIVEN, self.random.choice((1, 2))))
        return self.random.choice(SURNAMES) + given

    def money(self, low: int, high: int, zero_share: float = 0.0) -> Decimal:
        if self.random.random() < zero_share:
            return Decimal("0.00")
        return Decimal(self.random.randrange(low * 100, high * 100)) / 100

    def households(self, members: int):
        """Yield (household dict, [member dicts]) until ``members`` are made."""
        made = number = 0
        while made < members:
            size = min(self.random.choices(HOUSEHOLD_SIZES, SIZE_WEIGHTS)[0], members - made)
            number += 1
            made += size
            yield self.household(number, size)

    def household(self, number: int, size: int):
        village_index = self.random.randrange(len(self.villages))
        village, groups = self.villages[village_index]
        attribute = self.pick(self.attributes)
        identified = self.random.randrange(2014, 2020)
        main = self.random.choice(self.causes)
        others = self.random.sample([c for c in self.causes if c != main], self.random.randrange(3))
        is_dibao = attribute in ("dibao", "dibao_tekun")
        is_tekun = attribute in ("tekun", "dibao_tekun")
        h = {
            "number": f"15092710{village_index + 1:02d}{number:07d}",
            "village": village,
            "group": f"{self.random.randrange(1, groups + 1)}组",
            "identified_year": identified,
            "identification_kind": self.random.choice(("kept", "new")),
            "attribute": attribute,
            "dibao_class": self.random.choice(self.dibao_classes) if is_dibao else "",
            "tekun_kind": "dispersed" if is_tekun else "",
            "main_cause": main,
            "other_causes": others,
            "phone": f"13{self.random.randrange(10**9):09d}",
            "status": self.pick(self.statuses),
            "size": size,
            "income_year": 2020,
            "wage_income": self.money(0, 30000, 0.3),
            "production_income": self.money(0, 20000, 0.2),
            "property_income": self.money(0, 3000, 0.6),
            "transfer_dibao": self.money(1000, 4000) if is_dibao else Decimal("0.00"),
            "transfer_tekun": self.money(4000, 8000) if is_tekun else Decimal("0.00"),
            "transfer_pension": self.money(1000, 2000, 0.5),
            "transfer_eco": self.money(100, 1500, 0.5),
            "transfer_subsidy": self.money(100, 2000, 0.4),
            "transfer_relief": self.money(100, 1000, 0.8),
            "transfer_other": self.money(100, 500, 0.8),
        }
        h["production_cost"] = (h["production_income"] * Decimal("0.4")).quantize(Decimal("0.01"))
        components = self.rules.IncomeComponents(
            wage=h["wage_income"],
            production_income=h["production_income"],
            production_cost=h["production_cost"],
            property_income=h["property_income"],
            transfer_income=sum((h[k] for k in h if k.startswith("transfer_")), Decimal("0.00")),
        )
        h["per_capita_income"] = self.rules.per_capita_income(components.net_income, size)
        start = date(identified, 3, 1) + timedelta(days=self.random.randrange(200))
        members = [self.member(self.Relation.HEAD, start, h)]
        relations = [self.Relation.SPOUSE, self.Relation.CHILD, self.Relation.CHILD]
        relations += [self.Relation.GRANDCHILD, self.Relation.PARENT, self.Relation.CHILD]
        for relation in relations[: size - 1]:
            members.append(self.member(relation, start, h))
        h["head_name"] = members[0]["name"]
        return h, members

    def member(self, relation, start: date, h: dict) -> dict:
        R = self.Relation
        years = {
            R.HEAD: (1940, 1985),
            R.SPOUSE: (1942, 1988),
            R.CHILD: (1990, 2014),
            R.GRANDCHILD: (2006, 2019),
            R.PARENT: (1928, 1955),
        }[relation]
        birth = self.birth(*years)
        male = self.random.random() < 0.5
        health = self.pick((("healthy", 70), ("chronic", 18), ("serious", 6), ("disabled", 6)))
        age = 2020 - birth.year
        if 6 <= age <= 15:
            school = self.SchoolStatus.IN_SCHOOL
            levels = (self.EducationLevel.PRIMARY, self.EducationLevel.JUNIOR)
            education = self.random.choice(levels)
        elif age < 6:
            school, education = self.SchoolStatus.NOT_STUDENT, self.EducationLevel.PRESCHOOL
        else:
            school = self.SchoolStatus.NOT_STUDENT
            education = self.random.choice(
                (
                    self.EducationLevel.ILLITERATE,
                    self.EducationLevel.PRIMARY,
                    self.EducationLevel.JUNIOR,
                    self.EducationLevel.SENIOR,
                )
            )
        return {
            "name": self.name(),
            "id_number": self.id_number(birth, male),
            "relation": relation,
            "ethnicity": self.random.choices(("汉族", "蒙古族", "回族"), (90, 8, 2))[0],
            "health": health,
            "illness": {"chronic": "高血压", "serious": "脑梗塞"}.get(health, ""),
            "disability_kind": self.random.choice(self.disability_kinds)
            if health == "disabled"
            else "",
            "disability_grade": self.random.randrange(1, 5) if health == "disabled" else None,
            "labour": self.random.choice(self.labours) if 16 <= age < 65 else "none",
            "education_level": education,
            "school_status": school,
            "medical_insurance": self.MedicalInsurance.RESIDENT,
            "on_dibao": h["attribute"] in ("dibao", "dibao_tekun"),
            "on_tekun": h["attribute"] in ("tekun", "dibao_tekun"),
            "joined_on": max(start, birth),
        }


class LedgerRows:
    """Sheet rows in the template's column order, as a village writes them:
    labels for choices, 是/否, household columns on the head's row only."""

    def __init__(self):
        from households.ledger.columns import COLUMNS

        self.columns = [
            (
                column.key,
                column.level == "household",
                column.kind,
                {str(v): label for v, label in column.choices},
            )
            for column in COLUMNS
        ]

    def cells(self, h: dict, m: dict, head_row: bool) -> list:
        row = []
        for key, household_level, kind, labels in self.columns:
            if household_level and not head_row:
                row.append(None)
                continue
            value = (h if household_level else m).get(key)
            if kind == "choices":
                value = "、".join(labels[str(v)] for v in value)
            elif kind == "choice" and value not in (None, ""):
                value = labels[str(value)]
            elif kind == "boolean":
                value = "是" if value else "否"
            row.append(None if value == "" else value)
        return row


def generate_ledger(villages: dict[str, int], members: int, seed: int):
    """(a): the .xlsx bytes and the number of households.

    The generated rows are not kept: the import's peak memory is measured
    without them, and (d) generates the same rows again from the seed.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    from households.ledger.columns import COLUMNS
    from households.ledger.export import LEDGER_SHEET, ledger_title

    generator = LedgerGenerator(villages, seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(LEDGER_SHEET)
    id_index = next(i for i, c in enumerate(COLUMNS) if c.key == "id_number")
    sheet.column_dimensions[get_column_letter(id_index + 1)].number_format = "@"
    sheet.append([ledger_title("铁沙盖镇")])
    sheet.append([c.title for c in COLUMNS])
    households = 0
    rows = LedgerRows()
    for h, people in generator.households(members):
        households += 1
        for index, m in enumerate(people):
            row = rows.cells(h, m, index == 0)
            cell = WriteOnlyCell(sheet, value=row[id_index])
            cell.data_type, cell.number_format = "s", "@"
            row[id_index] = cell
            sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), households


# --------------------------------------------------------------------------
# (b) Raw parse
# --------------------------------------------------------------------------


def raw_parse(data: bytes, sheet_name: str) -> tuple[float, int, int]:
    import python_calamine

    started = time.perf_counter()
    rows = (
        python_calamine.CalamineWorkbook.from_filelike(BytesIO(data))
        .get_sheet_by_name(sheet_name)
        .to_python()
    )
    elapsed = time.perf_counter() - started
    return elapsed, len(rows), sum(len(row) for row in rows)


# --------------------------------------------------------------------------
# (c) Our import
# --------------------------------------------------------------------------


class PhaseTimer:
    """Times the service's steps by wrapping the functions it calls."""

    STEPS = (
        ("ledger_upload", "upload (hash, store the file)"),
        ("read_ledger", "read (calamine + clean)"),
        ("_lock_households", "lock the households"),
        ("ledger_plan", "plan (validate + diff)"),
        ("_write", "apply (bulk write + history)"),
    )

    def __init__(self, module):
        self.module = module
        self.times: dict[str, float] = defaultdict(float)
        self.saved = {}

    def __enter__(self):
        for name, _label in self.STEPS:
            original = getattr(self.module, name, None)
            if original is None:
                continue
            self.saved[name] = original
            setattr(self.module, name, self.timed(name, original))
        return self

    def timed(self, name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.times[name] += time.perf_counter() - started

        return wrapper

    def __exit__(self, *exc):
        for name, original in self.saved.items():
            setattr(self.module, name, original)


class DatabaseTimer:
    """Times what PostgreSQL itself does with the rows: the COPY statements
    (the text streamed, parsed, inserted and indexed) and the commit (the
    deferred foreign-key checks and the WAL flush)."""

    def __enter__(self):
        from django.db import connection

        from households.ledger import copy

        self.elapsed = 0.0
        self.copy_module, self.copy = copy, copy._copy
        self.connection, self.commit = connection, connection._commit
        copy._copy = self.timed(copy._copy)
        connection._commit = self.timed(connection._commit)
        return self

    def timed(self, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.elapsed += time.perf_counter() - started

        return wrapper

    def __exit__(self, *exc):
        self.copy_module._copy = self.copy
        del self.connection._commit  # the instance attribute: the method shows again


def our_import(data: bytes, admin):
    from django.conf import settings

    from households.ledger import services

    # The file may be larger than the upload limit a town configures.
    settings.LEDGER_MAX_BYTES = max(services.max_bytes(), len(data) + 1)
    settings.LEDGER_MAX_ROWS = max(services.max_rows(), 10_000_000)
    gc.collect()
    baseline = rss_mb()
    resettable = peak_reset()
    with PhaseTimer(services) as timer, DatabaseTimer() as database:
        started = time.perf_counter()
        record = services.ledger_import_bytes(data=data, filename="台账.xlsx", user=admin)
        elapsed = time.perf_counter() - started
    timer.times["database"] = database.elapsed
    peak = peak_mb()
    return record, elapsed, timer, baseline, peak, resettable


def verify_import(villages: dict[str, int], members: int, seed: int) -> tuple[int, int, list]:
    """Compare what the import stored with the generated ledger (regenerated
    from the seed): every member's household, name, relation, joining date
    and 低保 flag, every household's village, group, attribute and income."""
    from households.models import Household, HouseholdIncome, Member

    stored_members = {
        row[0]: row[1:]
        for row in Member.objects.values_list(
            "id_number", "household__number", "name", "relation", "joined_on", "on_dibao"
        ).iterator(chunk_size=10_000)
    }
    stored_households = {
        row[0]: row[1:]
        for row in Household.objects.values_list(
            "number", "village__name", "group__name", "attribute"
        ).iterator(chunk_size=10_000)
    }
    wages = dict(HouseholdIncome.objects.values_list("household__number", "wage_income"))
    mismatches = []
    checked_households = checked_members = 0
    for h, people in LedgerGenerator(villages, seed).households(members):
        checked_households += 1
        want = (h["village"], h["group"], h["attribute"])
        if stored_households.get(h["number"]) != want or wages.get(h["number"]) != h["wage_income"]:
            mismatches.append((h["number"], stored_households.get(h["number"]), want))
        for m in people:
            checked_members += 1
            want = (h["number"], m["name"], m["relation"], m["joined_on"], m["on_dibao"])
            if stored_members.get(m["id_number"]) != want:
                mismatches.append((m["id_number"], stored_members.get(m["id_number"]), want))
    return checked_households, checked_members, mismatches


# --------------------------------------------------------------------------
# (d) django-import-export's default ModelResource
# --------------------------------------------------------------------------


def member_fields() -> tuple[str, ...]:
    from households.models import MEMBER_ATTRIBUTE_FIELDS

    return ("household", "name", "id_number", *MEMBER_ATTRIBUTE_FIELDS, "joined_on")


def member_resource():
    from import_export import fields, resources, widgets

    from households.models import Household, Member

    class MemberResource(resources.ModelResource):
        household = fields.Field(
            attribute="household",
            column_name="household",
            widget=widgets.ForeignKeyWidget(Household, "number"),
        )

        class Meta:
            model = Member
            import_id_fields = ("id_number",)
            fields = member_fields()

    return MemberResource()


def import_export_run(villages: dict[str, int], members: int, seed: int, sample: int):
    """Delete the members, then import the first ``sample`` member rows of the
    generated ledger (the same rows, generated again) with the resource."""
    import tablib
    from django.db import connection

    from households.models import Member

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Member._meta.db_table}")  # noqa: S608 (model's own table)
    names = member_fields()
    dataset = tablib.Dataset(headers=list(names))
    for h, people in LedgerGenerator(villages, seed).households(members):
        for m in people:
            if len(dataset) >= sample:
                break
            dataset.append([h["number"] if name == "household" else m[name] for name in names])
        if len(dataset) >= sample:
            break
    resource = member_resource()
    started = time.perf_counter()
    result = resource.import_data(dataset, dry_run=False, use_transactions=True)
    elapsed = time.perf_counter() - started
    return result, elapsed, len(dataset), Member.objects.count()


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000, help="members (rows) to import")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="server to run on (a separate database is created there); default DATABASE_URL",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=10_000,
        help="rows for django-import-export when N is larger (extrapolated); 0 = all rows",
    )
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--db-name",
        default=os.environ.get("BENCH_DB") or BENCH_DB,
        help=f"name of the database created for the run (default {BENCH_DB})",
    )
    args = parser.parse_args(argv)
    members = args.members

    media = tempfile.mkdtemp(prefix="tieshagai-bench-media-")
    try:
        with bench_database(args.database_url, args.keep_db, args.db_name) as (url, where):
            setup_django(url, media)
            return run(args, members, where)
    finally:
        shutil.rmtree(media, ignore_errors=True)


def run(args, members: int, where: str) -> int:
    import django

    from households.ledger.columns import COLUMNS
    from households.ledger.export import LEDGER_SHEET

    say("=" * 72)
    say(f"Ledger import benchmark — {members:,} members")
    say("=" * 72)
    migrated = migrate()
    say(f"database       {database_version()} — {where}")
    say(f"               created and migrated in {seconds(migrated)} (dropped at the end)")
    say(
        f"python         {platform.python_version()}, Django {django.get_version()}, "
        f"{os.cpu_count()} CPU, {platform.machine()}"
    )
    villages, admin = create_geography()

    # (a)
    started = time.perf_counter()
    data, household_count = generate_ledger(villages, members, args.seed)
    generated = time.perf_counter() - started
    say()
    say("(a) generated ledger (openpyxl write-only; not part of any ratio)")
    say(
        f"    {members:,} members in {household_count:,} households "
        f"({members / household_count:.2f} per household), {len(villages)} villages, "
        f"{len(COLUMNS)} columns (the standard template's)"
    )
    say(f"    file size {len(data) / 1024 / 1024:,.1f} MB, generated in {seconds(generated)}")

    # (b)
    runs = [raw_parse(data, LEDGER_SHEET) for _ in range(3)]
    parse_time = min(r[0] for r in runs)
    _elapsed, sheet_rows, cells = runs[0]
    say()
    say("(b) raw parse: python-calamine, every cell of the sheet, no cleaning")
    say(
        f"    {sheet_rows:,} rows × {cells // max(sheet_rows, 1)} columns in "
        f"{seconds(parse_time)} (best of 3: {', '.join(f'{r[0]:.2f}' for r in runs)} s) — "
        f"{rate(sheet_rows, parse_time)}"
    )

    # (c)
    from households.models import Household, HouseholdIncome, HouseholdStatusPeriod, Member

    record, ours, timer, baseline, peak, resettable = our_import(data, admin)
    say()
    say("(c) our import: ledger_import_bytes (upload + parse + clean + validate + plan")
    say("    + bulk write + history + import record) into an empty registry")
    ok = record.status == "applied"
    say(f"    status {record.status}; {seconds(ours)} — {rate(members, ours)}")
    accounted = 0.0
    for name, label in PhaseTimer.STEPS:
        if name in timer.times:
            accounted += timer.times[name]
            say(f"      {label:<32} {seconds(timer.times[name]):>10}")
    say(f"      {'other (record, preview, commit)':<32} {seconds(ours - accounted):>10}")
    database = timer.times.get("database", 0.0)
    say(
        f"    of which PostgreSQL's own work (COPY statements + commit): {seconds(database)}; "
        f"raw parse + that alone = {(parse_time + database) / parse_time:.2f}× the raw parse"
    )
    memory_note = "" if resettable else " (process peak since start: no peak reset here)"
    say(
        f"    peak memory (RSS) {peak:,.0f} MB, {peak - (baseline or 0):,.0f} MB above the "
        f"{baseline or 0:,.0f} MB before the import{memory_note}"
    )
    stored = {
        "households": Household.objects.count(),
        "members": Member.objects.count(),
        "incomes": HouseholdIncome.objects.count(),
        "status periods": HouseholdStatusPeriod.objects.count(),
        "member history": Member.history.count(),
    }
    say("    stored: " + ", ".join(f"{v:,} {k}" for k, v in stored.items()))
    if not ok or stored["members"] != members or stored["households"] != household_count:
        errors = (record.preview or {}).get("errors", [])[:5]
        say(f"    !! the import did not store the ledger: {record.error_message} {errors}")
    else:
        checked_h, checked_m, mismatches = verify_import(villages, members, args.seed)
        say(
            f"    checked against the generated ledger: {checked_h:,} households, "
            f"{checked_m:,} members, {len(mismatches):,} differences"
            + (f" — first: {mismatches[:3]}" if mismatches else "")
        )
        ok = ok and not mismatches

    # (d)
    sample = members if args.sample <= 0 else min(args.sample, members)
    result, ie_time, ie_rows, ie_stored = import_export_run(villages, members, args.seed, sample)
    ie_rate = ie_rows / ie_time
    ie_total = members / ie_rate
    say()
    say("(d) django-import-export: plain ModelResource for Member (import_id_fields")
    say("    id_number, ForeignKeyWidget for the household by number), tablib Dataset,")
    say("    import_data(dry_run=False, use_transactions=True), into the same households")
    say(
        f"    {ie_rows:,} rows in {seconds(ie_time)} — {rate(ie_rows, ie_time)}; "
        f"errors {result.has_errors()}, validation errors {result.has_validation_errors()}, "
        f"{ie_stored:,} members stored"
    )
    if ie_rows < members:
        say(
            f"    measured on a sample of {ie_rows:,} rows, extrapolated linearly to "
            f"{members:,}: {seconds(ie_total)}"
        )

    # (e)
    parse_ratio = ours / parse_time
    speedup = ie_total / ours
    say()
    say("(e) against the targets (issue 4)")
    say(
        f"    end to end ÷ raw parse   = {seconds(ours)} ÷ {seconds(parse_time)} = "
        f"{parse_ratio:.2f}×  (target ≤ {TARGET_PARSE_RATIO:g}×)  "
        f"{verdict(ok and parse_ratio <= TARGET_PARSE_RATIO)}"
    )
    extrapolated = " (extrapolated)" if ie_rows < members else ""
    say(
        f"    import-export ÷ ours     = {seconds(ie_total)}{extrapolated} ÷ {seconds(ours)} = "
        f"{speedup:.1f}×  (target ≥ {TARGET_SPEEDUP:g}×)  "
        f"{verdict(ok and speedup >= TARGET_SPEEDUP)}"
    )
    say(
        f"    peak memory of the import = {peak:,.0f} MB  (target < {TARGET_MEMORY_MB} MB)  "
        f"{verdict(peak < TARGET_MEMORY_MB)}"
    )
    say("=" * 72)
    return 0


if __name__ == "__main__":
    sys.exit(main())
