"""Which database a request reads: the rules of tieshagai/replica.py.

The router and the middleware are tested here on the one test database; the
real streaming replica is tested by deploy/replica_check.sh (in .ci/run).
"""

import time

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import RequestFactory
from django.urls import resolve, reverse

from households.models import Household
from tieshagai import replica

pytestmark = pytest.mark.django_db


@pytest.fixture
def router():
    return replica.ReplicaRouter()


@pytest.fixture
def replica_request():
    token = replica._reading_replica.set(True)
    yield
    replica._reading_replica.reset(token)


def test_without_a_replica_request_every_read_goes_to_the_primary(router):
    assert router.db_for_read(Household) == "default"


def test_a_replica_request_reads_the_registry_from_the_replica(router, replica_request):
    assert router.db_for_read(Household) == "replica"


def test_accounts_sessions_and_permissions_always_come_from_the_primary(router, replica_request):
    from django.contrib.sessions.models import Session

    assert router.db_for_read(User) == "default"
    assert router.db_for_read(Session) == "default"


def test_the_background_tasks_always_come_from_the_primary(router, replica_request):
    from django_tasks_db.models import DBTaskResult

    assert router.db_for_read(DBTaskResult) == "default"


def test_a_read_inside_a_transaction_comes_from_the_primary(router, replica_request):
    with transaction.atomic():
        assert router.db_for_read(Household) == "default"


def test_writes_and_migrations_only_on_the_primary(router, replica_request):
    assert router.db_for_write(Household) == "default"
    assert router.allow_migrate("default", "households")
    assert not router.allow_migrate("replica", "households")


def run_middleware(request, *, usable=True, monkeypatch):
    """The middleware around a view that reports whether it read the replica."""
    seen = {}
    monkeypatch.setattr(replica, "_replica_usable", lambda: usable)

    def view(request):
        from django.http import HttpResponse

        seen["replica"] = replica.reading_replica()
        return HttpResponse("ok")

    def handler(r):
        return middleware.process_view(r, view, (), {}) or view(r)

    middleware = replica.ReplicaReadsMiddleware(handler)
    response = middleware(request)
    seen["after"] = replica.reading_replica()
    return seen, response


def get(path, **cookies):
    request = RequestFactory().get(path)
    request.COOKIES.update(cookies)
    request.resolver_match = resolve(path)
    return request


def test_the_dashboard_reads_the_replica_and_the_household_page_does_not(monkeypatch):
    seen, _ = run_middleware(get(reverse("reports:dashboard")), monkeypatch=monkeypatch)
    assert seen == {"replica": True, "after": False}
    household = reverse("households:detail", kwargs={"pk": 1})
    seen, _ = run_middleware(get(household), monkeypatch=monkeypatch)
    assert seen["replica"] is False


def test_every_replica_page_is_a_url_of_the_site():
    for name in replica.DEFAULT_REPLICA_VIEWS:
        assert reverse(name)


def test_a_write_pins_the_browser_to_the_primary(monkeypatch, settings):
    settings.REPLICA_PIN_SECONDS = 30
    request = RequestFactory().post(reverse("reports:dashboard"))
    request.resolver_match = resolve(reverse("reports:dashboard"))
    seen, response = run_middleware(request, monkeypatch=monkeypatch)
    assert seen["replica"] is False  # a POST never reads the replica
    pinned_until = int(response.cookies[replica.PIN_COOKIE].value)
    assert time.time() + 25 < pinned_until <= time.time() + 30
    assert response.cookies[replica.PIN_COOKIE]["httponly"]

    later = get(reverse("reports:dashboard"), **{replica.PIN_COOKIE: str(pinned_until)})
    seen, _ = run_middleware(later, monkeypatch=monkeypatch)
    assert seen["replica"] is False
    expired = get(reverse("reports:dashboard"), **{replica.PIN_COOKIE: str(int(time.time()) - 1)})
    seen, _ = run_middleware(expired, monkeypatch=monkeypatch)
    assert seen["replica"] is True


def test_a_failed_post_does_not_pin(monkeypatch):
    def refused(request):
        from django.http import HttpResponseForbidden

        return HttpResponseForbidden()

    middleware = replica.ReplicaReadsMiddleware(refused)
    response = middleware(RequestFactory().post("/"))
    assert replica.PIN_COOKIE not in response.cookies


def test_an_unreachable_replica_means_reading_the_primary(monkeypatch):
    seen, _ = run_middleware(
        get(reverse("reports:dashboard")), usable=False, monkeypatch=monkeypatch
    )
    assert seen["replica"] is False


def test_without_a_replica_url_nothing_is_installed(settings):
    assert not replica.configured()
    assert "tieshagai.replica.ReplicaReadsMiddleware" not in settings.MIDDLEWARE
    assert not getattr(settings, "DATABASE_ROUTERS", [])
