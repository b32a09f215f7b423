"""Password rules, the forced change after PASSWORD_MAX_AGE_DAYS, idle sessions,
and logout everywhere on a password change."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import PasswordState
from accounts.services import password_expired
from accounts.validators import missing_classes
from audit.models import AuditAction, AuditEntry
from demo.management.commands.load_demo import DEMO_PASSWORD
from tests.accounts.personas import PASSWORD, login_post

pytestmark = pytest.mark.django_db

NEW = "Xuetiandi#2020-new"
CHANGE = "/accounts/password_change/"


def user(username="cadre"):
    return get_user_model().objects.get(username=username)


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("abcdefghij", ["digit", "symbol"]),
        ("abcde12345", ["symbol"]),
        ("1234567890-", ["letter"]),
        ("abcdefghij-", ["digit"]),
        ("abc-123-xyz", []),
        ("Pass word 2020", ["symbol"]),  # a space is not a symbol
        ("密码密码密码密码12-", ["letter"]),  # only ASCII letters count
    ],
)
def test_missing_character_classes(password, missing):
    assert missing_classes(password) == missing


def test_a_weak_password_is_refused_with_every_reason_in_chinese(town):
    with pytest.raises(ValidationError) as raised:
        validate_password("abcdefg1", user())
    messages = " ".join(raised.value.messages)
    assert "密码必须同时包含字母、数字和符号(缺少:符号)" in messages
    assert "10" in messages  # too short


@pytest.mark.parametrize("password", [NEW, "tieshagai-demo-2020", PASSWORD])
def test_strong_passwords_pass_every_rule(town, password):
    validate_password(password, user())


@pytest.mark.parametrize("password", ["cadre-2021-Ok!", "My#CADRE#2021x", "2021!xCadre"])
def test_a_password_containing_the_user_name_is_refused(town, password):
    with pytest.raises(ValidationError) as raised:
        validate_password(password, user("cadre"))
    assert "密码不能包含用户名" in raised.value.messages


def test_the_demo_password_satisfies_the_rules(town):
    for username in ("admin", "cadre", "leader", "helper"):
        validate_password(DEMO_PASSWORD, user(username))


def test_the_change_page_refuses_a_weak_password_and_keeps_the_old_one(town):
    client = Client()
    client.force_login(user())
    response = client.post(
        CHANGE,
        {"old_password": PASSWORD, "new_password1": "abcdefghijk", "new_password2": "abcdefghijk"},
    )
    assert response.status_code == 200
    assert "缺少:数字、符号" in response.content.decode()
    assert user().check_password(PASSWORD)


def test_the_change_page_lists_the_rules(town):
    client = Client()
    client.force_login(user())
    html = client.get(CHANGE).content.decode()
    assert "密码必须同时包含字母、数字和符号" in html
    assert f"密码每{settings.PASSWORD_MAX_AGE_DAYS}天必须更换一次" in html


# --------------------------------------------------------------------------
# Age
# --------------------------------------------------------------------------


def test_max_age_is_ninety_days_by_default():
    assert settings.PASSWORD_MAX_AGE_DAYS == 90


def test_expiry_rule():
    now = timezone.now()
    assert not password_expired(changed_at=now - timedelta(days=90), now=now, max_age_days=90)
    assert password_expired(
        changed_at=now - timedelta(days=90, seconds=1), now=now, max_age_days=90
    )
    assert not password_expired(changed_at=now - timedelta(days=900), now=now, max_age_days=0)


def test_setting_a_password_records_when(town):
    cadre = user()
    before = timezone.now()
    cadre.set_password(NEW)
    cadre.save()
    assert PasswordState.objects.get(user=cadre).changed_at >= before


def age(username, days):
    PasswordState.objects.update_or_create(
        user=user(username), defaults={"changed_at": timezone.now() - timedelta(days=days)}
    )


def test_an_expired_password_sends_every_page_to_the_change_page(town):
    age("cadre", 91)
    client = Client()
    login_post(client, "cadre")

    for url in (
        "/",
        reverse("households:list"),
        reverse("households:detail", args=[town["household"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{CHANGE}?expired=1"
    page = client.get(f"{CHANGE}?expired=1")
    assert page.status_code == 200
    assert "您的密码已使用超过90天" in page.content.decode()


def test_a_password_of_89_days_is_not_expired(town):
    age("cadre", 89)
    client = Client()
    login_post(client, "cadre")
    assert client.get(reverse("households:list")).status_code == 200


def test_changing_an_expired_password_opens_the_site_again(town):
    age("cadre", 91)
    client = Client()
    login_post(client, "cadre")
    response = client.post(
        CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert client.get(reverse("households:list")).status_code == 200
    assert user().check_password(NEW)
    entry = AuditEntry.objects.get(action=AuditAction.PASSWORD_CHANGE)
    assert entry.username == "cadre"
    assert NEW not in str(entry.detail)


def test_an_expired_user_may_still_log_out_and_check_health(town):
    age("cadre", 91)
    client = Client()
    login_post(client, "cadre")
    assert client.get("/healthz").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


def test_an_account_without_a_recorded_change_counts_from_its_creation(town):
    cadre = user()
    PasswordState.objects.filter(user=cadre).delete()
    get_user_model().objects.filter(pk=cadre.pk).update(
        date_joined=timezone.now() - timedelta(days=100)
    )
    client = Client()
    login_post(client, "cadre")
    assert client.get("/")["Location"] == f"{CHANGE}?expired=1"


# --------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------


def test_changing_the_password_ends_every_other_session(town):
    office, home = Client(), Client()
    login_post(office, "cadre", ip="10.1.1.1")
    login_post(home, "cadre", ip="10.3.3.3")
    assert home.get(reverse("households:list")).status_code == 200

    office.post(CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})

    assert office.get(reverse("households:list")).status_code == 200
    response = home.get(reverse("households:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sessions_end_after_thirty_idle_minutes_and_requests_extend_them(town):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_TOUCH_SECONDS == 60
    client = Client()
    login_post(client, "cadre")
    client.get(reverse("households:list"))
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = session.expire_date - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)

    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get(reverse("households:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_request_moves_the_expiry_once_a_minute_not_on_every_page(town):
    client = Client()
    login_post(client, "cadre")
    key = client.session.session_key
    client.get(reverse("households:list"))
    # Within the minute the session is not written again…
    soon = timezone.now() + timedelta(minutes=5)
    Session.objects.filter(pk=key).update(expire_date=soon)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("households:list")).status_code == 200
    assert not [q for q in queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]]
    assert Session.objects.get(pk=key).expire_date == soon

    # …and once a minute has passed since the last move, the next request moves it.
    session = client.session
    session["_touched"] -= 61
    session.save()
    assert client.get(reverse("households:list")).status_code == 200
    remaining = Session.objects.get(pk=key).expire_date - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)


def test_an_anonymous_visitor_gets_no_session_row(db):
    client = Client()
    client.cookies["sessionid"] = "x" * 32
    assert client.get(reverse("login")).status_code == 200
    assert not Session.objects.exists()


def test_sessions_live_in_the_database_for_several_app_servers():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
