"""The audit administrator's page: who may read it, its filters, its export,
and a fixed number of queries however long the trail."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from audit.services import audit_record

pytestmark = pytest.mark.django_db

LIST = reverse("audit:list")
EXPORT = reverse("audit:export")


def shown(response) -> list[AuditEntry]:
    return list(response.context["page"].object_list)


def test_the_audit_administrator_reads_the_trail(town, admin_client_for):
    audit_record(action=AuditAction.EXPORT, username="leader", object_label="建档立卡户列表")
    response = admin_client_for("auditor").get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "建档立卡户列表" in html
    assert 'href="/audit/"' in html  # the nav link


@pytest.mark.parametrize("username", ["sysadmin", "secadmin"])
def test_the_other_administrators_may_not_read_it(town, admin_client_for, username):
    client = admin_client_for(username)
    assert client.get(LIST).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 403


@pytest.mark.parametrize("username", ["cadre", "leader", "reviewer"])
def test_business_roles_may_not_read_it_and_see_no_link(town, client_for, username):
    client = client_for(username)
    assert client.get(LIST).status_code == 403
    assert 'href="/audit/"' not in client.get(reverse("households:list")).content.decode()


def test_filters_by_user_action_object_address_and_dates(town, admin_client_for):
    client = admin_client_for("auditor")
    audit_record(action=AuditAction.ID_REVEAL, username="cadre", object_label="王某某-查看")
    audit_record(action=AuditAction.EXPORT, username="leader", object_label="全部")
    old = AuditEntry.objects.create(
        action=AuditAction.LOGIN, username="cadre", at=timezone.now() - timedelta(days=40)
    )
    AuditEntry.objects.create(action=AuditAction.LOGIN, username="x", ip_address="10.7.7.7")

    def labels(**query):
        return {(e.action, e.username) for e in shown(client.get(LIST, query))}

    assert labels(action="id_reveal") == {("id_reveal", "cadre")}
    assert ("export", "leader") in labels(username="lead")
    assert labels(q="王某某-查看") == {("id_reveal", "cadre")}
    assert labels(ip_address="10.7.7.7") == {("login", "x")}
    assert labels(ip_address="not-an-address") == set()
    day = timezone.localtime(old.at).date()
    assert labels(date_from=day.isoformat(), date_to=day.isoformat()) == {("login", "cadre")}
    types = labels(object_type="auth.user")
    assert types and all(action for action, _user in types)


def test_the_export_holds_the_filtered_entries_and_is_recorded(town, admin_client_for):
    audit_record(action=AuditAction.ID_REVEAL, username="cadre", object_label="=HYPERLINK(1)")
    response = admin_client_for("auditor").get(EXPORT, {"action": "id_reveal"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["时间", "用户名", "IP地址", "操作"]
    assert [(r[1], r[3], r[6]) for r in rows[1:]] == [
        ("cadre", "查看完整身份证号", "'=HYPERLINK(1)")
    ]
    export = AuditEntry.objects.filter(action=AuditAction.EXPORT).order_by("-id").first()
    assert (export.username, export.count) == ("auditor", 1)
    assert export.detail["filter"] == {"action": "id_reveal"}


def test_the_page_is_read_only(town, admin_client_for):
    assert admin_client_for("auditor").post(LIST).status_code == 405


def test_page_query_count_does_not_grow_with_entries(
    town, admin_client_for, django_assert_num_queries
):
    client = admin_client_for("auditor")
    client.get(LIST)
    # 7, and one per kind of changed record on the page whose changes are read
    # back from the change history (here two).
    with django_assert_num_queries(9):
        client.get(LIST)
    for n in range(60):
        audit_record(action=AuditAction.LOGIN, username=f"u{n}", object_label=f"u{n}")
    with django_assert_num_queries(7):
        response = client.get(LIST)
    assert len(shown(response)) == 50
