"""The admin speaks Chinese where the libraries do not (locale/zh_Hans):
django-axes' login records and the two-box picker of a user's 组."""

import json

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.accounts.personas import admin_client_for, admins  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_security_administrator_reads_the_login_records_in_chinese(admin_client_for):  # noqa: F811
    AccessAttempt.objects.create(username="cadre", ip_address="10.0.0.8", failures_since_start=3)
    client = admin_client_for("secadmin")

    index = client.get(reverse("admin:index")).content.decode()
    assert "登录防护" in index and "登录尝试" in index
    assert "Axes" not in index and "Access attempts" not in index

    page = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    for head in ("用户名", "IP 地址", "登录失败次数", "尝试时间"):
        assert head in page
    for english in ("Access attempts", "IP Address", "Failed Logins", "Attempt Time"):
        assert english not in page


def test_the_group_picker_is_in_chinese(admin_client_for):  # noqa: F811
    # The catalog is JavaScript holding JSON strings (non-ASCII escaped).
    catalog = admin_client_for("sysadmin").get(reverse("admin:jsi18n")).content.decode()
    assert json.dumps("选择全部%s") in catalog
    assert json.dumps("在左侧选中%s,然后点击“选择”箭头按钮。") in catalog
