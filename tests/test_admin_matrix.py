"""Every URL of the Django admin × every role, with the status each must get.

The admin is a second way into the registry: its changelists, change, add,
delete and history pages, its exports and imports answer each role as the
roles and the separation of duties say. A URL added to the admin without an
entry here fails ``test_every_admin_url_is_in_the_matrix``.

What each staff role may do with each model is written as a *level* (the
matrix below); ``expected`` turns a level into the status of each kind of page.
"""

from __future__ import annotations

import pytest
from axes.models import AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from demo.build import ensure_demo_users
from households import roles
from households.ledger.tasks import preview_ledger_import
from households.models import Household, UserProfile, Village
from tests.test_admin import add_household, data, id_number  # noqa: F401

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "test-Password-2020"

#: Accounts that are not staff: the admin sends them to its login page.
NOT_STAFF = ["anonymous", "cadre", "leader", "countyleader", "auditor"]
#: Staff accounts. ``staffcadre`` is a village cadre made staff behind the
#: admin's back (the account form refuses it): the admin still shows them
#: their own village only.
STAFF = ["admin", "countyadmin", "staffcadre", "sysadmin", "secadmin", "superuser"]
ROLES = NOT_STAFF + STAFF

# Levels: "-" nothing (403); "v" view; "vd" view and delete; "c" view and
# change; "a" view, add and change; "f" view, add, change and delete.
DOMAIN_FULL = "f"
#           admin  countyadmin staffcadre sysadmin secadmin superuser
LEVELS = {
    # The county and its towns are the county administrator's to set up; a
    # town administrator reads their county and edits their own town's record.
    "households.county": ["v", "f", "-", "-", "-", "f"],
    "households.town": ["c", "f", "-", "-", "-", "f"],
    "households.village": ["f", "f", "v", "-", "-", "f"],
    "households.villagergroup": ["f", "f", "v", "-", "-", "f"],
    "households.naturalvillage": ["f", "f", "v", "-", "-", "f"],
    "households.villagepopulation": ["f", "f", "-", "-", "-", "f"],
    "households.policyyear": ["f", "f", "v", "-", "-", "f"],
    "households.household": ["f", "f", "a", "-", "-", "f"],
    # Read only for everyone: a status changes through the checked status page.
    "households.householdstatusperiod": ["v", "v", "v", "-", "-", "v"],
    "households.member": ["f", "f", "a", "-", "-", "f"],
    "households.householdincome": ["f", "f", "a", "-", "-", "f"],
    "households.guaranteeassessment": ["f", "f", "a", "-", "-", "f"],
    "households.idnumberreveal": ["v", "v", "-", "-", "-", "v"],
    "households.ledgerimport": ["v", "v", "-", "-", "-", "v"],
    # Account management: the system administrator's.
    "households.userprofile": ["-", "-", "-", "a", "-", "f"],
    "measures.responsibleperson": ["f", "f", "v", "-", "-", "f"],
    "measures.assignment": ["f", "f", "v", "-", "-", "f"],
    "measures.programme": ["f", "f", "v", "-", "-", "f"],
    "measures.measureapplication": ["f", "f", "a", "-", "-", "f"],
    "measures.villageproject": ["f", "f", "-", "-", "-", "f"],
    "measures.projectincome": ["f", "f", "-", "-", "-", "f"],
    "measures.collectiveincome": ["f", "f", "-", "-", "-", "f"],
    "rectification.inspectionround": ["f", "f", "-", "-", "-", "f"],
    "rectification.problem": ["f", "f", "v", "-", "-", "f"],
    "rectification.evidence": ["f", "f", "-", "-", "-", "f"],
    "census.workinggroup": ["f", "f", "-", "-", "-", "f"],
    "census.groupmember": ["f", "f", "-", "-", "-", "f"],
    "census.censusstaff": ["f", "f", "-", "-", "-", "f"],
    "census.householdcheck": ["f", "f", "-", "-", "-", "f"],
    "monitoring.monitoringline": ["f", "f", "v", "-", "-", "f"],
    "audit.auditentry": ["-", "-", "-", "-", "-", "v"],
    "axes.accessattempt": ["-", "-", "-", "-", "vd", "vd"],
    "axes.accesslog": ["-", "-", "-", "-", "v", "vd"],
    "axes.accessfailurelog": ["-", "-", "-", "-", "v", "vd"],
    # The system administrator adds and changes accounts, never deletes one
    # (an account that leaves is deactivated); reads the roles.
    "auth.user": ["-", "-", "-", "a", "-", "f"],
    "auth.group": ["-", "-", "-", "v", "-", "f"],
    # The background tasks: the system administrator reads them; nobody adds,
    # changes or deletes one (the worker does).
    "django_tasks_database.dbtaskresult": ["-", "-", "-", "v", "-", "v"],
}

