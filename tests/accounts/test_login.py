"""Login lockout (django-axes) and the record of every attempt."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.test import Client

from audit.models import AuditAction, AuditEntry
from tests.accounts.personas import PASSWORD, login_post

pytestmark = pytest.mark.django_db

WRONG = "not-the-Password-1"
OFFICE = "10.1.1.1"


def fail(client, username, times, ip=OFFICE):
    return [login_post(client, username, WRONG, ip=ip).status_code for _ in range(times)]


def test_settings_lock_after_five_failures_for_thirty_minutes_per_username_and_address():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=30) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_a_right_password_logs_in(town):
    response = login_post(Client(), "cadre")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_four_failures_still_allow_the_right_password(town):
    client = Client()
    assert fail(client, "cadre", 4) == [200] * 4
    assert login_post(client, "cadre").status_code == 302


def test_fifth_failure_locks_the_account_and_the_right_password_is_refused(town):
    client = Client()
    statuses = fail(client, "cadre", 5)

    assert statuses == [200, 200, 200, 200, 429]
    response = login_post(client, "cadre")  # the right password, too late
    assert response.status_code == 429
    html = response.content.decode()
    assert "账号已暂时锁定" in html
    assert "连续5次登录失败" in html
    assert "30分钟" in html
    assert "安全管理员" in html
    assert "_auth_user_id" not in client.session


def test_lockout_ends_after_thirty_minutes(town):
    client = Client()
    fail(client, "cadre", 5)
    assert login_post(client, "cadre").status_code == 429

    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=31)
    )

    assert login_post(client, "cadre").status_code == 302


def test_a_locked_account_does_not_lock_colleagues_in_the_same_office(town):
    fail(Client(), "cadre", 5, ip=OFFICE)

    assert login_post(Client(), "cadre2", ip=OFFICE).status_code == 302
    assert login_post(Client(), "leader", ip=OFFICE).status_code == 302


def test_failures_from_one_address_do_not_lock_the_account_elsewhere(town):
    fail(Client(), "cadre", 5, ip=OFFICE)

    assert login_post(Client(), "cadre", ip=OFFICE).status_code == 429
    assert login_post(Client(), "cadre", ip="10.2.2.2").status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(town):
    client = Client()
    fail(client, "cadre", 4)
    assert login_post(client, "cadre").status_code == 302
    assert fail(Client(), "cadre", 4) == [200] * 4
    assert login_post(Client(), "cadre").status_code == 302


def test_every_attempt_is_recorded_by_axes_and_in_the_audit_trail(town):
    client = Client()
    fail(client, "cadre", 2)
    login_post(client, "cadre")
    client.post("/accounts/logout/", REMOTE_ADDR=OFFICE)
    fail(Client(), "nobody", 1, ip="10.9.9.9")

    assert AccessFailureLog.objects.filter(username="cadre").count() == 2
    assert AccessLog.objects.filter(username="cadre").count() == 1
    entries = AuditEntry.objects.filter(action__in=["login", "logout", "login_failed"]).order_by(
        "id"
    )
    got = [
        (e.action, e.username, e.ip_address) for e in entries if e.username in ("cadre", "nobody")
    ]
    assert got == [
        (AuditAction.LOGIN_FAILED, "cadre", OFFICE),
        (AuditAction.LOGIN_FAILED, "cadre", OFFICE),
        (AuditAction.LOGIN, "cadre", OFFICE),
        (AuditAction.LOGOUT, "cadre", OFFICE),
        (AuditAction.LOGIN_FAILED, "nobody", "10.9.9.9"),
    ]
    login = AuditEntry.objects.get(action=AuditAction.LOGIN, username="cadre")
    assert login.user.username == "cadre"
    failed = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).first()
    assert failed.user is None  # an attempt is not the account's act
    assert WRONG not in str(failed.detail)


def test_the_lockout_is_in_the_audit_trail(town):
    fail(Client(), "cadre", 5)

    locked = AuditEntry.objects.get(action=AuditAction.LOCKED_OUT)
    assert (locked.username, locked.ip_address) == ("cadre", OFFICE)


def test_the_login_page_says_how_many_failures_lock(town):
    response = login_post(Client(), "cadre", WRONG)
    assert "连续5次输错,账号将被锁定30分钟" in response.content.decode()


def test_the_admin_login_is_locked_too(town):
    client = Client()
    for _ in range(5):
        client.post("/admin/login/", {"username": "admin", "password": WRONG}, REMOTE_ADDR=OFFICE)
    response = client.post(
        "/admin/login/", {"username": "admin", "password": PASSWORD}, REMOTE_ADDR=OFFICE
    )
    assert response.status_code == 429


def test_the_stored_attempt_keeps_no_password_nor_csrf_token(town):
    fail(Client(), "cadre", 2)
    attempt = AccessAttempt.objects.get(username="cadre")
    assert attempt.failures_since_start == 2
    assert WRONG not in attempt.post_data
    assert "password=********************" in attempt.post_data


# --------------------------------------------------------------------------
# Across addresses: a cap per account, and a slow-down before it
# --------------------------------------------------------------------------


def test_rotating_addresses_does_not_give_unlimited_guesses(town, settings):
    settings.AXES_USERNAME_FAILURE_LIMIT = 12
    statuses = []
    for n in range(12):
        # Four guesses from each of three addresses: under the per-address limit.
        statuses += fail(Client(), "cadre", 1, ip=f"10.9.{n // 4}.1")
    assert statuses == [200] * 12

    # The right password, from yet another address: locked everywhere.
    response = login_post(Client(), "cadre", ip="10.9.99.1")

    assert response.status_code == 429
    assert "已在所有地址暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in Client().session
    # A colleague is not affected.
    assert login_post(Client(), "cadre2", ip="10.9.99.1").status_code == 302


def test_the_account_cap_ends_with_the_cool_off(town, settings):
    settings.AXES_USERNAME_FAILURE_LIMIT = 6
    for n in range(6):
        fail(Client(), "cadre", 1, ip=f"10.8.{n}.1")
    assert login_post(Client(), "cadre", ip="10.8.99.1").status_code == 429

    AccessFailureLog.objects.update(
        attempt_time=AccessFailureLog.objects.first().attempt_time - timedelta(minutes=31)
    )

    assert login_post(Client(), "cadre", ip="10.8.99.1").status_code == 302


def test_attempts_beyond_the_per_address_limit_are_slowed_down(town, settings, monkeypatch):
    settings.LOGIN_SLOWDOWN_SECONDS = 0.5
    settings.LOGIN_SLOWDOWN_MAX_SECONDS = 1.5
    waits = []
    monkeypatch.setattr("accounts.backends.time.sleep", waits.append)
    for n in range(9):
        fail(Client(), "cadre", 1, ip=f"10.7.{n}.1")
    # No wait for the first five failures of the account, then longer and longer.
    assert waits == [0.5, 1.0, 1.5, 1.5]


def test_an_id_number_typed_as_user_name_is_kept_masked(town):
    login_post(Client(), "150927 19620816 0476", WRONG)
    kept = [
        *AccessAttempt.objects.values_list("username", flat=True),
        *AccessFailureLog.objects.values_list("username", flat=True),
        *AccessLog.objects.values_list("username", flat=True),
        *AuditEntry.objects.values_list("username", flat=True),
        *AuditEntry.objects.values_list("object_label", flat=True),
    ]
    assert kept
    assert all("19620816" not in name for name in kept)
