# ruff: noqa: E501
"""Benchmark of the figures read from the summary tables (a script that prints
figures, not a test).

    .venv/bin/python bench/bench_summaries.py [--households 100000,1000000] [--towns 20 --villages 2000]
    make bench-dashboard            # on PostgreSQL (PG_URL)

On a database of its own (``tieshagai_bench_dash``, created, migrated and
dropped at the end) it fills a county of ``--towns`` towns and ``--villages``
villages in SQL (``bench/bench_dashboard.py``'s generator: status periods since
2014, members, incomes, guarantees, populations, measures, rectification
problems, census checks) to each size, then prints, side by side:

(a) the full rebuild of the summaries (``manage.py rebuild_summaries``): the
    registry's figures and the census progress snapshots of the working date;
(b) the pages without any cache (``REPORTS_CACHE_SECONDS = 0``), for a county
    leader (the county), a town leader (one town) and a village cadre (one
    village): the dashboard, the work report, the town overview and the
    census progress — best and median of three after one warm-up, and their
    number of SQL queries;
(c) writes: a household's status period edited through the ORM (one
    transaction; its village recounted right after the commit), and a bulk
    write of one village's members (as the ledger's import writes: one
    signal for the village) — the time from the write to the summaries
    answering with it;
(d) the figures read from the summaries against the live count of today's
    selectors (``households.selectors``) for the county, on the as-of date
    and two other dates: equal or not.
Targets (PASS/MISS, never an assertion): pages under 1 s at 1,000,000
households, a write reflected within 5 s, the full rebuild under 5 minutes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_dashboard as gen  # noqa: E402

AS_OF = gen.AS_OF
YEAR = gen.YEAR
PAGE_TARGET = 1.0
WRITE_TARGET = 5.0
REBUILD_TARGET = 300.0


say, ms, verdict = gen.say, gen.ms, gen.verdict


def users():
    """A county leader, a town leader (the first town), a village cadre (its first village)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from households import roles
    from households.models import County, Town, UserProfile, Village

    county = County.objects.get(name=gen.BENCH_COUNTY)
    town = Town.objects.filter(county=county).order_by("pk").first()
    village = Village.objects.filter(town=town).order_by("pk").first()
    made = {}
    for key, role, where in (
        ("county", roles.COUNTY_LEADER, {"counties": [county]}),
        ("town", roles.LEADER, {"towns": [town]}),
        ("village", roles.CADRE, {"villages": [village]}),
        # The census progress is the census staff's page: the county's
        # administrator, a town's reviewer, a village's enumerator.
        ("county-census", roles.COUNTY_ADMIN, {"counties": [county]}),
        ("town-census", roles.REVIEWER, {"towns": [town]}),
        ("village-census", roles.ENUMERATOR, {"villages": [village]}),
    ):
        user = get_user_model().objects.create_user(f"bench-{key}", password=None)
        user.groups.add(Group.objects.get(name=role))
        profile, _ = UserProfile.objects.get_or_create(user=user)
        for relation, objects in where.items():
            getattr(profile, relation).set(objects)
        made[key] = user
    return made, county, town, village


def page_times(client, url: str, runs: int = 3):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")

    get()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        get()
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        get()
    return min(times), statistics.median(times), len(queries.captured_queries)


def pages():
    from django.urls import reverse

    query = f"?on={AS_OF.isoformat()}&year={YEAR}"
    return {
        "dashboard": reverse("reports:dashboard") + query,
        "report": reverse("reports:report") + query,
        "overview": reverse("households:overview") + query,
        "census progress": reverse("census:progress") + query,
    }


def write_household(village) -> float:
    """A household's current status changed (a cadre's edit, one transaction,
    committed): seconds until the summaries answer with it."""
    from django.db import transaction

    from households.choices import PovertyStatus
    from households.models import HouseholdStatusPeriod
    from summaries.read import registry_figures

    period = (
        HouseholdStatusPeriod.objects.filter(
            household__village=village, valid_to__isnull=True, valid_from__lte=AS_OF
        )
        .order_by("pk")
        .first()
    )
    before = registry_figures(on=AS_OF, village_ids=[village.pk]).status_tallies()
    started = time.perf_counter()
    with transaction.atomic():
        lifted = PovertyStatus.LIFTED
        period.status = PovertyStatus.NOT_LIFTED if period.status == lifted else lifted
        period.save()
    after = registry_figures(on=AS_OF, village_ids=[village.pk]).status_tallies()
    seconds = time.perf_counter() - started
    if after == before:
        say("    (the edit did not change the village's figures: check the bench)")
    return seconds


def write_village_in_bulk(village) -> float:
    """Every member of one village put on 低保 by one UPDATE, then the ledger's
    signal for the village (committed): seconds until the summaries answer."""
    from django.db import transaction

    from households.models import Member
    from households.signals import send_villages_changed
    from summaries.read import registry_figures

    started = time.perf_counter()
    with transaction.atomic():
        Member.objects.filter(household__village=village).update(on_dibao=True)
        send_villages_changed([village.pk])
    registry_figures(on=AS_OF, village_ids=[village.pk])
    return time.perf_counter() - started


