"""The dashboard's and the work report's figures kept for REPORTS_CACHE_SECONDS:
fewer queries and the same figures within the time, a data change seen after
``?refresh=1`` or expiry, one entry per scope, date and year, none shared by a
cadre and the town, nothing kept with 0 seconds, the stale copy served while
another request recomputes."""

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reports import caching, selectors
from tests.households.conftest import make_household

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reports:dashboard")
REPORT = reverse("reports:report")
DOCX = reverse("reports:report_docx")
SECONDS = 60


@pytest.fixture(autouse=True)
def seconds(settings):
    settings.REPORTS_CACHE_SECONDS = SECONDS


@pytest.fixture
def clock(monkeypatch):
    """The cache's clock, moved by hand (a whole second at a time, as the page shows it)."""

    class Clock:
        at = timezone.now().replace(microsecond=0)

        def move(self, seconds: float) -> None:
            self.at += timedelta(seconds=seconds)

    clock = Clock()
    monkeypatch.setattr(caching, "now", lambda: clock.at)
    return clock


@pytest.fixture
def computations(monkeypatch):
    """How often the dashboard and the report's facts were computed, with their scopes."""
    calls = {"dashboard": [], "report": []}
    dashboard, report_facts = selectors.dashboard, selectors.report_facts

    def counted_dashboard(**kwargs):
        calls["dashboard"].append(kwargs)
        return dashboard(**kwargs)

    def counted_report_facts(**kwargs):
        calls["report"].append(kwargs)
        return report_facts(**kwargs)

    monkeypatch.setattr(selectors, "dashboard", counted_dashboard)
    monkeypatch.setattr(selectors, "report_facts", counted_report_facts)
    return calls


def key_of(computation: dict, kind: str = "dashboard") -> str:
    """The cache key of a computation recorded by ``computations``."""
    return caching.cache_key(kind, **computation)


def figures(response) -> str:
    """The town figures and the villages' table (everything counted, no time)."""
    content = response.content.decode()
    start = content.index('id="town-figures"')
    return content[start : content.index("</table>", start)]


def registered(response) -> str:
    return re.search(r'id="registered">([^<]+)<', response.content.decode())[1]


def computed_at(response) -> str:
    return re.search(r"统计时间 (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", response.content.decode())[1]


def queries(client, url, params=None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured), response


# --------------------------------------------------------------------------
# Within the time, after it, and refreshed
# --------------------------------------------------------------------------


def test_a_second_request_within_the_time_runs_fewer_queries_and_shows_the_same(
    town, client_for, clock, computations
):
    client = client_for("leader")
    first_queries, first = queries(client, DASHBOARD)
    clock.move(SECONDS - 1)
    second_queries, second = queries(client, DASHBOARD)
    assert second_queries < first_queries
    assert figures(second) == figures(first)
    assert computed_at(second) == computed_at(first)
    assert len(computations["dashboard"]) == 1
    assert f"(每 {SECONDS} 秒更新)" in second.content.decode()


def test_the_time_shown_is_when_the_figures_were_computed(town, client_for, clock):
    response = client_for("leader").get(DASHBOARD)
    local = timezone.localtime(clock.at)
    assert computed_at(response) == f"{local:%Y-%m-%d %H:%M:%S}"


def test_a_data_change_shows_after_a_refresh_and_not_before(town, client_for, clock):
    client = client_for("leader")
    before = client.get(DASHBOARD)
    assert registered(before) == "2户 4人"
    make_household(town["household"].village, "孙二户")
    clock.move(5)
    assert registered(client.get(DASHBOARD)) == "2户 4人"
    refreshed = client.get(DASHBOARD, {"refresh": "1"})
    assert registered(refreshed) == "3户 6人"
    assert computed_at(refreshed) != computed_at(before)
    # The refresh kept what it computed: the next request shows it.
    clock.move(5)
    after = client.get(DASHBOARD)
    assert registered(after) == "3户 6人"
    assert computed_at(after) == computed_at(refreshed)


def test_a_data_change_shows_once_the_time_is_up(town, client_for, clock):
    client = client_for("leader")
    first = client.get(DASHBOARD)
    make_household(town["household"].village, "孙二户")
    clock.move(SECONDS - 1)
    assert registered(client.get(DASHBOARD)) == "2户 4人"
    clock.move(1)
    expired = client.get(DASHBOARD)
    assert registered(expired) == "3户 6人"
    assert computed_at(expired) != computed_at(first)


def test_the_refresh_link_keeps_the_scope_date_and_year(town, client_for):
    own = town["household"].village
    params = {"village": own.pk, "on": "2020-05-01", "year": "2019"}
    content = client_for("leader").get(DASHBOARD, params).content.decode()
    link = re.search(r'<a [^>]*id="refresh" href="([^"]+)"', content)[1]
    assert link == f"?on=2020-05-01&amp;year=2019&amp;village={own.pk}&amp;refresh=1"


