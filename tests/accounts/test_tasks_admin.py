"""The background tasks in the admin: the system administrator's, read only,
in Chinese, and without registry data."""

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from households.ledger.tasks import preview_ledger_import
from tests.accounts.personas import admin_client_for, admins  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_task():
    result = preview_ledger_import.enqueue(7)
    row = DBTaskResult.objects.get(pk=result.id)
    try:
        raise ValueError("Key (id_number)=(150927199001010011) already exists")
    except ValueError as exc:
        row.set_failed(exc)
    return row


def test_the_system_administrator_reads_the_tasks_in_chinese(admin_client_for, failed_task):  # noqa: F811
    client = admin_client_for("sysadmin")

    index = client.get(reverse("admin:index")).content.decode()
    assert "后台任务" in index and "Task Result" not in index
    listing = client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    content = listing.content.decode()
    assert listing.status_code == 200
    assert "preview_ledger_import" in content and "失败" in content and "排队时间" in content


def test_a_tasks_page_shows_its_arguments_but_no_traceback(admin_client_for, failed_task):  # noqa: F811
    client = admin_client_for("sysadmin")
    url = reverse("admin:django_tasks_database_dbtaskresult_change", args=[failed_task.pk])

    content = client.get(url).content.decode()

    assert "builtins.ValueError" in content  # what failed
    assert "150927199001010011" not in content  # not the values the error quoted
    assert "&quot;args&quot;: [7]" in content or '"args": [7]' in content


def test_the_security_administrator_does_not_see_the_tasks(admin_client_for, failed_task):  # noqa: F811
    client = admin_client_for("secadmin")
    url = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    assert client.get(url).status_code == 403
    assert "后台任务" not in client.get(reverse("admin:index")).content.decode()