#: Models the admin imports into, per staff role: never a model whose rows move
#: through a checked workflow (status periods, census checks, problems,
#: evidence), and registry data only for those who see every village.
IMPORTABLE = {
    label
    for label in LEVELS
    if label.split(".")[0] in ("households", "measures", "rectification", "census", "monitoring")
    and label
    not in {
        "households.householdstatusperiod",
        "households.idnumberreveal",
        "households.ledgerimport",
        "households.userprofile",
        "rectification.problem",
        "rectification.evidence",
        "census.householdcheck",
    }
}
#: Registry data (rows of a village or household, or the towns and counties)
#: names villages and households unchecked: only a superuser imports it in the
#: admin; the towns' staff import their ledgers through the ledger import.
REFERENCE = {
    label
    for label in IMPORTABLE
    if not next(
        a for m, a in admin.site._registry.items() if m._meta.label_lower == label
    ).is_registry
}
IMPORTS = {
    "admin": REFERENCE,
    "countyadmin": REFERENCE,
    "staffcadre": set(),
    "sysadmin": set(),
    "secadmin": set(),
    "superuser": IMPORTABLE,
}

#: The site-wide admin pages (not of one model).
LOGIN = 302
SITE = {
    #         anon cadre leader cleader auditor admin cadmin staffc sysad secad super
    "index": [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200, 200, 200, 200, 200, 200],
    # The login page shows a non-staff user why they cannot go on; staff go on.
    "login": [200, 200, 200, 200, 200, 302, 302, 302, 302, 302, 302],
    # POST only: a GET is refused as such (once past the admin's staff check).
    "logout": [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 405, 405, 405, 405, 405, 405],
    "password_change": [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200, 200, 200, 200, 200, 200],
    "password_change_done": [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200, 200, 200, 200, 200, 200],
    "jsi18n": [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200, 200, 200, 200, 200, 200],
    # Without its parameters the autocomplete refuses whoever asks.
    "autocomplete": [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 403, 403, 403, 403, 403, 403],
    # No model of the project has a page on the site of its own.
    "view_on_site": [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 404, 404, 404, 404, 404, 404],
    # The registry app's page lists what the user may open; the others have none.
    "app_list": [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200, 200, 200, 200, 404, 200],
}

MODEL_VIEWS = (
    "changelist",
    "add",
    "change",
    "delete",
    "history",
    "simple_history",
    "export",
    "import",
    "process_import",
    "reveal",
    "password_change",
)


def expected(label: str, view: str, role: str) -> int:
    """The status ``role`` must get on ``view`` of ``label``'s admin."""
    if role in NOT_STAFF:
        return LOGIN
    level = LEVELS[label][STAFF.index(role)]
    can_view = level != "-"
    if view in ("changelist", "change", "history", "simple_history"):
        return 200 if can_view else 403
    if view == "add":
        return 200 if level in ("a", "f") else 403
    if view == "delete":
        return 200 if level in ("f", "vd") else 403
    if view == "export":
        return 200 if can_view else 403
    if view in ("import", "process_import"):
        return 200 if label in IMPORTS[role] else 403
    if view == "reveal":
        return 200 if role in ("admin", "countyadmin", "staffcadre", "superuser") else 403
    if view == "password_change":
        return 200 if level in ("a", "f") else 403
    raise AssertionError(f"no rule for {view}")