def agree(village_ids=None) -> tuple[bool, float]:
    """Summaries and live selectors on three dates; (equal, seconds of the live count)."""
    from households import selectors as live
    from summaries.read import registry_figures

    equal = True
    live_seconds = 0.0
    for on in (date(2016, 12, 31), AS_OF, date(2020, 5, 20)):
        figures = registry_figures(on=on, village_ids=village_ids)
        started = time.perf_counter()
        counted = (
            live.status_tallies(on=on, village_ids=village_ids),
            live.dibao_tallies_by_village(on=on, village_ids=village_ids),
            live.tekun_persons(on=on, village_ids=village_ids),
            live.students_by_level(on=on, village_ids=village_ids),
        )
        live_seconds += time.perf_counter() - started
        read = (
            figures.status_tallies(),
            figures.dibao_by_village(),
            figures.tekun_persons(),
            figures.students_by_level(),
        )
        equal = equal and read == counted
    return equal, live_seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", default="100000,1000000")
    parser.add_argument("--towns", type=int, default=20)
    parser.add_argument("--villages", type=int, default=2000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.households.split(",") if s]

    with gen.bench_database(args.database_url, args.keep_db) as (url, where):
        gen.setup_django(url)
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        settings.REPORTS_CACHE_SECONDS = 0
        say("=" * 78)
        say(
            f"Summaries benchmark — {', '.join(f'{s:,}' for s in sizes)} households, "
            f"{args.towns} towns, {args.villages} villages, as of {AS_OF}, no cache"
        )
        say("=" * 78)
        call_command("migrate", interactive=False, verbosity=0)
        connection.ensure_connection()
        say(
            f"database       PostgreSQL {connection.pg_version // 10000} — {where}, {os.cpu_count()} CPU"
        )
        gen.create_town(args.villages, towns=args.towns)
        people, _county, _town, village = users()
        clients = {}
        for key, user in people.items():
            clients[key] = Client()
            clients[key].force_login(user)

        from summaries.build import rebuild_everything
        from summaries.models import FigureDelta, FigureYearEnd

        summary = []
        filled = 0
        for size in sizes:
            timings = gen.fill(filled + 1, size)
            filled = size
            say()
            say(f"--- {size:,} households (filled in {sum(timings.values()):.0f} s) ---")
            started = time.perf_counter()
            figures = rebuild_everything()
            rebuild = time.perf_counter() - started
            gen.execute("VACUUM ANALYZE")
            say(
                f"(a) full rebuild: {rebuild:.1f} s [{verdict(rebuild < REBUILD_TARGET)}] — "
                f"registry figures {figures['figures_seconds']} s ({FigureDelta.objects.count():,} "
                f"delta rows, {FigureYearEnd.objects.count():,} year-end rows), beside them the "
                f"census snapshots of {figures['census_villages']:,} villages"
            )
            say(
                "(b) page (no cache)        county (best/median, queries)   town                        village"
            )
            row = {"size": size, "rebuild": rebuild}
            for name, url_ in pages().items():
                cells = []
                for key in ("county", "town", "village"):
                    who = f"{key}-census" if name == "census progress" else key
                    best, median, queries = page_times(clients[who], url_)
                    cells.append(f"{ms(best):>8} / {ms(median):>8} ({queries:>3})")
                    row[(name, key)] = best
                say(f"    {name:<22} " + "   ".join(cells))
            worst = max(v for k, v in row.items() if isinstance(k, tuple))
            say(f"    slowest page: {ms(worst)} [{verdict(worst < PAGE_TARGET)}: under 1 s]")
            edit = write_household(village)
            bulk = write_village_in_bulk(village)
            say(
                f"(c) a household edit reflected after {ms(edit)} "
                f"[{verdict(edit < WRITE_TARGET)}]; a bulk write of one village "
                f"({village.name}) after {ms(bulk)} [{verdict(bulk < WRITE_TARGET)}]"
            )
            equal, live_seconds = agree()
            say(
                f"(d) summaries equal the live count for the county on three dates: "
                f"{'yes' if equal else 'NO'} (the live count took {live_seconds:.1f} s)"
            )
            row.update(edit=edit, bulk=bulk, equal=equal, worst=worst)
            summary.append(row)
        say()
        say("Summary")
        for r in summary:
            say(
                f"  {r['size']:>9,} households: slowest page {ms(r['worst'])} "
                f"[{verdict(r['worst'] < PAGE_TARGET)}], edit {ms(r['edit'])}, bulk village "
                f"{ms(r['bulk'])}, rebuild {r['rebuild']:.0f} s "
                f"[{verdict(r['rebuild'] < REBUILD_TARGET)}], equal to live: {r['equal']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
