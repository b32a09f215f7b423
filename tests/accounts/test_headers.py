"""Security headers: the Content-Security-Policy on every page, no inline script
or style in any template, and the production headers when DEBUG is off."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_pages_carry_a_strict_content_security_policy(town, client_for):
    household = town["household"]
    for client, url in (
        (Client(), reverse("login")),
        (client_for("cadre"), reverse("households:detail", args=[household.pk])),
        (client_for("cadre"), reverse("households:list")),
        (client_for("admin"), reverse("admin:index")),
    ):
        policy = csp(client.get(url))
        assert policy["default-src"] == "'self'", url
        assert policy["frame-ancestors"] == "'none'"
        assert policy["object-src"] == "'none'"
        assert "unsafe-inline" not in str(policy) and "unsafe-eval" not in str(policy)


def test_frames_sniffing_and_referrers_are_refused(town, client_for):
    response = client_for("cadre").get(reverse("households:list"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "url",
    ["/accounts/login/", "/households/", "/reports/", "/audit/", "/admin/households/member/"],
)
def test_no_page_is_kept_by_a_browser_or_a_proxy(town, client_for, url):
    client = client_for("admin")
    response = client.get(url)
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private", "no-cache"} <= cache_control
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_revealed_id_number_is_not_kept_by_the_browser(town, client_for):
    household = town["household"]
    member = household.members.first()
    response = client_for("cadre").post(
        reverse("households:reveal_id", args=[household.pk, member.pk])
    )
    assert response.status_code == 200
    assert member.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]


# --------------------------------------------------------------------------
# Templates: nothing the policy would block
# --------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)


def project_templates() -> list[Path]:
    folders = [ROOT / "templates"] + [
        path / "templates" for path in ROOT.iterdir() if (path / "templates").is_dir()
    ]
    return sorted(p for folder in folders for p in folder.rglob("*.html"))


def test_there_are_templates_to_check():
    names = {p.relative_to(ROOT).as_posix() for p in project_templates()}
    assert {"templates/base.html", "templates/households/detail.html"} <= names


@pytest.mark.parametrize(
    "pattern",
    [INLINE_SCRIPT, STYLE_ATTRIBUTE, STYLE_ELEMENT, HANDLER_ATTRIBUTE, JS_URL],
    ids=["inline-script", "style-attribute", "style-element", "on-handler", "javascript-url"],
)
def test_no_template_has_inline_code_or_style(pattern):
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}"
        for path in project_templates()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []


def test_the_checker_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert STYLE_ATTRIBUTE.search('<td style="color:red">')
    assert HANDLER_ATTRIBUTE.search('<a onclick="x()">')
    assert JS_URL.search('<a href="javascript:void(0)">')


# --------------------------------------------------------------------------
# Production settings (DEBUG off), read in a fresh interpreter
# --------------------------------------------------------------------------

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "test-only-" + "x" * 60,
    "ALLOWED_HOSTS": "fp.example.gov.cn",
    "DJANGO_SETTINGS_MODULE": "tieshagai.settings",
}


def production_settings(**extra) -> dict:
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "X_FRAME_OPTIONS",
        "SECURE_REFERRER_POLICY",
        "SECURE_REDIRECT_EXEMPT",
        "STORAGES",
        "WHITENOISE_AUTOREFRESH",
        "SECURE_PROXY_SSL_HEADER",
        "MEDIA_ROOT",
    ]
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}, default=str))"
    )
    env = {**os.environ, **PRODUCTION_ENV, **extra}
    env.pop("DATABASE_URL", None)
    out = subprocess.run(  # noqa: S603 (this interpreter, our own code)
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_production_settings_turn_on_hsts_secure_cookies_and_hashed_static_files():
    values = production_settings(BEHIND_PROXY="1", MEDIA_ROOT="/srv/uploads")
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_REDIRECT_EXEMPT"] == ["^healthz$"]
    assert values["WHITENOISE_AUTOREFRESH"] is False
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["MEDIA_ROOT"] == "/srv/uploads"


def test_uploads_storage_backend_comes_from_the_environment():
    values = production_settings(MEDIA_STORAGE="myproject.storages.NetworkStorage")
    assert values["STORAGES"]["default"]["BACKEND"] == "myproject.storages.NetworkStorage"


def test_hsts_and_secure_cookies_are_sent_over_https(town, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client()
    page = client.get(reverse("login"), secure=True)
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert page.cookies["csrftoken"]["secure"] is True
    response = client.post(
        reverse("login"), {"username": "cadre", "password": "test-Password-2020"}, secure=True
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True


# --------------------------------------------------------------------------
# Health check
# --------------------------------------------------------------------------


def test_healthz_answers_without_login_and_says_nothing_else():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_when_the_database_does_not_answer():
    with mock.patch("accounts.views.connection.cursor", side_effect=DatabaseError("down")):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}
