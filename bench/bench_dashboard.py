# ruff: noqa: S608, E501
# (The SQL here is written by hand on purpose, from constants: no input reaches it.)
"""Benchmark of the leaders' dashboard (a script that prints figures, not a test).

    .venv/bin/python bench/bench_dashboard.py [--households 100000,1000000] [--database-url URL]
    make bench-dashboard            # on PostgreSQL (PG_URL), 100,000 then 1,000,000 households

On a database of its own (``tieshagai_bench_dash`` on the server of the URL,
created, migrated and dropped at the end; the database the URL names is never
touched) it fills the registry in SQL (``INSERT … SELECT generate_series``)
to a county's size (100,000 registered households, ~230,000 members) and then
a province's (1,000,000 households), with status periods since 2014, members,
incomes, guarantees, populations, measures, rectification problems and
census checks. At each size it prints:

(a) the dashboard's server time: the view rendered through Django's test
    client as a leader (the whole town), best and median of five, and its
    number of SQL queries;
(b) the same figures computed by hand-written SQL (one statement per block
    of figures, written for PostgreSQL by hand), best and median of five,
    timed in turn with (a) so that both meet the same load of the machine;
(c) the time of each block of the dashboard's selectors beside its
    hand-written twin;
(d) the ratios against the targets: dashboard ≤ 1.5 × the hand-written SQL,
    and under 1 s at 1,000,000 households. PASS/MISS, never an assertion;
(e) (a) and (b) again with ``work_mem`` raised from PostgreSQL's 4MB;
(f) the dashboard and the work report kept in the cache
    (``REPORTS_CACHE_SECONDS``, ``reports.caching``): the request that
    computes and keeps them, the requests that find them kept (best and
    median of five, number of queries) and the size of the kept entry.
    (a)-(e) run with ``REPORTS_CACHE_SECONDS = 0``: every request computes.

The census data-quality rules (``census.selectors.census_progress``: nine
rules, one of them the ID-number check digit in Python) have no hand-written
twin, and at these sizes they take far longer than everything else together:
they are timed on their own (given up after ``--census-limit`` seconds), and
(a)-(e) run with them answering zeros. With them, the page takes the census
time on top (printed when it finishes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "tieshagai_bench_dash"
#: The generated town (beside the demo town when the load test adds a county).
BENCH_TOWN = "基准测试镇"
BENCH_COUNTY = "基准测试县"
BENCH_ROUND = "基准测试检查"
#: The generated towns' villages (the towns of the generated county).
BENCH_VILLAGES = (
    "(SELECT v.id FROM households_village v JOIN households_town t ON t.id = v.town_id"
    f" JOIN households_county c ON c.id = t.county_id WHERE c.name = '{BENCH_COUNTY}')"
)
AS_OF = date(2020, 5, 31)
YEAR = 2020
TARGET_RATIO = 1.5
TARGET_SECONDS = 1.0
RUNS = 5
WORK_MEM = "64MB"


def say(text: str = "") -> None:
    print(text, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# --------------------------------------------------------------------------
# The database
# --------------------------------------------------------------------------


@contextmanager
def bench_database(url: str, keep: bool):
    """Yield the URL of a fresh PostgreSQL database; drop it afterwards."""
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("bench_dashboard needs PostgreSQL: --database-url postgres://…")
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

    name = sql.Identifier(BENCH_DB)
    admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    admin(sql.SQL("CREATE DATABASE {}").format(name))
    user = config.get("USER") or ""
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = config.get("HOST") or "localhost"
    port = f":{config['PORT']}" if config.get("PORT") else ""
    try:
        yield f"postgres://{credentials}{host}{port}/{BENCH_DB}", f"{host}{port}/{BENCH_DB}"
    finally:
        from django.db import connections

        connections.close_all()
        if keep:
            say(f"(database {BENCH_DB} kept)")
        else:
            admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tieshagai.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False  # no query log growing with every query
    settings.DEFAULT_AS_OF = AS_OF
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    settings.REPORTS_CACHE_SECONDS = 0  # (a)-(e) time the computation; (f) the cache


# --------------------------------------------------------------------------
# Filling the registry in SQL
# --------------------------------------------------------------------------


def execute(statement: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def insert_select(model, columns: dict[str, str], source: str) -> int:
    """``INSERT INTO <model> (…) SELECT … FROM <source>``.

    ``columns`` maps column names to SQL expressions; every other column of
    the model gets its field's default (or NULL), so that the statement keeps
    working when an app adds a column with a default.
    """
    from django.db import connection
    from django.db.models import NOT_PROVIDED

    values = dict(columns)
    with connection.cursor() as cursor:
        for field in model._meta.concrete_fields:
            column = field.column
            if column in values or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                values[column] = "now()"
            elif field.default is not NOT_PROVIDED:
                default = field.get_default()
                if isinstance(default, list | dict):
                    default = json.dumps(default)
                values[column] = cursor.mogrify("%s", [default]).decode()
            elif field.null:
                values[column] = "NULL"
            else:
                values[column] = "''"
    names = ", ".join(f'"{c}"' for c in values)
    expressions = ", ".join(values.values())
    return execute(
        f"INSERT INTO {model._meta.db_table} ({names}) SELECT {expressions} FROM {source}"
    )


def create_town(villages: int, *, towns: int = 1):
    """A county of ``towns`` towns (the first named ``BENCH_TOWN``) with
    ``villages`` villages between them (5 groups each), policy years and programmes."""
    from households.models import County, PolicyYear, Town, Village, VillagerGroup
    from measures.models import Programme
    from rectification.models import InspectionRound

    county, _ = County.objects.get_or_create(
        name=BENCH_COUNTY, defaults={"code": "159999000000", "province": "内蒙古自治区"}
    )
    made = [
        Town.objects.create(
            county=county,
            name=BENCH_TOWN if t == 0 else f"{BENCH_TOWN}{t + 1}",
            area_km2=Decimal("252"),
        )
        for t in range(towns)
    ]
    kinds = ["deep", "key", "none", "none"]
    Village.objects.bulk_create(
        Village(
            town=made[i * towns // villages],
            name=f"第{i + 1:04d}村",
            poor_village_kind=kinds[i % 4],
            exit_year=(2016 + i % 4) if kinds[i % 4] != "none" else None,
        )
        for i in range(villages)
    )
    VillagerGroup.objects.bulk_create(
        VillagerGroup(village=v, name=f"{n}组", number=n)
        for v in Village.objects.filter(town__in=made)
        for n in range(1, 6)
    )
    lines = {2014: 2800, 2015: 2855, 2016: 2952, 2017: 3335, 2018: 3535, 2019: 3747, 2020: 4000}
    for y, line in lines.items():  # a town already there (the demo) has them
        PolicyYear.objects.get_or_create(
            province_name=county.province, year=y, defaults={"poverty_line": Decimal(line)}
        )
    specs = [
        ("城乡居民医疗保险个人缴费补贴", "medical", "insurance_subsidy", "person", "person", 145),
        ("危房改造", "housing", "renovation", "household", "lump", 0),
        ("产业奖补", "industry", "menu_subsidy", "household", "lump", 0),
        ("光伏收益分配", "industry", "photovoltaic", "household", "household", 3000),
        ("保洁员", "employment", "public_post", "person", "post_year", 3600),
        ("扶贫小额信贷", "finance", "microcredit", "household", "lump", 0),
        ("民政临时救助", "civil_relief", "relief", "household", "lump", 0),
    ]
    for name, category, kind, target, unit, amount in specs:
        Programme.objects.get_or_create(
            year=YEAR,
            name=f"{name}(基准测试)",
            defaults={
                "category": category,
                "kind": kind,
                "target": target,
                "unit": unit,
                "standard_amount": Decimal(amount),
            },
        )
    InspectionRound.objects.get_or_create(
        name=BENCH_ROUND, defaults={"kind": "survey", "year": YEAR}
    )


def add_county(households: int, *, villages: int = 200) -> dict[str, float]:
    """A county's registry beside what the database holds (the load test's
    demo town): a town of ``villages`` villages and ``households`` households."""
    create_town(villages)
    return fill(1, households)


def fill(first: int, last: int) -> dict[str, float]:
    """Households ``first``…``last`` (numbers) with everything the dashboard reads."""
    from census.models import HouseholdCheck
    from households.models import (
        GuaranteeAssessment,
        Household,
        HouseholdIncome,
        HouseholdStatusPeriod,
        Member,
    )
    from measures.models import MeasureApplication, Programme
    from rectification.models import InspectionRound, Problem

    timings = {}

    def step(name, fn):
        started = time.perf_counter()
        fn()
        timings[name] = time.perf_counter() - started

    series = f"generate_series({first}, {last}) AS g(n)"
    villages = f"(SELECT array_agg(id ORDER BY id) AS ids FROM households_village WHERE id IN {BENCH_VILLAGES}) AS v"
    causes = "'{illness,disability,schooling,lack_labour,lack_skills,lack_funds,lack_land,lack_water,low_motivation}'::text[]"
    step(
        "households",
        lambda: insert_select(
            Household,
            {
                "number": "'B' || lpad(g.n::text, 9, '0')",
                "village_id": "v.ids[1 + g.n % array_length(v.ids, 1)]",
                "identified_year": "2014 + (ARRAY[0,0,0,0,0,1,1,2,3,4])[1 + g.n % 10]",
                "identification_kind": "'kept'",
                "attribute": "CASE WHEN g.n % 10 IN (1, 2, 5) THEN 'dibao' "
                "WHEN g.n % 50 = 3 THEN 'tekun' ELSE 'general' END",
                "dibao_class": "CASE WHEN g.n % 10 IN (1, 2, 5) THEN 'B' ELSE '' END",
                "main_cause": f"({causes})[1 + (g.n / 7) % 9]",
            },
            f"{series}, {villages}",
        ),
    )
    numbers = f"number BETWEEN 'B{first:09d}' AND 'B{last:09d}'"
    # Status periods: identified (not lifted) from 15 October of the year;
    # 98.6 % lifted on 10 December of a later year (5 % of them stable since
    # the May 2020 adjustment), 1.2 % still not lifted, 0.2 % removed in 2018.
    lifted_year = "LEAST(h.identified_year + 1 + h.id % 3, 2019)"
    # (Removed in March 2018: only households identified before then.)
    fate = (
        "CASE WHEN h.id % 1000 < 12 THEN 'poor' WHEN h.id % 1000 < 14 AND h.identified_year < 2018"
        " THEN 'removed' ELSE 'lifted' END"
    )
    source = f"(SELECT h.*, {fate} AS fate FROM households_household h WHERE {numbers}) AS h"
    step(
        "status periods",
        lambda: (
            insert_select(
                HouseholdStatusPeriod,
                {
                    "household_id": "h.id",
                    "status": "'0'",
                    "valid_from": "make_date(h.identified_year::int, 10, 15)",
                    "valid_to": "CASE h.fate WHEN 'poor' THEN NULL WHEN 'removed' "
                    "THEN date '2018-03-01' ELSE make_date((" + lifted_year + ")::int, 12, 10) END",
                    "reason": "'识别为贫困户'",
                },
                source,
            ),
            insert_select(
                HouseholdStatusPeriod,
                {
                    "household_id": "h.id",
                    "status": "'natural'",
                    "valid_from": "date '2018-03-01'",
                    "reason": "'自然减少'",
                },
                source + " WHERE h.fate = 'removed'",
            ),
            insert_select(
                HouseholdStatusPeriod,
                {
                    "household_id": "h.id",
                    "status": "'1'",
                    "valid_from": "make_date((" + lifted_year + ")::int, 12, 10)",
                    "valid_to": "CASE WHEN h.id % 100 < 5 THEN date '2020-05-20' END",
                    "reason": "'达到脱贫标准'",
                },
                source + " WHERE h.fate = 'lifted'",
            ),
            insert_select(
                HouseholdStatusPeriod,
                {
                    "household_id": "h.id",
                    "status": "'4'",
                    "valid_from": "date '2020-05-20'",
                    "reason": "'动态调整'",
                },
                source + " WHERE h.fate = 'lifted' AND h.id % 100 < 5",
            ),
        ),
    )
    # Members: 1–5 per household (mean 2.3); ID numbers of a neighbouring county
    # (150926: never those of the demo town), valid (GB 11643 check
    # digit) and unique, read off a serial: birth date and sequence number.
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]  # GB 11643
    check = " + ".join(f"substr(b.body, {i + 1}, 1)::int * {w}" for i, w in enumerate(weights))
    body = "'150926' || to_char(s.birth, 'YYYYMMDD') || lpad(((s.serial / 29000) % 1000)::text, 3, '0')"
    members = (
        "(SELECT s.*, " + body + " AS body FROM ("
        "  SELECT h.id AS household_id, h.identified_year, h.attribute, i,"
        "         h.id * 8 + i AS serial,"
        "         date '1940-01-01' + ((h.id * 8 + i) % 29000)::int AS birth"
        "  FROM households_household h"
        "  CROSS JOIN LATERAL generate_series(1, (ARRAY[1,1,1,2,2,2,2,3,4,5])[1 + h.id % 10]) i"
        f"  WHERE h.{numbers}) s) AS b"
    )
    age = "date_part('year', age(date '2020-05-31', b.birth))"
    step(
        "members",
        lambda: insert_select(
            Member,
            {
                "household_id": "b.household_id",
                "name": "'成员' || b.serial",
                "id_number": "b.body || substr('10X98765432', (" + check + ") % 11 + 1, 1)",
                "sex": "CASE WHEN ((b.serial / 29000) % 1000) % 2 = 1 THEN 'M' ELSE 'F' END",
                "birth_date": "b.birth",
                "relation": "CASE b.i WHEN 1 THEN 'head' WHEN 2 THEN 'spouse' ELSE 'child' END",
                "school_status": f"CASE WHEN {age} BETWEEN 7 AND 22 THEN 'in_school' "
                "ELSE 'not_student' END",
                "education_level": f"CASE WHEN {age} BETWEEN 7 AND 12 THEN 'primary' "
                f"WHEN {age} BETWEEN 13 AND 15 THEN 'junior' WHEN {age} BETWEEN 16 AND 18 "
                f"THEN 'senior' WHEN {age} BETWEEN 19 AND 22 THEN 'college' ELSE 'junior' END",
                "on_dibao": "b.attribute = 'dibao'",
                "on_tekun": "b.attribute = 'tekun' AND b.i = 1",
                "joined_on": "GREATEST(make_date(b.identified_year::int, 10, 15), b.birth)",
            },
            members,
        ),
    )
    hh = f"households_household h WHERE h.{numbers}"
    step(
        "incomes, guarantees",
        lambda: (
            insert_select(
                HouseholdIncome,
                {
                    "household_id": "h.id",
                    "year": str(YEAR),
                    "assessed_on": "date '2020-05-31'",
                    "wage_income": "3000 + (h.id % 17) * 700",
                    "transfer_pension": "600",
                },
                hh,
            ),
            insert_select(
                GuaranteeAssessment,
                {
                    "household_id": "h.id",
                    "assessed_on": "date '2020-05-15'",
                    "food_ok": "true",
                    "clothing_ok": "true",
                    "housing_grade": "CASE WHEN h.id % 97 = 0 THEN 'D' ELSE 'B' END",
                    "water_ok": "true",
                },
                hh,
            ),
        ),
    )
    programmes = dict(
        Programme.objects.filter(year=YEAR, name__endswith="(基准测试)").values_list("kind", "pk")
    )
    enjoying = (
        "households_member m JOIN households_household h ON h.id = m.household_id "
        f"WHERE h.{numbers} AND EXISTS (SELECT 1 FROM households_householdstatusperiod p "
        "WHERE p.household_id = h.id AND p.status IN ('0', '1', '3') "
        "AND p.valid_from <= date '2020-05-31' AND (p.valid_to IS NULL OR p.valid_to > date '2020-05-31'))"
    )
    step(
        "measures",
        lambda: (
            insert_select(
                MeasureApplication,
                {
                    "programme_id": str(programmes["insurance_subsidy"]),
                    "household_id": "m.household_id",
                    "member_id": "m.id",
                    "status": "'completed'",
                    "amount": "145",
                    "completed_on": "date '2020-01-10'",
                },
                enjoying,
            ),
            *(
                insert_select(
                    MeasureApplication,
                    {
                        "programme_id": str(programmes[kind]),
                        "household_id": "h.id",
                        "status": f"CASE WHEN h.id % 3 = 0 THEN 'in_progress' ELSE '{status}' END",
                        "amount": amount,
                        "renovation_kind": "'new_build'" if kind == "renovation" else "''",
                        "completed_on": f"CASE WHEN h.id % 3 <> 0 AND '{status}' = 'completed' "
                        "THEN date '2020-04-20' END",
                    },
                    f"{hh} AND h.id % {every} = {rest}",
                )
                for kind, every, rest, status, amount in (
                    ("renovation", 97, 0, "completed", "45000"),
                    ("menu_subsidy", 5, 1, "completed", "2000"),
                    ("photovoltaic", 10, 3, "completed", "3000"),
                    ("microcredit", 4, 2, "completed", "30000"),
                    ("relief", 50, 7, "planned", "1000"),
                )
            ),
        ),
    )

    def rectification_and_census():
        round_ = InspectionRound.objects.get(name=BENCH_ROUND)
        count = max((last - first + 1) // 1000, 1)
        problems = Problem.objects.bulk_create(
            Problem(
                inspection_round=round_,
                category="records",
                text=f"表册问题{first + i}",
                responsible_name="负责人",
                found_on=date(2020, 4, 15),
                deadline=date(2020, 5, 15) if i % 7 == 0 else date(2020, 6, 30),
                status="done" if i % 4 else "open",
                completed_on=date(2020, 5, 1) if i % 4 else None,
                completion_note="已整改" if i % 4 else "",
            )
            for i in range(count)
        )
        village_ids = list(Household.objects.values_list("village_id", flat=True).distinct())
        through = Problem.villages.through
        through.objects.bulk_create(
            through(problem_id=p.pk, village_id=village_ids[i % len(village_ids)])
            for i, p in enumerate(problems)
        )
        insert_select(
            HouseholdCheck,
            {
                "household_id": "h.id",
                "status": "(ARRAY['checked','approved','sent_back'])[1 + h.id % 3]",
                "review_note": "CASE WHEN h.id % 3 = 2 THEN '请补充' ELSE '' END",
                "checked_on": "date '2020-05-20'",
            },
            f"{hh} AND h.id % 10 < 3",
        )

    step("rectification, census", rectification_and_census)

    def populations():
        from households.models import VillagePopulation

        VillagePopulation.objects.filter(village__town__county__name=BENCH_COUNTY).delete()
        execute(
            "INSERT INTO households_villagepopulation (village_id, year, registered_households,"
            " registered_persons, resident_households, resident_persons)"
            " SELECT h.village_id, y, count(DISTINCT h.id) * 6, count(m.id) * 6,"
            " count(DISTINCT h.id) * 2, count(m.id) * 2"
            " FROM households_household h JOIN households_member m ON m.household_id = h.id"
            f" CROSS JOIN generate_series(2014, 2020) y WHERE h.village_id IN {BENCH_VILLAGES}"
            " GROUP BY h.village_id, y"
        )

    step("populations", populations)
    step("analyze", lambda: execute("VACUUM ANALYZE"))
    return timings


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------


def timed(fn, runs: int = RUNS) -> tuple[float, float]:
    """(best, median) of ``runs`` calls of ``fn``, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def dashboard_page(client, runs: int = RUNS):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/reports/?on={AS_OF.isoformat()}&year={YEAR}"

    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"the dashboard answered {response.status_code}")

    best, median = timed(get, runs=runs)
    with CaptureQueriesContext(connection) as queries:
        get()
    return best, median, len(queries.captured_queries)


