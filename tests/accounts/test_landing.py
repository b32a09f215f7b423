"""Each role lands on its work after login; only an account without any
scope is told it has none."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from households import roles
from measures.models import ResponsiblePerson
from tests.accounts.personas import ADMINS
from tests.households.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NO_SCOPE = "您的账号尚未分配负责的村"


def lands(client):
    response = client.get("/")
    assert response.status_code == 302, response.content.decode()[:200]
    return response["Location"]


def test_each_business_role_lands_on_its_work(town, client_for):
    village = town["household"].village
    assert lands(client_for("admin")) == reverse("households:overview")
    assert lands(client_for("leader")) == reverse("households:overview")
    assert lands(client_for("reviewer")) == reverse("census:queue")
    assert lands(client_for("enumerator")) == reverse("census:village", args=[village.pk])
    assert lands(client_for("cadre")) == f"{reverse('households:list')}?village={village.pk}"
    assert lands(client_for("helper")) == reverse("measures:my_households")


def test_each_system_administrator_lands_on_their_work(town, admin_client_for):
    assert lands(admin_client_for("sysadmin")) == reverse("admin:index")
    assert lands(admin_client_for("secadmin")) == reverse("admin:index")
    assert lands(admin_client_for("auditor")) == reverse("audit:list")


def test_a_login_goes_to_the_landing_page(town, client):
    response = client.post(
        reverse("login"), {"username": "reviewer", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("census:queue")
    assert "待审核的核查" in response.content.decode()


def user_with(role, username="newcomer"):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.mark.parametrize("role", [roles.CADRE, roles.ENUMERATOR, roles.RESPONSIBLE])
def test_only_an_account_without_scope_is_told_so(town, client, role):
    client.force_login(user_with(role))
    response = client.get("/")
    assert response.status_code == 200
    assert NO_SCOPE in response.content.decode()


def test_a_helper_without_households_yet_lands_on_their_page(town, client):
    user = user_with(roles.RESPONSIBLE)
    ResponsiblePerson.objects.create(name="新帮扶", position="干部", user=user)
    client.force_login(user)
    assert lands(client) == reverse("measures:my_households")


def test_the_no_scope_message_is_never_shown_to_an_administrator(town, admin_client_for):
    for username in ADMINS:
        response = admin_client_for(username).get("/", follow=True)
        assert NO_SCOPE not in response.content.decode()