def test_zero_seconds_computes_on_every_request(town, client_for, settings, computations):
    settings.REPORTS_CACHE_SECONDS = 0
    client = client_for("leader")
    first = client.get(DASHBOARD)
    make_household(town["household"].village, "孙二户")
    second = client.get(DASHBOARD)
    assert (registered(first), registered(second)) == ("2户 4人", "3户 6人")
    assert len(computations["dashboard"]) == 2
    # The time of the count is shown, without an interval or a refresh link.
    content = second.content.decode()
    assert computed_at(second) and "秒更新" not in content and 'id="refresh"' not in content
    assert cache.get(key_of(computations["dashboard"][0])) is None


# --------------------------------------------------------------------------
# One entry per scope, date and year
# --------------------------------------------------------------------------


def test_scopes_dates_and_years_are_different_entries(town, client_for, computations):
    client = client_for("leader")
    own = town["household"].village
    versions = [
        {},
        {"village": own.pk},
        {"village": town["other_household"].village.pk},
        {"on": "2020-02-01"},
        {"year": "2019"},
    ]
    for params in versions:
        client.get(DASHBOARD, params)
    assert len(computations["dashboard"]) == len(versions)
    for params in versions:
        client.get(DASHBOARD, params)
    assert len(computations["dashboard"]) == len(versions)
    scopes = [c["scope"] for c in computations["dashboard"]]
    keys = {key_of(c) for c in computations["dashboard"]}
    assert len(keys) == len(versions)
    assert [s.whole_town for s in scopes] == [True, False, False, True, True]


def test_the_key_names_the_scope_date_and_year(town):
    own, on = town["household"].village, date(2020, 5, 31)
    whole = caching.cache_key("dashboard", on=on, year=2019, scope=selectors.town_scope())
    town_scope = selectors.towns_scope(own.town.villages.order_by("pk"))
    town_key = caching.cache_key("dashboard", on=on, year=2019, scope=town_scope)
    village_key = caching.cache_key(
        "report", on=on, year=2020, scope=selectors.villages_scope([own])
    )
    assert whole == f"reports:{caching.KEY_VERSION}:dashboard:all:2020-05-31:2019"
    assert town_key == f"reports:{caching.KEY_VERSION}:dashboard:t{own.town_id}:2020-05-31:2019"
    assert village_key == f"reports:{caching.KEY_VERSION}:report:v{own.pk}:2020-05-31:2020"


def test_a_cadre_and_a_leader_never_share_an_entry(town, client_for, computations):
    leader, cadre = client_for("leader"), client_for("cadre")
    # The town first: the cadre does not get it...
    assert registered(leader.get(DASHBOARD)) == "2户 4人"
    cadres = cadre.get(DASHBOARD)
    assert registered(cadres) == "1户 2人"
    assert "点力村" not in figures(cadres)
    # ...and the leader keeps getting the town, not the cadre's village.
    town_again = leader.get(DASHBOARD)
    assert registered(town_again) == "2户 4人" and "点力村" in figures(town_again)
    assert [c["scope"].whole_town for c in computations["dashboard"]] == [True, False]


def test_a_cadre_first_does_not_give_the_leader_their_village(town, client_for):
    cadre, leader = client_for("cadre"), client_for("leader")
    assert registered(cadre.get(DASHBOARD)) == "1户 2人"
    assert registered(leader.get(DASHBOARD)) == "2户 4人"
    # Nor the report: the town's report is not the village's.
    assert "学田地村脱贫攻坚工作情况汇报" in cadre.get(REPORT).content.decode()
    assert "测试镇脱贫攻坚工作情况汇报" in leader.get(REPORT).content.decode()


def test_the_scope_is_checked_before_the_cache(town, client_for):
    """Another village kept by a leader's visit is still not found for the cadre."""
    other = town["other_household"].village
    assert client_for("leader").get(DASHBOARD, {"village": other.pk}).status_code == 200
    cadre = client_for("cadre")
    for url in (DASHBOARD, REPORT, DOCX):
        assert cadre.get(url, {"village": other.pk}).status_code == 404
    assert client_for("enumerator").get(DASHBOARD).status_code == 403


def test_one_village_is_one_entry_whoever_asks(town, client_for, computations):
    """A leader's version of a village and its cadre's are the same figures
    (they depend on the scope only), so they are kept once."""
    own = town["household"].village
    leaders = client_for("leader").get(DASHBOARD, {"village": own.pk})
    cadres = client_for("cadre").get(DASHBOARD)
    assert figures(leaders) == figures(cadres)
    assert len(computations["dashboard"]) == 1


# --------------------------------------------------------------------------
# The work report and its .docx
# --------------------------------------------------------------------------