def kept_pages(client, runs: int = RUNS) -> dict[str, tuple]:
    """The dashboard and the work report with ``REPORTS_CACHE_SECONDS`` on: for
    each, (the request that computes and keeps, best and median of the requests
    that find it kept, their number of queries, the kept entry's size in bytes)."""
    import pickle

    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports import caching, selectors

    query = f"on={AS_OF.isoformat()}&year={YEAR}"
    result = {}
    settings.REPORTS_CACHE_SECONDS = 3600  # no entry runs out while timed
    try:
        for kind, path in (("dashboard", "/reports/"), ("report", "/reports/report/")):

            def get(url=f"{path}?{query}"):
                response = client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")

            cache.clear()
            started = time.perf_counter()
            get(f"{path}?{query}&refresh=1")
            computed = time.perf_counter() - started
            best, median = timed(get, runs=runs)
            with CaptureQueriesContext(connection) as queries:
                get()
            key = caching.cache_key(kind, on=AS_OF, year=YEAR, scope=selectors.town_scope())
            size = len(pickle.dumps(cache.get(key), pickle.HIGHEST_PROTOCOL))
            result[kind] = (computed, best, median, len(queries.captured_queries), size)
    finally:
        settings.REPORTS_CACHE_SECONDS = 0
        cache.clear()
    return result


