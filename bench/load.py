"""Load test: 50 concurrent users against gunicorn + PostgreSQL (a script that
prints figures, not a test).

    .venv/bin/python bench/load.py [--users 50] [--duration 60] [--county 0]
    make load-test

In one run, on loopback only:

1. creates a database of its own (``tieshagai_load``, or ``LOAD_DB``) on the server of
   ``--database-url`` (default ``DATABASE_URL``, else the local PostgreSQL),
   migrates it and loads the demo town (1,347 households); with
   ``--county N`` also a generated town of 200 villages and N households
   beside it (``bench/bench_dashboard.py``'s generator; a county is
   ~100,000), so the pages run against a county-size registry;
2. starts gunicorn with the production settings (``DEBUG=0``, whitenoise,
   ``deploy/gunicorn.conf.py``) on a free loopback port, as a TLS-terminating
   proxy would see it (``BEHIND_PROXY=1``, ``X-Forwarded-Proto: https``);
3. runs locust in this process for ``--duration`` seconds with ``--users``
   users logged in as the demo's roles (village cadres, leaders, the town
   administrator), each mixing the household list (pages, filters), the
   household page, an edit of a household (the real form, parsed from the
   page and posted back with its version) and the leaders' dashboard, with
   a think time of 2–8 s (``--think 0.5-2`` or ``LOAD_THINK`` for
   another); the figures count once all users are logged in and
   ``--warmup`` seconds (15) have passed (the workers' cold start);
4. prints, per kind of request and in total: requests, failures, p50 / p95 /
   p99 and the maximum, the throughput, and the verdict against the targets
   (0 errors, p95 < 300 ms on town data); then stops gunicorn and drops the
   database (``--keep-db`` keeps it).

An edit refused because someone else saved the household first (the
optimistic lock) is a correct answer, counted apart, not an error.
"""

from __future__ import annotations

# locust patches the standard library for gevent: it comes first.
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from html.parser import HTMLParser  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import psycopg2  # noqa: E402
from locust import HttpUser, between, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
#: The database of the run (``LOAD_DB``): one per kind of run, e.g. town and county kept apart.
LOAD_DB = os.environ.get("LOAD_DB", "tieshagai_load")
if not re.fullmatch(r"[a-z_][a-z0-9_]*", LOAD_DB):
    raise SystemExit(f"LOAD_DB must be a plain database name, not {LOAD_DB!r}")
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "tieshagai-demo-2020")
TARGET_P95_MS = 300
#: Who the users are: (username, share of the users).
ROLES = [("cadre", 4), ("cadre2", 2), ("leader", 2), ("admin", 2)]
DASHBOARD_URL = os.environ.get("LOAD_DASHBOARD_URL", "/reports/")


def think_seconds(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    return float(low), float(high or low)


#: Each user's pause between two requests, drawn uniformly (seconds):
#: LOAD_THINK="2-8" by default, a cadre glancing at a page and clicking on
#: (5 s on average); "0.5-2" is a stress run, each user clicking as fast as
#: they can read a heading (about four times the requests).
THINK_SECONDS = think_seconds(os.environ.get("LOAD_THINK", "2-8"))


def say(text: str = "") -> None:
    print(text, flush=True)


# --------------------------------------------------------------------------
# The database and the server
# --------------------------------------------------------------------------


def admin_connection(url_params: dict):
    connection = psycopg2.connect(dbname="postgres", **url_params)
    connection.autocommit = True
    return connection


def server_params(url: str) -> dict:
    import dj_database_url

    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("the load test runs on PostgreSQL: give --database-url postgres://…")
    params = {
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    return {k: v for k, v in params.items() if v is not None}


def database_url(params: dict) -> str:
    user = params.get("user", "")
    password = f":{params['password']}" if params.get("password") else ""
    credentials = f"{user}{password}@" if user else ""
    host = params.get("host", "localhost")
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgres://{credentials}{host}{port}/{LOAD_DB}"


def manage(*args: str, env: dict) -> None:
    subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, seconds: float = 60.0) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds:.0f} s")


