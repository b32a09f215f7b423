"""Separation of duties on the site's pages: the system, security and audit
administrators read no registry data, by any way in — every page of the site
answers 403 to them, GET and POST alike, before anything else is looked at
(not an empty list, nor a 404 that would say the object exists elsewhere)."""

import pytest

from tests.accounts.personas import admins  # noqa: F401
from tests.households.test_permission_matrix import MATRIX, POST_MATRIX, url_for

pytestmark = pytest.mark.django_db

#: Pages of one's own account, the login and the health check: everyone's.
EVERYONE = {
    "login",
    "logout",
    "home",
    "password_change",
    "password_change_done",
    "healthz",
}
AUDIT_PAGES = {"audit:list", "audit:export"}
REGISTRY_PAGES = sorted(set(MATRIX) - EVERYONE - AUDIT_PAGES)
REGISTRY_POSTS = sorted(set(POST_MATRIX) - EVERYONE - AUDIT_PAGES)


@pytest.mark.parametrize("name", REGISTRY_PAGES)
def test_administrators_are_refused_every_registry_page(name, town, admin_client_for):
    url = url_for(name, town)
    got = {username: admin_client_for(username).get(url).status_code for username in ADMINS}
    assert got == dict.fromkeys(ADMINS, 403)


@pytest.mark.parametrize("name", REGISTRY_POSTS)
def test_administrators_are_refused_every_registry_action(name, town, admin_client_for):
    url = url_for(name, town)
    got = {username: admin_client_for(username).post(url).status_code for username in ADMINS}
    assert got == dict.fromkeys(ADMINS, 403)


@pytest.mark.parametrize("name", sorted(AUDIT_PAGES))
def test_only_the_audit_administrator_reads_the_audit_trail(name, town, admin_client_for):
    url = url_for(name, town)
    got = {username: admin_client_for(username).get(url).status_code for username in ADMINS}
    assert got == {"sysadmin": 403, "secadmin": 403, "auditor": 200}


ADMINS = ("sysadmin", "secadmin", "auditor")