def selector_blocks():
    """The dashboard's selectors, block by block (as ``reports.selectors.dashboard`` calls them)."""
    from census.selectors import census_progress
    from households import selectors as registry
    from measures.selectors import category_totals, village_coverage
    from rectification.selectors import problem_counts, village_problem_counts
    from reports import selectors

    scope = selectors.town_scope()
    return {
        "by village and status, history": lambda: selectors.history(on=AS_OF),
        "低保 by village": lambda: registry.dibao_tallies_by_village(on=AS_OF),
        "五保, students, causes": lambda: (
            registry.tekun_persons(on=AS_OF),
            registry.students_by_level(on=AS_OF),
            selectors.live_causes(on=AS_OF),
        ),
        "populations, threshold": lambda: (
            registry.population_for_year(year=AS_OF.year),
            selectors.exit_thresholds(year=AS_OF.year, scope=scope),
        ),
        "measures": lambda: (category_totals(year=YEAR), village_coverage(year=YEAR)),
        "rectification": lambda: (
            problem_counts(on=AS_OF),
            village_problem_counts(on=AS_OF),
        ),
        "census progress": lambda: census_progress(on=AS_OF, villages=scope.villages),
    }


D = "DATE '2020-05-31'"
COVERS = f"p.valid_from <= {D} AND (p.valid_to IS NULL OR p.valid_to > {D})"
PRESENT = f"m.joined_on <= {D} AND (m.left_on IS NULL OR m.left_on > {D})"
REGISTERED = (
    "EXISTS (SELECT 1 FROM households_householdstatusperiod p WHERE p.household_id = h.id "
    f"AND p.status IN ('0','1','3','4') AND {COVERS})"
)


