"""Which server each page reads, against a real streaming replica.

Run by deploy/replica_check.sh (which starts the primary and the replica and
loads the demo town on the primary); exits non-zero on the first failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tieshagai.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from households.models import Household, Member  # noqa: E402
from tieshagai.replica import PIN_COOKIE  # noqa: E402

settings.ALLOWED_HOSTS = ["testserver"]
settings.REPORTS_CACHE_SECONDS = 0
ON = "?on=2020-05-31"
REGISTRY = ("households_", "measures_", "census_", "rectification_")


def check(condition: bool, text: str) -> None:
    print(("ok    " if condition else "FAIL  ") + text, flush=True)
    if not condition:
        sys.exit(1)


def registry_queries(context: CaptureQueriesContext) -> int:
    """The reads of registry tables (a page may write derived rows, such as a
    census progress snapshot it counted, to the primary: writes go there)."""
    return sum(
        1
        for q in context.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT") and any(t in q["sql"] for t in REGISTRY)
    )


def get(client: Client, url: str):
    """The response and the registry queries each server answered."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    return response, registry_queries(primary), registry_queries(replica)


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def wait_for_replay(count: int) -> None:
    for _ in range(100):
        if Household.objects.using("replica").count() == count:
            return
        time.sleep(0.1)
    check(False, "the replica replays the demo town within 10 s")


def stop_replica() -> None:
    command = [os.environ["REPLICA_PG_CTL"], "-D", os.environ["REPLICA_DATA_DIR"], "-m", "fast"]
    command += ["-w", "stop"]
    if os.getuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 (our own paths)


def main() -> None:
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        check(cursor.fetchone()[0], "DATABASE_REPLICA_URL is a server in recovery (a standby)")
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        check(not cursor.fetchone()[0], "DATABASE_URL is the primary")
    households = Household.objects.count()
    wait_for_replay(households)
    check(households > 1000, f"the demo town on both servers ({households} households)")

    leader = client_for("leader")
    for name in ("reports:dashboard", "reports:report", "census:progress", "households:overview"):
        response, on_primary, on_replica = get(leader, reverse(name) + ON)
        check(
            response.status_code == 200 and on_replica > 0 and on_primary == 0,
            f"{name}: 200, {on_replica} registry queries on the replica, none on the primary",
        )
    household = Household.objects.order_by("pk").first()
    detail = reverse("households:detail", kwargs={"pk": household.pk}) + ON
    response, on_primary, on_replica = get(leader, detail)
    check(
        response.status_code == 200 and on_primary > 0 and on_replica == 0,
        f"the household page reads the primary only ({on_primary} queries)",
    )

    admin = client_for("admin")
    member = Member.objects.filter(household=household).order_by("pk").first()
    response = admin.post(
        reverse("households:reveal_id", kwargs={"pk": household.pk, "member_pk": member.pk})
    )
    check(response.status_code == 200, "a write (an ID number revealed, an audit entry written)")
    check(PIN_COOKIE in response.cookies, "the write pins the browser to the primary")
    response, on_primary, on_replica = get(admin, reverse("reports:dashboard") + ON)
    check(
        response.status_code == 200 and on_replica == 0 and on_primary > 0,
        "after their write, the writer's dashboard reads the primary",
    )
    response, on_primary, on_replica = get(leader, reverse("reports:dashboard") + ON)
    check(on_replica > 0, "another user's dashboard still reads the replica")

    stop_replica()
    # (No query capture on the stopped server: capturing would connect to it.)
    with CaptureQueriesContext(connections["default"]) as primary:
        response = leader.get(reverse("reports:dashboard") + ON)
    on_primary = registry_queries(primary)
    check(
        response.status_code == 200 and on_primary > 0,
        "with the replica stopped, the dashboard answers from the primary",
    )
    print("replica check passed")


if __name__ == "__main__":
    main()