def test_the_report_and_its_docx_use_the_same_kept_report(town, client_for, clock, computations):
    from docx import Document

    def docx_text(response) -> str:
        return "\n".join(p.text for p in Document(BytesIO(response.content)).paragraphs)

    client = client_for("cadre")
    page = client.get(REPORT)
    assert "现有建档立卡贫困户1户2人" in page.content.decode()
    assert "统计时间" in page.content.decode()
    make_household(town["household"].village, "孙二户")
    clock.move(5)
    assert "现有建档立卡贫困户1户2人" in docx_text(client.get(DOCX))
    assert len(computations["report"]) == 1
    refreshed = docx_text(client.get(DOCX, {"refresh": "1"}))
    assert "现有建档立卡贫困户2户4人" in refreshed
    assert "现有建档立卡贫困户2户4人" in client.get(REPORT).content.decode()
    assert len(computations["report"]) == 2
    # The report is not kept with the dashboard.
    assert computations["dashboard"] == []


# --------------------------------------------------------------------------
# Stampede: one request recomputes, the others serve the stale copy
# --------------------------------------------------------------------------


def test_a_stale_entry_is_served_while_another_request_recomputes(
    town, client_for, clock, computations
):
    client = client_for("leader")
    first = client.get(DASHBOARD)
    make_household(town["household"].village, "孙二户")
    clock.move(SECONDS + 1)
    lock = key_of(computations["dashboard"][0]) + ":lock"
    assert cache.add(lock, True, caching.LOCK_SECONDS)  # another request is at it
    stale = client.get(DASHBOARD)
    assert registered(stale) == "2户 4人"
    assert computed_at(stale) == computed_at(first)
    assert len(computations["dashboard"]) == 1
    cache.delete(lock)  # it is done (or its lock ran out): the next request recomputes
    fresh = client.get(DASHBOARD)
    assert registered(fresh) == "3户 6人"
    assert len(computations["dashboard"]) == 2
    assert cache.get(lock) is None  # and let go of the lock it took


def test_the_lock_is_let_go_when_the_computation_fails(
    town, client_for, clock, computations, monkeypatch
):
    client = client_for("leader")
    client.get(DASHBOARD)
    lock = key_of(computations["dashboard"][0]) + ":lock"
    clock.move(SECONDS + 1)

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(selectors, "dashboard", broken)
    with pytest.raises(RuntimeError):
        client.get(DASHBOARD)
    assert cache.get(lock) is None


def test_a_refresh_recomputes_even_while_locked(town, client_for, clock, computations):
    client = client_for("leader")
    client.get(DASHBOARD)
    lock = key_of(computations["dashboard"][0]) + ":lock"
    cache.add(lock, True, caching.LOCK_SECONDS)
    make_household(town["household"].village, "孙二户")
    assert registered(client.get(DASHBOARD, {"refresh": "1"})) == "3户 6人"
    # The lock was another request's: left for it to let go.
    assert cache.get(lock) is True


# --------------------------------------------------------------------------
# The database cache (CACHE_BACKEND=database): one copy for every worker
# --------------------------------------------------------------------------


@pytest.fixture
def database_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": settings.CACHE_TABLE,
        }
    }
    yield
    cache.clear()


def test_the_database_cache_keeps_one_copy_that_every_worker_reads(
    town, client_for, clock, computations, database_cache
):
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    assert isinstance(caches["default"], DatabaseCache)
    first = client_for("leader").get(DASHBOARD)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM tieshagai_cache")
        keys = [row[0] for row in cursor.fetchall()]
    [stored] = [key for key in keys if ":dashboard:t" in key]

    # Another worker process: its own cache object, the same table.
    other_worker = DatabaseCache("tieshagai_cache", {})
    kept = other_worker.get(stored.split(":", 2)[2])  # the key without Django's prefix
    assert kept is not None and kept.at == clock.at

    clock.move(SECONDS - 1)
    second = client_for("admin").get(DASHBOARD)
    assert figures(second) == figures(first)
    assert len(computations["dashboard"]) == 1


# --------------------------------------------------------------------------
# The town overview
# --------------------------------------------------------------------------


def test_the_overview_is_kept_under_the_versioned_key_of_its_scope_and_date(town, client_for):
    own, on = town["household"].village, date(2020, 5, 31)
    overview = reverse("households:overview")
    client_for("leader").get(overview, {"on": on.isoformat()})
    town_scope = selectors.towns_scope(own.town.villages.order_by("pk"))
    town_key = caching.cache_key("overview", on=on, year=2020, scope=town_scope)
    assert town_key == f"reports:{caching.KEY_VERSION}:overview:t{own.town_id}:2020-05-31:2020"
    assert cache.get(town_key).value.figures.registered.households == 2
    client_for("cadre").get(overview, {"on": on.isoformat()})
    village_key = caching.cache_key(
        "overview", on=on, year=2020, scope=selectors.villages_scope([own])
    )
    kept = cache.get(village_key).value
    assert [row.village for row in kept.rows] == [own]
    assert kept.figures.registered.households == 1
