"""What the audit trail records by itself and what the services add: changes,
ID reveals, imports, exports, permissions — never a full ID number."""

import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from audit.services import audit_record, redact
from households import rules
from households.ledger import services as ledger_services
from households.ledger.models import LedgerImportStatus
from households.models import Household, Member
from households.rules import ID_NUMBER_PATTERN
from tests.factories import id_number
from tests.households.ledger.helpers import household, ledger_xlsx, preview, setup_ledger_town
from tests.households.test_views import income_post, income_url

pytestmark = pytest.mark.django_db

User = get_user_model()


def entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def latest(**filters):
    return AuditEntry.objects.filter(**filters).order_by("-id").first()


def all_text_of_the_trail() -> str:
    """Every column of every entry, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT username, ip_address, action, object_type, object_id, object_label, detail"
            " FROM audit_auditentry"
        )
        return "\n".join(" ".join(str(v) for v in row) for row in cursor.fetchall())


# --------------------------------------------------------------------------
# Single changes through the pages (simple-history's signal)
# --------------------------------------------------------------------------


def test_an_edit_through_the_page_is_recorded_with_user_address_and_fields(town, client_for):
    household = town["household"]
    income = household.incomes.get(year=2020)

    response = client_for("cadre").post(
        income_url(household),
        income_post(household, wage="9000", version=household.version),
        REMOTE_ADDR="10.4.4.4",
    )

    assert response.status_code == 302
    entry = latest(action=AuditAction.UPDATE, object_type="households.householdincome")
    assert (entry.username, entry.user.username, entry.ip_address) == ("cadre", "cadre", "10.4.4.4")
    assert entry.object_id == str(income.pk)
    assert entry.object_label == str(income)
    assert "wage_income" in entry.detail["fields"]
    assert entry.detail["history_id"] == income.history.latest().pk
    assert entry.count == 1


def test_create_and_delete_are_recorded(town):
    household = town["household"]
    member = Member.objects.create(
        household=household,
        name="赵小宝",
        id_number=id_number(date(2019, 3, 1)),
        relation="child",
        joined_on=date(2019, 3, 1),
    )
    created = latest(action=AuditAction.CREATE, object_type="households.member")
    assert (created.object_id, created.object_label) == (str(member.pk), "赵小宝")

    pk = member.pk
    member.delete()

    deleted = latest(action=AuditAction.DELETE, object_type="households.member")
    assert deleted.object_id == str(pk)


def test_a_change_of_id_number_names_the_field_not_the_values(town):
    head = town["household"].members.get(relation="head")
    old = head.id_number
    head.id_number = id_number(date(1970, 5, 2))
    head.save()

    entry = latest(action=AuditAction.UPDATE, object_type="households.member")
    assert "id_number" in entry.detail["fields"]
    assert old not in all_text_of_the_trail()
    assert head.id_number not in all_text_of_the_trail()


# --------------------------------------------------------------------------
# ID reveals, imports, exports
# --------------------------------------------------------------------------


def reveal(client, town):
    head = town["household"].members.get(relation="head")
    url = reverse("households:reveal_id", args=[town["household"].pk, head.pk])
    return head, client.post(url, REMOTE_ADDR="10.5.5.5")


def test_an_id_reveal_is_recorded_masked(town, client_for):
    head, response = reveal(client_for("cadre"), town)

    assert head.id_number in response.content.decode()  # the user sees it
    entry = latest(action=AuditAction.ID_REVEAL)
    assert (entry.username, entry.ip_address) == ("cadre", "10.5.5.5")
    assert (entry.object_type, entry.object_id) == ("households.member", str(head.pk))
    assert entry.detail == {"household": town["household"].number}


def test_a_ledger_import_is_one_entry_with_the_count(town, settings, tmp_path):
    setup_ledger_town(town, settings, tmp_path)
    cadre = User.objects.get(username="cadre")
    rows = household("150927000100001") + household(
        "150927000100002",
        group="2组",
        members=[
            ("孙永福", id_number(date(1955, 1, 2)), "户主"),
            ("孙小红", id_number(date(2008, 9, 1), male=False), "子女"),
        ],
    )
    record = preview(ledger_xlsx(rows), cadre)
    before = AuditEntry.objects.count()

    record = ledger_services.ledger_apply(ledger_import=record, user=cadre)

    assert record.status == LedgerImportStatus.APPLIED
    new = entries(id__gt=AuditEntry.objects.order_by("id")[before - 1].id) if before else entries()
    imports = [e for e in new if e.action == AuditAction.IMPORT]
    assert len(imports) == 1, [(e.action, e.object_type) for e in new]
    entry = imports[0]
    # 2 households, 4 members, 2 incomes written; no entry per row.
    assert entry.count == 8
    assert entry.detail["counts"]["households"]["new"] == 2
    assert (entry.username, entry.object_id) == ("cadre", str(record.pk))
    assert [e for e in new if e.action == AuditAction.CREATE] == []
    assert Household.objects.filter(number__startswith="1509270001000").count() == 2


def test_no_full_id_number_anywhere_in_the_trail_after_reveals_imports_and_searches(
    town, client_for, settings, tmp_path
):
    setup_ledger_town(town, settings, tmp_path)
    client = client_for("cadre")
    head, _response = reveal(client, town)
    number = id_number(date(1955, 1, 2))
    rows = household(
        "150927000100009",
        members=[
            ("孙永福", number, "户主"),
            ("孙小红", id_number(date(2008, 9, 1), male=False), "子女"),
        ],
    )
    cadre = User.objects.get(username="cadre")
    ledger_services.ledger_apply(ledger_import=preview(ledger_xlsx(rows), cadre), user=cadre)
    # A search by ID number, exported: the filter is recorded, masked.
    client.get(reverse("households:export"), {"q": head.id_number})
    client.get(reverse("ledger:export"), {"ids": "full"})
    # Someone types an ID number as a username.
    client_for(None).post(reverse("login"), {"username": number, "password": "x"})
    audit_record(action=AuditAction.UPDATE, object_label=f"号码{number}", detail={number: [number]})

    text = all_text_of_the_trail()
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 2
    assert ID_NUMBER_PATTERN.search(text) is None
    assert re.search(r"\d{17}[\dXx]", text) is None
    assert rules.mask_id_number(head.id_number) in text


def test_redact_masks_inside_any_structure():
    number = "150927197005010013"
    assert redact({"q": number, "list": [f"a{number}b"], number: 1}) == {
        "q": rules.mask_id_number(number),
        "list": [f"a{rules.mask_id_number(number)}b"],
        rules.mask_id_number(number): 1,
    }


def test_the_household_export_is_recorded_with_filter_and_rows(town, client_for):
    client = client_for("leader")
    response = client.get(reverse("households:export"), {"status": "0"}, REMOTE_ADDR="10.6.6.6")

    assert response.status_code == 200
    entry = latest(action=AuditAction.EXPORT)
    assert (entry.username, entry.ip_address) == ("leader", "10.6.6.6")
    assert entry.detail["view"] == "households:export"
    assert entry.detail["filter"] == {"status": "0"}
    assert entry.count == 2  # both villages' households, not lifted


def test_ledger_and_registry_exports_are_recorded(town, client_for):
    client = client_for("cadre")
    village = town["household"].village
    client.get(reverse("ledger:export"), {"village": village.pk})
    client.get(reverse("ledger:registry_export"))

    ledger, registry = entries(action=AuditAction.EXPORT)
    assert ledger.detail["view"] == "ledger:export"
    assert ledger.detail["village"] == village.pk
    assert ledger.detail["full_ids"] is False
    assert ledger.detail["households"] == 1
    assert ledger.count == 2  # two members' rows
    assert ledger.object_label == village.name
    assert registry.detail["view"] == "ledger:registry_export"


def test_a_refused_export_is_not_recorded(town, client_for):
    client_for("enumerator").get(reverse("households:export"))
    assert entries(action=AuditAction.EXPORT) == []


# --------------------------------------------------------------------------
# Accounts and permissions
# --------------------------------------------------------------------------


def test_role_changes_are_recorded_both_ways(town):
    leader_role = Group.objects.get(name="领导")
    cadre = User.objects.get(username="cadre")
    cadre.groups.add(leader_role)
    cadre.groups.remove(leader_role)
    leader_role.user_set.add(User.objects.get(username="cadre2"))

    added, removed, reverse_added = entries(action=AuditAction.PERMISSION)[-3:]
    assert (added.object_label, added.detail) == (
        "cadre",
        {"relation": "groups", "operation": "add", "items": ["领导"]},
    )
    assert removed.detail["operation"] == "remove"
    assert (reverse_added.object_label, reverse_added.detail["items"]) == ("领导", ["cadre2"])


def test_permission_grants_and_clears_are_recorded(town):
    cadre = User.objects.get(username="cadre")
    permission = Permission.objects.get(codename="view_all_households")
    cadre.user_permissions.add(permission)
    cadre.user_permissions.clear()
    role = Group.objects.get(name="领导")
    role.permissions.remove(permission)

    grant, clear, group_change = entries(action=AuditAction.PERMISSION)[-3:]
    assert grant.detail["items"] == ["households.view_all_households"]
    assert (clear.detail["operation"], clear.detail["items"]) == (
        "clear",
        ["households.view_all_households"],
    )
    assert (group_change.object_type, group_change.detail["relation"]) == (
        "auth.group",
        "permissions",
    )


def test_superuser_and_staff_flags_are_permission_changes(town):
    cadre = User.objects.get(username="cadre")
    cadre.is_superuser = True
    cadre.is_staff = True
    cadre.first_name = "新名字"
    cadre.save()

    flags = latest(action=AuditAction.PERMISSION)
    assert flags.detail == {"flags": {"is_staff": [False, True], "is_superuser": [False, True]}}
    other = latest(action=AuditAction.UPDATE, object_type="auth.user")
    assert other.detail == {"fields": ["first_name"]}


def test_a_login_writes_no_update_of_the_user(town, client_for):
    before = AuditEntry.objects.filter(object_type="auth.user", action="update").count()
    client_for("cadre")
    assert AuditEntry.objects.filter(object_type="auth.user", action="update").count() == before


def test_new_and_deleted_accounts_are_recorded_and_entries_outlive_the_account(town):
    user = User.objects.create_user("temp", password="Temp-pass-2020")
    created = latest(action=AuditAction.CREATE, object_type="auth.user")
    assert created.object_label == "temp"
    audit_record(action=AuditAction.LOGIN, user=user)
    pk = user.pk

    user.delete()

    assert latest(action=AuditAction.DELETE, object_type="auth.user").object_id == str(pk)
    kept = AuditEntry.objects.filter(user_id=pk, action=AuditAction.LOGIN).get()
    assert kept.username == "temp"


def test_a_bulk_measure_application_is_one_entry_with_the_count(town):
    from decimal import Decimal

    from measures import services as measure_services
    from measures.choices import Category, Kind, Target, Unit
    from measures.models import MeasureApplication, Programme

    programme = Programme.objects.create(
        name="医保缴费补贴",
        year=2020,
        category=Category.MEDICAL,
        kind=Kind.INSURANCE_SUBSIDY,
        target=Target.PERSON,
        unit=Unit.PER_PERSON,
        standard_amount=Decimal("145"),
    )
    admin = User.objects.get(username="admin")
    first = AuditEntry.objects.order_by("-id").first().id

    result = measure_services.programme_apply(
        programme=programme, households=Household.objects.all(), on=date(2020, 5, 31), user=admin
    )

    new = entries(id__gt=first)
    assert [e.action for e in new] == [AuditAction.BULK_APPLY]
    entry = new[0]
    assert entry.count == result.created == MeasureApplication.objects.count() == 4
    assert (entry.username, entry.object_type, entry.object_id) == (
        "admin",
        "measures.programme",
        str(programme.pk),
    )
    assert entry.detail["persons"] == 4 and Decimal(entry.detail["funds"]) == Decimal("580")
