"""Separation of duties: the system, security and audit administrators each do
their own work and nothing else; the roles are what households/roles.py says."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from households import roles
from tests.accounts.personas import PASSWORD, login_post

pytestmark = pytest.mark.django_db

User = get_user_model()


def perms(role):
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_the_administrator_roles_have_exactly_their_permissions(db):
    assert perms(roles.AUDIT_ADMIN) == {"audit.view_auditentry"}
    assert perms(roles.SECURITY_ADMIN) == {
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
    }
    system = perms(roles.SYSTEM_ADMIN)
    assert {"auth.add_user", "auth.change_user", "auth.view_group"} <= system
    assert "auth.delete_user" not in system
    assert not any(p.startswith(("audit.", "axes.")) for p in system)
    assert not any(p.endswith("_household") for p in system)


def test_no_business_role_reads_the_audit_trail_or_the_login_records(db):
    for role in (roles.TOWN_ADMIN, roles.CADRE, roles.LEADER, roles.REVIEWER):
        assert not any(p.startswith(("audit.", "axes.", "auth.")) for p in perms(role)), role


# --------------------------------------------------------------------------
# System administrator: accounts and roles, nothing else
# --------------------------------------------------------------------------


def test_system_admin_manages_accounts_and_gives_roles(town, admin_client_for):
    client = admin_client_for("sysadmin")
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    response = client.post(
        reverse("admin:auth_user_add"),
        {"username": "newcadre", "password1": "Xuetiandi#2021", "password2": "Xuetiandi#2021"},
    )
    assert response.status_code == 302
    new = User.objects.get(username="newcadre")
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_label="newcadre").exists()

    new.groups.add(Group.objects.get(name=roles.CADRE))
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION, object_label="newcadre"
    ).exists()


def test_system_admin_cannot_see_superusers_nor_make_one(town, admin_client_for, admins):
    client = admin_client_for("sysadmin")
    root = User.objects.create_superuser("root", password=PASSWORD)
    changelist = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert ">root<" not in changelist
    assert client.get(reverse("admin:auth_user_change", args=[root.pk])).status_code == 302
    cadre = User.objects.get(username="cadre")
    form = client.get(reverse("admin:auth_user_change", args=[cadre.pk])).context["adminform"]
    assert "is_superuser" in form.readonly_fields
    assert "user_permissions" in form.readonly_fields


def test_system_admin_cannot_change_their_own_roles(town, admin_client_for, admins):
    client = admin_client_for("sysadmin")
    own = client.get(reverse("admin:auth_user_change", args=[admins["sysadmin"].pk]))
    readonly = own.context["adminform"].readonly_fields
    assert {"groups", "is_staff", "is_superuser", "is_active", "user_permissions"} <= set(readonly)


def test_system_admin_cannot_change_what_a_role_may_do(town, admin_client_for):
    client = admin_client_for("sysadmin")
    group = Group.objects.get(name=roles.CADRE)
    page = client.get(reverse("admin:auth_group_change", args=[group.pk]))
    assert page.status_code == 200
    assert "permissions" in page.context["adminform"].readonly_fields


def test_system_admin_sees_no_registry_audit_or_login_records(town, admin_client_for):
    client = admin_client_for("sysadmin")
    for name in (
        "admin:households_household_changelist",
        "admin:audit_auditentry_changelist",
        "admin:axes_accessattempt_changelist",
    ):
        assert client.get(reverse(name)).status_code == 403, name
    assert_sees_no_household(client, town)


def assert_sees_no_household(client, town):
    """An administrator of the system is no user of the registry: refused, not an empty page."""
    household = town["household"]
    assert client.get(reverse("households:detail", args=[household.pk])).status_code == 403
    assert client.get(reverse("households:list")).status_code == 403


# --------------------------------------------------------------------------
# Security administrator: login records and unlocking
# --------------------------------------------------------------------------


def test_security_admin_unlocks_a_locked_account(town, admin_client_for):
    for _ in range(5):
        login_post(Client(), "cadre", "wrong-Password-1")
    assert login_post(Client(), "cadre").status_code == 429
    client = admin_client_for("secadmin")
    attempt = AccessAttempt.objects.get(username="cadre")
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    assert client.get(reverse("admin:axes_accesslog_changelist")).status_code == 200

    response = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert login_post(Client(), "cadre").status_code == 302


def test_security_admin_manages_no_accounts_and_reads_no_audit(town, admin_client_for):
    client = admin_client_for("secadmin")
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 403
    assert client.get(reverse("audit:list")).status_code == 403


# --------------------------------------------------------------------------
# Audit administrator: reads, changes nothing
# --------------------------------------------------------------------------


def test_audit_admin_reads_the_trail_and_changes_nothing(town, admins):
    client = Client()
    assert login_post(client, "auditor", PASSWORD).status_code == 302
    assert client.get(reverse("audit:list")).status_code == 200
    assert_sees_no_household(client, town)
    # Not staff: the Django admin is closed to them.
    assert client.get(reverse("admin:index")).status_code == 302
