"""Personas of the account and audit tests: the business roles of the ``town``
fixture (tests/households/conftest.py) and the three administrators."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from households import roles
from tests.households.conftest import PASSWORD, client_for, town  # noqa: F401

ADMINS = {
    "sysadmin": roles.SYSTEM_ADMIN,
    "secadmin": roles.SECURITY_ADMIN,
    "auditor": roles.AUDIT_ADMIN,
}


def login_post(client: Client, username: str, password: str = PASSWORD, *, ip="10.1.1.1"):
    """Log in through the login page, as a browser does, from address ``ip``."""
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.fixture
def admins(db):
    """One account per administrator role; the system and security administrators
    may open the Django admin (is_staff), the audit administrator reads /audit/."""
    users = {}
    for username, role in ADMINS.items():
        # The demo logins include them when the ``town`` fixture ran first.
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            user = get_user_model().objects.create_user(username, password=PASSWORD)
        user.is_staff = role != roles.AUDIT_ADMIN
        user.save(update_fields=["is_staff"])
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users


@pytest.fixture
def admin_client_for(admins):
    def make(username):
        client = Client()
        client.force_login(admins[username])
        return client

    return make