def history_sql() -> str:
    dates = [f"DATE '{y}-12-31'" for y in range(2014, 2020)] + [D]
    counts, members = [], []
    for i, d in enumerate(dates):
        covers = f"p.valid_from <= {d} AND (p.valid_to IS NULL OR p.valid_to > {d})"
        counts.append(f"count(*) FILTER (WHERE {covers}) AS h{i}")
        counts.append(f"coalesce(sum(mc.n{i}) FILTER (WHERE {covers}), 0) AS p{i}")
        members.append(
            f"count(*) FILTER (WHERE joined_on <= {d} AND (left_on IS NULL OR left_on > {d})) AS n{i}"
        )
    return (
        f"SELECT p.status, {', '.join(counts)} FROM households_householdstatusperiod p "
        f"LEFT JOIN (SELECT household_id, {', '.join(members)} FROM households_member "
        "GROUP BY household_id) mc ON mc.household_id = p.household_id GROUP BY p.status"
    )


#: The dashboard's figures, by hand: one statement per block of selectors.
HAND_WRITTEN = {
    "by village and status, history": [
        history_sql(),
        "SELECT h.village_id, p.status, count(*), coalesce(sum(mc.n), 0) "
        "FROM households_householdstatusperiod p JOIN households_household h ON h.id = p.household_id "
        f"LEFT JOIN (SELECT household_id, count(*) n FROM households_member m WHERE {PRESENT} "
        f"GROUP BY household_id) mc ON mc.household_id = p.household_id WHERE {COVERS} "
        "GROUP BY h.village_id, p.status",
    ],
    "低保 by village": [
        "SELECT h.village_id, count(*), count(DISTINCT m.household_id) FROM households_member m "
        "JOIN households_household h ON h.id = m.household_id "
        f"WHERE m.on_dibao AND {PRESENT} AND {REGISTERED} GROUP BY h.village_id"
    ],
    "五保, students, causes": [
        "SELECT count(*) FROM households_member m JOIN households_household h ON h.id = m.household_id "
        f"WHERE m.on_tekun AND {PRESENT} AND {REGISTERED}",
        "SELECT m.education_level, count(*) FROM households_member m "
        "JOIN households_household h ON h.id = m.household_id "
        f"WHERE m.school_status = 'in_school' AND {PRESENT} AND EXISTS (SELECT 1 FROM "
        "households_householdstatusperiod p WHERE p.household_id = h.id "
        f"AND p.status IN ('0','1','3') AND {COVERS}) GROUP BY m.education_level",
        f"SELECT h.main_cause, count(*) FROM households_household h WHERE {REGISTERED} "
        "GROUP BY h.main_cause",
    ],
    "populations, threshold": [
        "SELECT DISTINCT ON (village_id) * FROM households_villagepopulation WHERE year <= 2020 "
        "ORDER BY village_id, year DESC",
        "SELECT v.id, (SELECT p.village_exit_threshold FROM households_policyyear p "
        "WHERE p.year = 2020 AND p.province_name = c.province LIMIT 1) "
        "FROM households_village v JOIN households_town t ON t.id = v.town_id "
        "JOIN households_county c ON c.id = t.county_id",
    ],
    "measures": [
        "SELECT pr.category, count(DISTINCT a.household_id), count(DISTINCT a.member_id), "
        "count(*), count(*) FILTER (WHERE a.status = 'completed'), sum(a.amount) "
        "FROM measures_programme pr JOIN measures_measureapplication a ON a.programme_id = pr.id "
        "WHERE pr.year = 2020 AND a.status <> 'cancelled' GROUP BY pr.category",
        "SELECT h.village_id, count(DISTINCT a.household_id), count(DISTINCT a.member_id), "
        "count(*), count(*) FILTER (WHERE a.status = 'completed'), sum(a.amount) "
        "FROM measures_measureapplication a JOIN measures_programme pr ON pr.id = a.programme_id "
        "JOIN households_household h ON h.id = a.household_id "
        "WHERE pr.year = 2020 AND a.status <> 'cancelled' GROUP BY h.village_id",
    ],
    "rectification": [
        f"SELECT count(*) FILTER (WHERE found_on <= {D}), "
        f"count(*) FILTER (WHERE found_on <= {D} AND status = 'done'), "
        f"count(*) FILTER (WHERE found_on <= {D} AND status <> 'done'), "
        f"count(*) FILTER (WHERE found_on <= {D} AND status <> 'done' AND deadline < {D}) "
        "FROM rectification_problem",
        "SELECT pv.village_id, count(DISTINCT p.id) FILTER (WHERE p.status <> 'done'), "
        f"count(DISTINCT p.id) FILTER (WHERE p.status <> 'done' AND p.deadline < {D}) "
        "FROM rectification_problem_villages pv JOIN rectification_problem p ON p.id = pv.problem_id "
        f"WHERE p.found_on <= {D} GROUP BY pv.village_id",
    ],
    "census progress": [
        "SELECT h.village_id, count(*), count(*) FILTER (WHERE c.status IN ('checked','approved')), "
        "count(*) FILTER (WHERE c.status = 'approved'), count(*) FILTER (WHERE c.status = 'sent_back') "
        "FROM households_household h LEFT JOIN census_householdcheck c ON c.household_id = h.id "
        f"WHERE {REGISTERED} GROUP BY h.village_id"
    ],
}