def admin_url_names() -> dict[str, str]:
    """Every named URL of the admin site: name → the model label or ``site``."""
    labels = {
        f"{m._meta.app_label}_{m._meta.model_name}": m._meta.label_lower
        for m in admin.site._registry
    }
    names: dict[str, str] = {}

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace == "admin":
                names[pattern.name] = "site"
                for prefix, label in labels.items():
                    if pattern.name.startswith(prefix + "_"):
                        names[pattern.name] = label

    walk(get_resolver().url_patterns)
    return names


def split(name: str, label: str) -> str:
    """The kind of page of an admin URL name (``households_member_change`` → ``change``)."""
    app, model = label.split(".")
    return name.removeprefix(f"{app}_{model}_")


def test_every_admin_url_is_in_the_matrix():
    names = admin_url_names()
    unknown = []
    for name, label in names.items():
        if label == "site":
            if name not in SITE:
                unknown.append(name)
        elif label not in LEVELS or split(name, label) not in MODEL_VIEWS:
            unknown.append(name)
    assert unknown == []
    assert set(LEVELS) == {m._meta.label_lower for m in admin.site._registry}


# --------------------------------------------------------------------------
# The accounts and the objects in the URLs
# --------------------------------------------------------------------------


@pytest.fixture
def accounts(data):  # noqa: F811
    ensure_demo_users(password=PASSWORD)
    own = data["village"]
    staffcadre = User.objects.create_user("staffcadre", password=PASSWORD)
    staffcadre.groups.add(Group.objects.get(name=roles.CADRE))
    UserProfile.objects.create(user=staffcadre).villages.add(own)
    # Made staff past the account form, which would refuse it.
    User.objects.filter(pk=staffcadre.pk).update(is_staff=True)
    User.objects.create_superuser("superuser", password=PASSWORD)
    AccessLog.objects.create(username="cadre", ip_address="10.0.0.8")
    preview_ledger_import.enqueue(1)  # a background task
    # The demo cadre sees the fixture's village.
    User.objects.get(username="cadre").profile.villages.set([own])
    return {username: User.objects.filter(username=username).first() for username in ROLES}


def client_for(accounts, role):
    client = Client()
    if role != "anonymous":
        client.force_login(accounts[role])
    return client


def object_for(label):
    """The object in the URLs of ``label``'s pages (of the fixture's own village)."""
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    if label == "auth.user":
        return User.objects.get(username="cadre")
    if label == "households.userprofile":
        return UserProfile.objects.get(user__username="cadre")
    return model._default_manager.order_by("pk").first()


def url_for(name, label):
    if label == "site":
        if name == "app_list":
            return reverse("admin:app_list", kwargs={"app_label": "households"})
        if name == "view_on_site":
            household = Household.objects.order_by("pk").first()
            from django.contrib.contenttypes.models import ContentType

            content_type = ContentType.objects.get_for_model(Household)
            return reverse("admin:view_on_site", args=[content_type.pk, household.pk])
        return reverse(f"admin:{name}")
    view = split(name, label)
    obj = object_for(label)
    if view in ("change", "delete", "history", "reveal", "password_change"):
        return reverse(f"admin:{name}", args=[obj.pk])
    if view == "simple_history":
        return reverse(f"admin:{name}", args=[obj.pk, obj.history.order_by("pk").first().pk])
    return reverse(f"admin:{name}")


def status(client, name, label, url):
    if label != "site" and split(name, label) == "process_import":
        # The confirmation step of an import is a POST (a GET is refused as such).
        return client.post(url).status_code
    return client.get(url).status_code


