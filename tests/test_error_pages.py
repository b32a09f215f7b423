"""The users' error pages: Chinese, with a way back, also with DEBUG on (the
demo under ``make run``); USER_ERROR_PAGES=0 brings back Django's debug
pages for developers. No favicon 404."""

import pytest
from django.test import Client
from django.urls import reverse

from households import selectors
from tests.households.conftest import client_for, town  # noqa: F401

pytestmark = pytest.mark.django_db

WAY_BACK = "返回首页"


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    settings.USER_ERROR_PAGES = True
    return request.param


def test_an_unknown_address_is_a_chinese_404(town, client_for, debug):  # noqa: F811
    response = client_for("cadre").get("/no-such-page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "页面不存在" in content and WAY_BACK in content
    assert "URLconf" not in content


def test_another_villages_household_is_a_chinese_404(town, client_for, debug):  # noqa: F811
    url = reverse("households:detail", args=[town["other_household"].pk])
    response = client_for("cadre").get(url)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_refused_action_is_a_chinese_403(town, client_for, debug):  # noqa: F811
    response = client_for("helper").get(reverse("households:export"))
    assert response.status_code == 403
    content = response.content.decode()
    assert "没有权限" in content and WAY_BACK in content


def test_an_error_is_a_chinese_500_and_is_logged(
    town,  # noqa: F811
    debug,
    monkeypatch,
    caplog,
    django_user_model,
):
    def broken(request):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(selectors, "as_of_from", broken)
    client = Client(raise_request_exception=False)
    client.force_login(django_user_model.objects.get(username="cadre"))
    response = client.get(reverse("households:list"))
    assert response.status_code == 500
    content = response.content.decode()
    assert "系统出错" in content and WAY_BACK in content
    assert "Traceback" not in content and "broken on purpose" not in content
    assert any("broken on purpose" in str(r.exc_info) for r in caplog.records if r.exc_info)


def test_developers_keep_the_debug_pages(town, client_for, settings):  # noqa: F811
    settings.DEBUG = True
    settings.USER_ERROR_PAGES = False
    response = client_for("cadre").get("/no-such-page/")
    assert response.status_code == 404
    assert "URLconf" in response.content.decode()


def test_the_favicon_is_found(town, client_for):  # noqa: F811
    page = client_for("cadre").get(reverse("households:list")).content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page
    response = Client().get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/favicon.svg"
    assert Client().get(response["Location"]).status_code == 200