def households_by_village(params: dict) -> dict[str, list[int]]:
    connection = psycopg2.connect(dbname=LOAD_DB, **params)
    try:
        with connection.cursor() as cursor:
            # The demo town's: its users see no other town (a generated county
            # beside it makes the tables a county's size, not their scope).
            cursor.execute(
                "SELECT v.name, h.id FROM households_household h "
                "JOIN households_village v ON v.id = h.village_id "
                "JOIN households_town t ON t.id = v.town_id "
                "JOIN households_county c ON c.id = t.county_id WHERE c.name <> %s",
                ["基准测试县"],
            )
            rows = cursor.fetchall()
    finally:
        connection.close()
    villages: dict[str, list[int]] = {}
    for village, pk in rows:
        villages.setdefault(village, []).append(pk)
    return villages


# --------------------------------------------------------------------------
# The users
# --------------------------------------------------------------------------


class FormValues(HTMLParser):
    """The values a browser would post for the first form with a ``version`` field."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self.in_form = self.done = False
        self.select: str | None = None
        self.select_value: str | None = None
        self.select_selected = False
        self.textarea: str | None = None
        self.text = ""
        self.form_values: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.done:
            return
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.in_form, self.form_values = True, []
        elif not self.in_form:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "file"):
                return
            self.form_values.append((a["name"], a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self.select, self.select_value, self.select_selected = a["name"], None, False
        elif tag == "option" and self.select is not None:
            # The selected option, else the first one (what a browser posts).
            if "selected" in a or self.select_value is None:
                if not self.select_selected:
                    self.select_value = a.get("value", "")
                self.select_selected = self.select_selected or "selected" in a
        elif tag == "textarea" and a.get("name"):
            self.textarea, self.text = a["name"], ""

    def handle_endtag(self, tag):
        if not self.in_form or self.done:
            return
        if tag == "select" and self.select is not None:
            self.form_values.append((self.select, self.select_value or ""))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.form_values.append((self.textarea, self.text))
            self.textarea = None
        elif tag == "form":
            self.in_form = False
            if any(name == "version" for name, _ in self.form_values):
                self.values, self.done = self.form_values, True

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data


class Counters:
    concurrent_edits = 0
    logged_in = 0


CONCURRENT_EDIT = "已被他人修改并保存"


class TownUser(HttpUser):
    wait_time = between(*THINK_SECONDS)
    villages: dict[str, list[int]] = {}
    cadre_villages = {"cadre": "学田地村", "cadre2": "点力村"}
    all_households: list[int] = []
    counter = 0

    def on_start(self):
        TownUser.counter += 1
        pool = [name for name, share in ROLES for _ in range(share)]
        self.username = pool[TownUser.counter % len(pool)]
        # The server believes it is behind TLS (X-Forwarded-Proto, as behind
        # the production proxy) and marks its cookies Secure; on the
        # loopback's plain HTTP they are sent back all the same.
        self.client.headers.update({"X-Forwarded-Proto": "https"})
        send = self.client.request

        def request(*args, **kwargs):
            for cookie in self.client.cookies:
                cookie.secure = False
            return send(*args, **kwargs)

        self.client.request = request
        village = self.cadre_villages.get(self.username)
        self.households = self.villages[village] if village else self.all_households
        self.login()

    def referer(self, path: str) -> dict:
        return {"Referer": f"https://{self.host.split('://', 1)[1]}{path}"}

    def login(self):
        path = "/accounts/login/"
        page = self.client.get(path, name="login page")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        response = self.client.post(
            path,
            {
                "username": self.username,
                "password": DEMO_PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers=self.referer(path),
            name="login",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"login of {self.username} failed: {response.status_code}")
        Counters.logged_in += 1

    @task(3)
    def household_list(self):
        page = random.randint(1, 5)  # noqa: S311 (load pattern, not security)
        query = random.choice(["", "&status=not_lifted", "&q=王", "&status=lifted"])  # noqa: S311
        self.client.get(f"/households/?page={page}{query}", name="household list")

    @task(4)
    def household_page(self):
        pk = random.choice(self.households)  # noqa: S311
        self.client.get(f"/households/{pk}/", name="household page")

    @task(1)
    def household_edit(self):
        if self.username == "leader":
            return self.dashboard()
        pk = random.choice(self.households)  # noqa: S311
        path = f"/households/{pk}/edit/"
        page = self.client.get(path, name="edit page")
        if page.status_code != 200:
            return
        form = FormValues()
        form.feed(page.text)
        values = [(k, v) for k, v in form.values if k != "notes"]
        values.append(("notes", f"压力测试 {secrets.token_hex(3)}"))
        with self.client.post(
            path,
            values,
            headers=self.referer(path),
            name="edit save",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                response.success()
            elif response.status_code == 200 and CONCURRENT_EDIT in response.text:
                Counters.concurrent_edits += 1
                response.success()
            else:
                response.failure(f"edit not saved: {response.status_code}")

    @task(1)
    def dashboard(self):
        if self.username.startswith("cadre"):
            self.client.get("/overview/", name="overview")
            return
        self.client.get(DASHBOARD_URL, name="dashboard")


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------


def report(environment: Environment, duration: float) -> bool:
    stats = environment.stats
    say()
    say(f"{'request':<16}{'count':>8}{'fail':>6}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}  ms")
    for (name, _method), entry in sorted(stats.entries.items()):
        if not entry.num_requests:
            continue  # the logins, before the figures were reset
        say(
            f"{name:<16}{entry.num_requests:>8,}{entry.num_failures:>6}"
            f"{entry.get_response_time_percentile(0.5):>8.0f}"
            f"{entry.get_response_time_percentile(0.95):>8.0f}"
            f"{entry.get_response_time_percentile(0.99):>8.0f}"
            f"{entry.max_response_time:>8.0f}"
        )
    total = stats.total
    p95 = total.get_response_time_percentile(0.95)
    say(
        f"{'all':<16}{total.num_requests:>8,}{total.num_failures:>6}"
        f"{total.get_response_time_percentile(0.5):>8.0f}{p95:>8.0f}"
        f"{total.get_response_time_percentile(0.99):>8.0f}{total.max_response_time:>8.0f}"
    )
    say(
        f"throughput {total.num_requests / duration:,.1f} requests/s over {duration:.0f} s; "
        f"edits refused as concurrent (correct answers): {Counters.concurrent_edits}"
    )
    for error in list(stats.errors.values())[:10]:
        say(f"  error ×{error.occurrences}: {error.method} {error.name}: {error.error}")
    ok_errors = total.num_failures == 0
    ok_p95 = p95 < TARGET_P95_MS
    say(f"errors = {total.num_failures} (target 0)  {'PASS' if ok_errors else 'MISS'}")
    say(f"p95 = {p95:.0f} ms (target < {TARGET_P95_MS} ms)  {'PASS' if ok_p95 else 'MISS'}")
    return ok_errors and ok_p95


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument(
        "--warmup",
        type=float,
        default=15.0,
        help="seconds of load before the figures count (the workers' cold start)",
    )
    parser.add_argument("--spawn-rate", type=float, default=10.0, help="users started per second")
    parser.add_argument(
        "--county", type=int, default=0, help="generated households beside the demo town"
    )
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: config)")
    parser.add_argument(
        "--think",
        type=think_seconds,
        default=THINK_SECONDS,
        help="each user's pause between requests, seconds: MIN-MAX (default LOAD_THINK or 2-8)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="use the database a --keep-db run kept, as it is (no new demo town nor county)",
    )
    args = parser.parse_args(argv)

    params = server_params(args.database_url)
    url = database_url(params)
    admin = admin_connection(params)
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [LOAD_DB])
        reuse = args.reuse_db and cursor.fetchone() is not None
        if not reuse:
            cursor.execute(f"DROP DATABASE IF EXISTS {LOAD_DB} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {LOAD_DB}")
    work = Path(tempfile.mkdtemp(prefix="tieshagai-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(work / "static"),
        "DEMO_PASSWORD": DEMO_PASSWORD,
    }
    server = None
    try:
        say("=" * 72)
        TownUser.wait_time = between(*args.think)
        say(
            f"Load test — {args.users} users for {args.duration:.0f} s, think time "
            f"{args.think[0]:g}–{args.think[1]:g} s, gunicorn + PostgreSQL"
        )
        say("=" * 72)
        started = time.perf_counter()
        manage("migrate", "--noinput", "-v0", env={**env, "DEBUG": "1"})
        if reuse:
            say(f"database {LOAD_DB}: reused as a --keep-db run left it")
        else:
            manage("load_demo", env={**env, "DEBUG": "1"})
        if args.county and not reuse:
            # In a process of its own: Django runs there, not beside gevent here.
            code = (
                "import sys; sys.path.insert(0, 'bench'); import bench_dashboard as b; "
                f"b.setup_django({url!r}); print(b.add_county({args.county})); "
                # Written in SQL: counted into the summaries as the nightly rebuild does.
                "from summaries.build import rebuild_everything; print(rebuild_everything())"
            )
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)  # noqa: S603
        if not reuse:
            say(
                f"database {LOAD_DB}: demo town"
                + (f" and {args.county:,} generated households" if args.county else "")
                + f" loaded in {time.perf_counter() - started:.0f} s"
            )
        production = {
            **env,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "BEHIND_PROXY": "1",
            "AS_OF_DATE": "2020-05-31",
            # As in production (deploy/tieshagai.env.example): figures kept
            # once for every worker, in the database.
            "CACHE_BACKEND": "database",
        }
        manage("collectstatic", "--noinput", "-v0", env=production)
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "tieshagai.wsgi",
            "--config",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            os.devnull,
        ]
        if args.workers:
            command += ["--workers", str(args.workers)]
        server = subprocess.Popen(command, cwd=ROOT, env=production)  # noqa: S603
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
        say(f"gunicorn on 127.0.0.1:{port} (pid {server.pid})")

        villages = households_by_village(params)
        TownUser.villages = villages
        TownUser.all_households = [pk for pks in villages.values() for pk in pks]
        say(f"registry: {len(TownUser.all_households):,} households in {len(villages)} villages")

        # The figures count from the moment every user is logged in (a login
        # is a deliberately slow password hash, once per session).
        environment = Environment(
            user_classes=[TownUser],
            events=events,
            host=f"http://127.0.0.1:{port}",
            reset_stats=True,
        )
        runner = environment.create_local_runner()
        runner.start(args.users, spawn_rate=args.spawn_rate)
        deadline = time.monotonic() + 120
        while Counters.logged_in < args.users and time.monotonic() < deadline:
            gevent.sleep(0.1)
        # Each freshly started worker process compiles its templates and
        # builds its per-date queries on first use, and computes the
        # dashboard and overview before keeping them: a cold start, paid once
        # per worker (and again after a restart), not the steady state.
        say(f"{Counters.logged_in} users logged in; {args.warmup:g} s of warm-up")
        gevent.sleep(args.warmup)
        warm = environment.stats.total
        say(
            f"warm-up: {warm.num_requests:,} requests, {warm.num_failures} failures, "
            f"p95 {warm.get_response_time_percentile(0.95):.0f} ms, "
            f"max {warm.max_response_time:.0f} ms; counting from now"
        )
        environment.stats.reset_all()
        gevent.spawn_later(args.duration, runner.quit)
        load_started = time.perf_counter()
        runner.greenlet.join()
        report(environment, time.perf_counter() - load_started)
        say("=" * 72)
        return 0
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if not (args.keep_db or args.reuse_db):
            with admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {LOAD_DB} WITH (FORCE)")
        admin.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