@pytest.mark.parametrize("name", sorted(SITE))
def test_site_pages_per_role(name, accounts):
    url = url_for(name, "site")
    got = {role: status(client_for(accounts, role), name, "site", url) for role in ROLES}
    assert got == dict(zip(ROLES, SITE[name], strict=True))


MODEL_URLS: dict[str, list[str]] = {}
for _name, _label in sorted(admin_url_names().items()):
    if _label != "site":
        MODEL_URLS.setdefault(_label, []).append(_name)


@pytest.mark.parametrize("label", sorted(MODEL_URLS))
def test_model_pages_per_role(label, accounts):
    """Each page of one model's admin, as every role (one fixture for all of them)."""
    clients = {role: client_for(accounts, role) for role in ROLES}
    got, want = {}, {}
    for name in MODEL_URLS[label]:
        url = url_for(name, label)
        view = split(name, label)
        got[view] = {role: status(clients[role], name, label, url) for role in ROLES}
        want[view] = {role: expected(label, view, role) for role in ROLES}
    assert got == want


# --------------------------------------------------------------------------
# Scope: a staff user who sees one village sees nothing of another
# --------------------------------------------------------------------------


@pytest.fixture
def other_village(data):  # noqa: F811
    village = Village.objects.create(town=data["town"], name="点力村")
    group = village.groups.create(name="一组", number=1)
    household = add_household(village, group, "150927002", id_number("19700303", "011"))
    return {"village": village, "household": household, "member": household.members.get()}


def test_a_staff_cadre_sees_only_their_village_in_the_admin(accounts, data, other_village):  # noqa: F811
    client = client_for(accounts, "staffcadre")
    other = other_village["household"]
    changelist = client.get(reverse("admin:households_household_changelist"))
    assert [h.pk for h in changelist.context["cl"].result_list] == [data["household"].pk]
    members = client.get(reverse("admin:households_member_changelist")).context["cl"]
    assert other_village["member"] not in list(members.result_list)
    for name, pk in (
        ("households_household_change", other.pk),
        ("households_member_change", other_village["member"].pk),
        ("households_village_change", other_village["village"].pk),
    ):
        # The admin's answer to an object outside the queryset: back to the index.
        response = client.get(reverse(f"admin:{name}", args=[pk]))
        assert response.status_code == 302, name
    for name, pk in (
        ("households_household_history", other.pk),
        ("households_member_history", other_village["member"].pk),
    ):
        assert client.get(reverse(f"admin:{name}", args=[pk])).status_code == 404, name
    record = other.history.first()
    url = reverse("admin:households_household_simple_history", args=[other.pk, record.pk])
    assert client.get(url).status_code == 404


def test_a_staff_cadre_cannot_save_a_household_into_another_village(accounts, data, other_village):  # noqa: F811
    from tests.test_admin import post_data_from_change_form

    client = client_for(accounts, "staffcadre")
    household = data["household"]
    url = reverse("admin:households_household_change", args=[household.pk])
    post = post_data_from_change_form(client.get(url))
    post["village"] = str(other_village["village"].pk)
    post["group"] = str(other_village["village"].groups.get().pk)

    response = client.post(url, post)

    assert response.status_code == 200
    assert "village" in response.context["adminform"].form.errors
    household.refresh_from_db()
    assert household.village == data["village"]


def test_a_staff_cadre_exports_only_their_village(accounts, data, other_village):  # noqa: F811
    client = client_for(accounts, "staffcadre")
    response = client.post(
        reverse("admin:households_member_export"),
        {"format": "0", "resource": "0", **member_export_fields()},
    )
    assert response.status_code == 200
    content = response.content.decode("utf-8-sig")
    assert data["household"].number in content
    assert other_village["household"].number not in content


def member_export_fields():
    from households.resources import MemberResource

    return {f"memberresource_{name}": "on" for name in MemberResource().get_export_order()}
