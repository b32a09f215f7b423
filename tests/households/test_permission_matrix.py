"""Every URL of the site × every role, with the status each must get.

A URL added to the site without a row here fails ``test_every_url_is_in_the_matrix``.
"""

import importlib

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "admin", "cadre", "cadre2", "leader", "enumerator", "reviewer", "helper"]

# The household in the URLs belongs to 学田地村: ``cadre`` and ``enumerator``
# have that village, ``cadre2`` has 点力村, ``helper`` is its responsible
# person. 302 = sent to the login page; 405 = method not allowed (POST only).
LOGIN = 302
#        anon   admin cadre cadre2 leader enum  review helper
MATRIX = {
    "login": [200, 302, 302, 302, 302, 302, 302, 302],
    "logout": [LOGIN, 405, 405, 405, 405, 405, 405, 405],
    "home": [LOGIN, 302, 302, 302, 302, 302, 302, 302],
    "households:overview": [LOGIN, 200, 200, 200, 200, 200, 200, 200],
    "households:list": [LOGIN, 200, 200, 200, 200, 200, 200, 200],
    "households:export": [LOGIN, 200, 200, 200, 200, 403, 403, 403],
    "households:detail": [LOGIN, 200, 200, 404, 200, 200, 200, 200],
    "households:edit": [LOGIN, 200, 200, 404, 403, 403, 403, 403],
    "households:status": [LOGIN, 200, 200, 404, 403, 403, 403, 403],
    "households:member_add": [LOGIN, 200, 200, 404, 403, 403, 403, 403],
    "households:member_edit": [LOGIN, 200, 200, 404, 403, 403, 403, 403],
    "households:member_leave": [LOGIN, 200, 200, 404, 403, 403, 403, 403],
    # Corrections of a join, a leave or a status change: the town administrator's only.
    "households:member_correct": [LOGIN, 200, 403, 404, 403, 403, 403, 403],
    "households:status_undo": [LOGIN, 200, 403, 404, 403, 403, 403, 403],
    "households:reveal_id": [LOGIN, 405, 405, 405, 405, 405, 405, 405],
    "households:income": [LOGIN, 200, 200, 404, 403, 403, 403, 403],
    "households:guarantee_add": [LOGIN, 200, 200, 404, 403, 403, 403, 403],
    # The ledger import in the URLs was uploaded by ``cadre``: others' imports are not found.
    "ledger:list": [LOGIN, 200, 200, 200, 403, 403, 403, 403],
    "ledger:detail": [LOGIN, 200, 200, 404, 403, 403, 403, 403],
    "ledger:errors": [LOGIN, 302, 302, 404, 403, 403, 403, 403],  # no errors: back to the page
    "ledger:confirm": [LOGIN, 405, 405, 405, 405, 405, 405, 405],
    "ledger:cancel": [LOGIN, 405, 405, 405, 405, 405, 405, 405],
    "ledger:template": [LOGIN, 200, 200, 200, 200, 200, 200, 200],
    "ledger:export": [LOGIN, 200, 200, 200, 200, 403, 403, 403],
    "ledger:registry_export": [LOGIN, 200, 200, 200, 200, 403, 403, 403],
}
# POST-only actions, checked with POST.
POST_MATRIX = {
    "households:reveal_id": [LOGIN, 200, 200, 404, 403, 403, 403, 403],
    "logout": [LOGIN, 302, 302, 302, 302, 302, 302, 302],
    # Already applied: refused with a message on the import's page.
    "ledger:confirm": [LOGIN, 302, 302, 404, 403, 403, 403, 403],
    "ledger:cancel": [LOGIN, 302, 302, 404, 403, 403, 403, 403],
}


# Each app's pages keep their rows in ``tests/<app>/matrix.py``: ``MATRIX``,
# ``POST_MATRIX`` and ``url_kwargs(name, town)`` (the objects in its URLs).
APP_MATRICES = [
    importlib.import_module(f"tests.{app}.matrix")
    for app in ("measures", "rectification", "census", "audit", "accounts", "reports", "monitoring")
]
for _app in APP_MATRICES:
    MATRIX.update(_app.MATRIX)
    POST_MATRIX.update(_app.POST_MATRIX)


def site_url_names():
    """Names of every URL of the site outside the Django admin."""
    names = []

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                walk(p.url_patterns, f"{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.append(namespace + p.name)

    walk(get_resolver().url_patterns)
    return names


def ledger_import():
    from django.contrib.auth import get_user_model

    from households.ledger.models import LedgerImport

    cadre = get_user_model().objects.get(username="cadre")
    return LedgerImport.objects.get_or_create(
        uploaded_by=cadre,
        defaults={"file_name": "台账.xlsx", "sha256": "0" * 64, "size": 1, "status": "applied"},
    )[0]


def url_for(name, town):
    if name in ("ledger:detail", "ledger:errors", "ledger:confirm", "ledger:cancel"):
        return reverse(name, kwargs={"pk": ledger_import().pk})
    for app in APP_MATRICES:
        if name in app.MATRIX or name in app.POST_MATRIX:
            return reverse(name, kwargs=app.url_kwargs(name, town))
    household = town["household"]
    member = household.members.get(relation="head")
    kwargs = {
        "households:detail": {"pk": household.pk},
        "households:edit": {"pk": household.pk},
        "households:status": {"pk": household.pk},
        "households:member_add": {"pk": household.pk},
        "households:member_edit": {"pk": household.pk, "member_pk": member.pk},
        "households:member_leave": {"pk": household.pk, "member_pk": member.pk},
        "households:member_correct": {"pk": household.pk, "member_pk": member.pk},
        "households:status_undo": {"pk": household.pk},
        "households:reveal_id": {"pk": household.pk, "member_pk": member.pk},
        "households:income": {"pk": household.pk, "year": 2020},
        "households:guarantee_add": {"pk": household.pk},
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


def test_every_url_is_in_the_matrix():
    assert sorted(site_url_names()) == sorted(MATRIX)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_get_status_per_role(name, town, client_for):
    url = url_for(name, town)
    got = [client_for(None if r == "anonymous" else r).get(url).status_code for r in ROLES]
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, MATRIX[name], strict=True))


@pytest.mark.parametrize("name", sorted(POST_MATRIX))
def test_post_status_per_role(name, town, client_for):
    url = url_for(name, town)
    got = [client_for(None if r == "anonymous" else r).post(url).status_code for r in ROLES]
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, POST_MATRIX[name], strict=True))


def test_anonymous_is_sent_to_the_login_page(town, client_for):
    response = client_for(None).get(url_for("households:detail", town))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
