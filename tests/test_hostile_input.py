"""Hostile input never gives a 500: every URL of the site and of the admin,
as an administrator, with quotes, percent signs, NUL bytes, 100 kB strings,
extreme numbers and dates in the query string, the form data and the path.

A refusal (400, 403, 404, a form with errors, a redirect) is the right
answer; an exception is not. The values are the ones a probe of the running
system tried, and what a scanner tries.
"""

from __future__ import annotations

import contextlib

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse

from tests.households.conftest import town  # noqa: F401
from tests.households.test_permission_matrix import MATRIX, url_for

pytestmark = pytest.mark.django_db

HOSTILE = [
    "'",
    "\"'><script>alert(1)</script>",
    "%",
    "%%25",
    "\x00",
    "a\x00b",
    "x" * 100_000,
    "99999999999999999999",
    "-1",
    "1e400",
    "NaN",
    "9999-12-31",
    "0001-01-01",
    "0000-00-00",
    "2020-02-30",
    "../../etc/passwd",
    "１２３",
]
#: Every name a page of the site reads from its query string or form.
PARAMS = [
    "on", "year", "village", "group", "page", "q", "sort", "status", "refresh", "programme",
    "date_from", "date_to", "username", "action", "object_type", "ip_address", "category",
    "inspection_round", "responsible", "overdue", "attribute", "dibao_class", "cause",
    "income_min", "income_max", "check", "has_dibao", "ids", "next", "household", "member",
    "note", "reason", "version", "valid_from", "left_on", "joined_on", "id_number", "name",
    "amount", "wage_income", "kind", "target", "standard_amount", "deadline", "found_on",
]  # fmt: skip
HOSTILE_INTS = ["0", "99999999999999999999"]


def client_as(username: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username=username))
    return client


def with_hostile_path(url: str) -> list[str]:
    """``url`` with each of its numeric path arguments replaced by hostile numbers."""
    match = resolve(url.split("?")[0])
    urls = []
    for key, value in match.kwargs.items():
        if not isinstance(value, int):
            continue
        for hostile in HOSTILE_INTS:
            kwargs = {**match.kwargs, key: hostile}
            with contextlib.suppress(NoReverseMatch):
                urls.append(reverse(match.view_name, kwargs=kwargs))
    return urls


def server_errors(client: Client, url: str, method: str, data: dict) -> list[str]:
    response = getattr(client, method)(url, data)
    if response.status_code >= 500:
        return [f"{method.upper()} {url[:80]} {str(data)[:60]} → {response.status_code}"]
    return []


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_no_site_page_gives_a_server_error_on_hostile_input(name, town):  # noqa: F811
    client = client_as("admin")
    url = url_for(name, town)
    errors = []
    for value in HOSTILE:
        data = dict.fromkeys(PARAMS, value)
        errors += server_errors(client, url, "get", data)
        errors += server_errors(client, url, "post", data)
    for hostile_url in with_hostile_path(url):
        errors += server_errors(client, hostile_url, "get", {})
        errors += server_errors(client, hostile_url, "post", {})
    assert errors == []


def admin_urls() -> list[str]:
    """One URL per admin changelist, and the change/history pages of a hostile id."""
    from django.contrib import admin

    urls = []
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        for view in ("change", "history", "delete"):
            for object_id in ("0", "99999999999999999999", "'", "%00", "x" * 2000):
                with contextlib.suppress(NoReverseMatch):
                    urls.append(reverse("admin:{}_{}_{}".format(*info, view), args=[object_id]))
    return urls


ADMIN_PARAMS = ["q", "o", "p", "e", "all", "_changelist_filters", "village__id__exact", "year"]


@pytest.fixture
def superuser(town):  # noqa: F811
    return get_user_model().objects.create_superuser("root", password="x-Root-2026!")


def test_no_admin_page_gives_a_server_error_on_hostile_input(town, superuser):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    errors = []
    for url in admin_urls():
        if "/change/" in url or "/history/" in url or "/delete/" in url:
            errors += server_errors(client, url, "get", {})
            continue
        for value in HOSTILE:
            errors += server_errors(client, url, "get", dict.fromkeys(ADMIN_PARAMS, value))
    assert errors == []


def test_every_url_pattern_is_walked():
    """A page added later is walked too: the site's names are the matrix's."""
    names = []

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                walk(
                    pattern.url_patterns,
                    f"{pattern.namespace}:" if pattern.namespace else namespace,
                )
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(namespace + pattern.name)

    walk(get_resolver().url_patterns)
    assert sorted(names) == sorted(MATRIX)