def run_sql(statements):
    from django.db import connection

    def go():
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                cursor.fetchall()

    return go


def page_and_sql(client, statements, runs: int = RUNS):
    """The dashboard page and the hand-written SQL, timed in turn (one warm-up each)
    so that both meet the same load of the machine. (page best, median, SQL best,
    median, the page's number of queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/reports/?on={AS_OF.isoformat()}&year={YEAR}"

    def page():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"the dashboard answered {response.status_code}")

    sql = run_sql(statements)
    page()  # warm-up (session, permissions, connection)
    with CaptureQueriesContext(connection) as queries:
        page()
    count = len(queries.captured_queries)  # now: the next request clears the log
    sql()
    pages, sqls = [], []
    for _ in range(runs):
        for fn, times in ((page, pages), (sql, sqls)):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return (
        min(pages),
        statistics.median(pages),
        min(sqls),
        statistics.median(sqls),
        count,
    )


@contextmanager
def work_mem(size: str):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = %s", [size])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET work_mem")


@contextmanager
def statement_timeout(seconds: int):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {int(seconds * 1000)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")


@contextmanager
def census_rules_left_out():
    """``census.selectors.census_progress`` answering zeros at once (its rules not run)."""
    import census.selectors as census

    real = census.census_progress

    def zeros(*, on, villages=None):
        return [census.VillageCensusProgress(village=v) for v in villages or []]

    census.census_progress = zeros
    try:
        yield
    finally:
        census.census_progress = real


def measure(size: int, client, census_limit: int) -> dict:
    from django.db.utils import OperationalError

    from households.models import Household, Member

    say()
    say(
        f"--- {size:,} households ({Household.objects.count():,} rows, "
        f"{Member.objects.count():,} members) ---"
    )
    blocks = selector_blocks()
    census_block = blocks.pop("census progress")
    census_time = None
    try:
        with statement_timeout(census_limit):
            started = time.perf_counter()
            census_block()
            census_time = time.perf_counter() - started
    except OperationalError:
        pass
    all_sql = [s for statements in HAND_WRITTEN.values() for s in statements]
    with census_rules_left_out():
        page_best, page_median, sql_best, sql_median, queries = page_and_sql(client, all_sql)
    say(
        f"(a) dashboard page, census data-quality rules left out: best {ms(page_best)}, "
        f"median {ms(page_median)}, {queries} SQL queries"
    )
    with census_rules_left_out():
        kept = kept_pages(client)
    k_computed, k_best, k_median, k_queries, k_size = kept["dashboard"]
    say(
        f"    kept in the cache (REPORTS_CACHE_SECONDS): best {ms(k_best)}, median "
        f"{ms(k_median)}, {k_queries} SQL queries (computed and kept: {ms(k_computed)}; "
        f"entry {k_size / 1024:,.0f} KB) — see (f)"
    )
    if census_time is None:
        say(
            f"    census.selectors.census_progress (its nine rules) alone: did not finish "
            f"within {census_limit} s (statement timeout)"
        )
    else:
        say(f"    census.selectors.census_progress (its nine rules) alone: {ms(census_time)}")
        if census_time < census_limit:
            full, _median, _queries = dashboard_page(client, runs=1)
            say(f"    dashboard page with them: {ms(full)}")
    say("(c) block                       selectors     hand-written SQL   ratio")
    ours_total = 0.0
    for name, fn in blocks.items():
        ours, _ = timed(fn, runs=3)
        hand, _ = timed(run_sql(HAND_WRITTEN[name]), runs=3)
        ours_total += ours
        say(f"    {name:<27} {ms(ours):>10}   {ms(hand):>14}   {ours / hand:5.2f}×")
    say(
        f"(b) hand-written SQL, all blocks: best {ms(sql_best)}, median {ms(sql_median)} "
        f"({len(all_sql)} statements; census: check statuses only, no data-quality rule; "
        "timed in turn with (a))"
    )
    say(f"    selectors, all blocks but the census rules: {ms(ours_total)}")
    ratio = page_best / sql_best
    say(
        f"(d) page ÷ hand-written SQL: {ratio:.2f}× "
        f"(target ≤ {TARGET_RATIO}×: {verdict(ratio <= TARGET_RATIO)}); "
        f"page under {TARGET_SECONDS:.0f} s: {verdict(page_best < TARGET_SECONDS)}"
    )
    with work_mem(WORK_MEM), census_rules_left_out():
        tuned_page, _pm, tuned_sql, _sm, _q = page_and_sql(client, all_sql, runs=3)
    say(
        f"(e) with work_mem = {WORK_MEM} (server default 4MB): page {ms(tuned_page)}, "
        f"hand-written SQL {ms(tuned_sql)} (best of 3 each)"
    )
    say("(f) kept in the cache (REPORTS_CACHE_SECONDS), census data-quality rules left out:")
    for kind, (computed, best, median, count, nbytes) in kept.items():
        label = "dashboard" if kind == "dashboard" else "work report"
        say(
            f"    {label:<11} computed and kept {ms(computed)}; kept: best {ms(best)}, "
            f"median {ms(median)}, {count} SQL queries; entry {nbytes / 1024:,.0f} KB"
        )
    return {
        "kept": k_best,
        "tuned_page": tuned_page,
        "size": size,
        "page": page_best,
        "sql": sql_best,
        "queries": queries,
        "ratio": ratio,
        "census": census_time,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--households",
        default="100000,1000000",
        help="comma-separated registry sizes to reach, in order (default 100000,1000000)",
    )
    parser.add_argument("--villages", type=int, default=200, help="villages (default 200)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="PostgreSQL server to run on (a separate database is created there)",
    )
    parser.add_argument(
        "--census-limit",
        type=int,
        default=120,
        help="seconds census_progress may take before it is given up (default 120)",
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.households.split(",") if s]

    with bench_database(args.database_url, args.keep_db) as (url, where):
        setup_django(url)
        import django
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        say("=" * 78)
        say(
            f"Dashboard benchmark — {', '.join(f'{s:,}' for s in sizes)} households, "
            f"{args.villages} villages, as of {AS_OF}"
        )
        say("=" * 78)
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        connection.ensure_connection()
        say(
            f"database       PostgreSQL {connection.pg_version // 10000} — {where} "
            f"(migrated in {time.perf_counter() - started:.1f} s, dropped at the end)"
        )
        say(
            f"python         {platform.python_version()}, Django {django.get_version()}, "
            f"{os.cpu_count()} CPU"
        )
        create_town(args.villages)
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from households import roles

        leader = get_user_model().objects.create_user("bench-leader", password=None)
        leader.groups.add(Group.objects.get(name=roles.LEADER))
        client = Client()
        client.force_login(leader)

        results, filled = [], 0
        for size in sizes:
            timings = fill(filled + 1, size)
            filled = size
            say()
            say(
                f"filled to {size:,} households in {sum(timings.values()):.1f} s ("
                + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
                + ")"
            )
            results.append(measure(size, client, args.census_limit))
        say()
        say("Summary (page: the dashboard view without the census data-quality rules)")
        for r in results:
            census = "did not finish" if r["census"] is None else ms(r["census"])
            say(
                f"  {r['size']:>9,} households: page {ms(r['page'])} ({r['queries']} queries), "
                f"hand-written SQL {ms(r['sql'])}, ratio {r['ratio']:.2f}× "
                f"[{verdict(r['ratio'] <= TARGET_RATIO)}], under {TARGET_SECONDS:.0f} s "
                f"[{verdict(r['page'] < TARGET_SECONDS)}]; census rules {census}; "
                f"with work_mem {WORK_MEM}: page {ms(r['tuned_page'])}; "
                f"kept in the cache: page {ms(r['kept'])}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
