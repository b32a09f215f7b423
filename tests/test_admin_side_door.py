"""The Django admin cannot undo what the pages enforce: one test per hole a
probe of the running system found (each failed before it was closed).

1. exports and imports need the model's permissions, are audited, cannot set
   a status past the lifting check, and move household versions;
2. the system administrator cannot give registry access or a protected role,
   to anyone or to themselves;
3. no exported cell starts a formula;
4. no ID number reaches the audit trail, however it was typed;
5. the admin shows ID numbers masked, and a reveal there is recorded.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditAction, AuditEntry
from demo.build import ensure_demo_users
from households import roles, rules
from households.choices import PovertyStatus, Relation
from households.models import (
    Household,
    HouseholdStatusPeriod,
    IdNumberReveal,
    Member,
    UserProfile,
    Village,
)
from households.resources import MemberResource
from tests.test_admin import admin_url, data, id_number, post_data_from_change_form  # noqa: F401

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "test-Password-2020"


@pytest.fixture
def logins(data):  # noqa: F811
    ensure_demo_users(password=PASSWORD)
    User.objects.get(username="cadre").profile.villages.set([data["village"]])

    def client(username):
        new = Client()
        new.force_login(User.objects.get(username=username))
        return new

    return client


def export_post(client, model, resource, file_format):
    """POST the admin's export form of ``model``: every field, in ``file_format``."""
    from django.contrib import admin

    formats = [f().get_title() for f in admin.site._registry[model].get_export_formats()]
    index = formats.index(file_format)
    fields = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
    return client.post(
        admin_url(model, "export"), {"format": str(index), "resource": "0", **fields}
    )


# --------------------------------------------------------------------------
# 1. Exports and imports
# --------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["sysadmin", "secadmin"])
def test_system_and_security_admins_cannot_export_members_from_the_admin(logins, username):
    client = logins(username)
    assert client.get(admin_url(Member, "export")).status_code == 403
    response = export_post(client, Member, MemberResource, "csv")
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("username", ["sysadmin", "secadmin"])
def test_system_and_security_admins_cannot_import_households(logins, username, data):  # noqa: F811
    client = logins(username)
    upload = SimpleUploadedFile(
        "h.csv", b"number,village,identified_year,attribute,main_cause\n9,x,2014,general,illness\n"
    )
    for view in ("import", "process_import"):
        response = client.post(admin_url(Household, view), {"import_file": upload, "format": "0"})
        assert response.status_code == 403, view
    assert Household.objects.count() == 1


def test_no_one_imports_or_edits_status_periods_in_the_admin(logins, data):  # noqa: F811
    household = data["household"]
    content = f"household,status,valid_from\n{household.number},lifted,2020-05-20\n"
    for username in ("admin", "sysadmin"):
        client = logins(username)
        upload = SimpleUploadedFile("s.csv", content.encode())
        response = client.post(
            admin_url(HouseholdStatusPeriod, "import"), {"import_file": upload, "format": "0"}
        )
        assert response.status_code == 403, username
        period = household.status_periods.get()
        assert client.get(admin_url(HouseholdStatusPeriod, "add")).status_code == 403
        change = client.post(admin_url(HouseholdStatusPeriod, "change", period.pk), {})
        assert change.status_code == 403
    assert household.status_periods.get().status == PovertyStatus.NOT_LIFTED


def test_the_household_form_in_the_admin_cannot_add_a_status(logins, data):  # noqa: F811
    household = data["household"]
    client = logins("admin")
    url = admin_url(Household, "change", household.pk)
    post = post_data_from_change_form(client.get(url))
    prefix = "status_periods"
    post.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-0-status": PovertyStatus.LIFTED,
            f"{prefix}-0-valid_from": "2020-05-20",
        }
    )

    client.post(url, post)

    assert household.status_periods.count() == 1
    assert household.status_periods.get().status == PovertyStatus.NOT_LIFTED


def test_an_admin_export_is_recorded_in_the_audit_trail(logins):
    client = logins("admin")
    response = export_post(client, Member, MemberResource, "csv")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.username == "admin"
    assert entry.object_type == "households.member"
    assert entry.count == Member.objects.count() == 3
    assert entry.detail["view"] == "admin:households_member_export"


def test_an_admin_import_moves_the_household_version(data):  # noqa: F811
    # Registry rows are imported in the admin by a superuser only.
    household = data["household"]
    before = household.version
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="x-secret-1234"))
    content = (
        "number,village,group,identified_year,attribute,main_cause\n"
        f"{household.number},学田地村,一组,2016,general,illness\n"
    )
    upload = SimpleUploadedFile("h.csv", content.encode(), content_type="text/csv")
    preview = client.post(admin_url(Household, "import"), {"import_file": upload, "format": "0"})
    assert preview.context["confirm_form"] is not None
    client.post(admin_url(Household, "process_import"), preview.context["confirm_form"].initial)

    household.refresh_from_db()
    assert household.identified_year == 2016
    assert household.version == before + 1


@pytest.mark.parametrize("kind", ["household", "member"])
def test_an_admin_edit_moves_the_household_version(logins, data, kind):  # noqa: F811
    household = data["household"]
    before = household.version
    client = logins("admin")
    if kind == "household":
        url = admin_url(Household, "change", household.pk)
        post = post_data_from_change_form(client.get(url))
        post["phone"] = "13904740000"
    else:
        member = household.members.get(relation=Relation.SPOUSE)
        url = admin_url(Member, "change", member.pk)
        post = post_data_from_change_form(client.get(url))
        post["phone"] = "13904740000"

    response = client.post(url, post)

    assert response.status_code == 302, response.context["errors"]
    household.refresh_from_db()
    assert household.version == before + 1


# --------------------------------------------------------------------------
# 2. Who may give which role
# --------------------------------------------------------------------------


def user_change_post(client, user, **changes):
    url = reverse("admin:auth_user_change", args=[user.pk])
    post = post_data_from_change_form(client.get(url))
    post.update(changes)
    return client.post(url, post)


def test_the_system_admin_cannot_add_a_village_to_their_own_profile(logins, data):  # noqa: F811
    client = logins("sysadmin")
    own = User.objects.get(username="sysadmin")
    profile = UserProfile.objects.get(user=own)
    url = reverse("admin:households_userprofile_change", args=[profile.pk])
    response = client.post(url, {"user": own.pk, "villages": [data["village"].pk], "phone": ""})
    assert response.status_code == 403
    assert not profile.villages.exists()
    # Nor through a new profile for themselves.
    profile.delete()
    response = client.post(
        reverse("admin:households_userprofile_add"),
        {"user": own.pk, "villages": [data["village"].pk], "phone": ""},
    )
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not UserProfile.objects.filter(user=own).exists()


@pytest.mark.parametrize("role", roles.PROTECTED_ROLES)
def test_the_system_admin_cannot_grant_a_protected_role(logins, role):
    client = logins("sysadmin")
    cadre2 = User.objects.get(username="cadre2")
    group = Group.objects.get(name=role)
    page = client.get(reverse("admin:auth_user_change", args=[cadre2.pk]))
    assert group not in page.context["adminform"].form.fields["groups"].queryset

    response = user_change_post(client, cadre2, groups=[str(group.pk)])

    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    assert not cadre2.groups.filter(name=role).exists()


def test_no_account_holds_an_administrator_and_a_business_role(logins):
    root = User.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    client.force_login(root)
    new = User.objects.create_user("newbie", password=PASSWORD)
    pairs = [
        (roles.TOWN_ADMIN, roles.AUDIT_ADMIN),
        (roles.CADRE, roles.SYSTEM_ADMIN),
        (roles.SECURITY_ADMIN, roles.AUDIT_ADMIN),
    ]
    for first, second in pairs:
        groups = Group.objects.filter(name__in=[first, second])
        response = user_change_post(client, new, groups=[str(g.pk) for g in groups])
        assert response.status_code == 200, (first, second)
        assert "三员分立" in str(response.context["adminform"].form.errors["groups"])
    assert not new.groups.exists()


@pytest.mark.parametrize("username", ["auditor", "secadmin", "admin"])
def test_the_system_admin_cannot_reset_a_protected_accounts_password(logins, username):
    client = logins("sysadmin")
    target = User.objects.get(username=username)
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"password1": "New-Password-2026", "password2": "New-Password-2026"}
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.check_password(PASSWORD)
    assert not target.check_password("New-Password-2026")


def test_the_system_admin_cannot_edit_their_own_account(logins):
    client = logins("sysadmin")
    own = User.objects.get(username="sysadmin")
    assert client.get(reverse("admin:auth_user_password_change", args=[own.pk])).status_code == 403
    response = client.post(reverse("admin:auth_user_change", args=[own.pk]), {"username": "x"})
    assert response.status_code == 403


def test_a_village_cadre_cannot_be_made_staff(logins):
    client = logins("sysadmin")
    cadre = User.objects.get(username="cadre")

    response = user_change_post(client, cadre, is_staff="on")

    assert response.status_code == 200
    assert "is_staff" in response.context["adminform"].form.errors
    cadre.refresh_from_db()
    assert not cadre.is_staff


def test_a_profile_with_villages_but_no_role_reads_no_household(data):  # noqa: F811
    nobody = User.objects.create_user("nobody", password=PASSWORD)
    UserProfile.objects.create(user=nobody).villages.add(data["village"])
    client = Client()
    client.force_login(nobody)
    for url in (
        reverse("households:list"),
        reverse("households:overview"),
        reverse("households:detail", args=[data["household"].pk]),
        reverse("households:export"),
    ):
        assert client.get(url).status_code == 403, url


# --------------------------------------------------------------------------
# 3. Formulas
# --------------------------------------------------------------------------

FORMULAS = ["==1+1", '=HYPERLINK("http://x")', "@SUM(A1)", "+1+1", "-1+1"]


def name_members(household, names):
    members = list(household.members.order_by("pk"))
    for member, name in zip(members, names, strict=False):
        Member.objects.filter(pk=member.pk).update(name=name)


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_admin_exports_never_hold_a_live_formula(logins, data, file_format):  # noqa: F811
    name_members(data["household"], FORMULAS[:3])
    client = logins("admin")
    response = export_post(client, Member, MemberResource, file_format)
    assert response.status_code == 200
    if file_format == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).active
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert not [c.value for c in cells if c.data_type == "f"]
        values = [c.value for c in cells]
    else:
        values = [
            v for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for v in row
        ]
    assert not [v for v in values if isinstance(v, str) and v and v[0] in "=+-@"]
    assert "'==1+1" in values and "'@SUM(A1)" in values


def test_every_formula_trigger_is_neutralised():
    from households.xlsx import neutralise

    for value in FORMULAS:
        assert neutralise(value) == "'" + value
    assert neutralise(12) == 12
    assert neutralise("王小明") == "王小明"


# --------------------------------------------------------------------------
# 4. ID numbers in the audit trail
# --------------------------------------------------------------------------

TYPED = [
    "150927 19620816 0476",
    "150927\u200b19620816\u200b0476",
    "１５０９２７１９６２０８１６０４７６",
    "150927-1962-0816-0476",
    "150927 1962 0816 047x",
]


@pytest.mark.parametrize("typed", TYPED)
def test_an_id_number_typed_any_way_is_masked_in_the_export_audit(logins, typed):
    client = logins("admin")
    response = client.get(reverse("households:export"), {"q": typed})
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).latest("pk")
    text = str(entry.detail)
    assert "19620816" not in text and "１９６２" not in text
    assert "150927********" in text


def test_the_mask_leaves_household_numbers_and_years_alone():
    assert rules.mask_id_numbers("户 150927001000064 2020年") == "户 150927001000064 2020年"
    assert rules.mask_id_numbers("150927196208160476") == "150927********0476"


# --------------------------------------------------------------------------
# 5. ID numbers in the admin's forms
# --------------------------------------------------------------------------


def test_the_admin_member_form_and_inline_show_the_id_number_masked(logins, data):  # noqa: F811
    client = logins("admin")
    household = data["household"]
    member = household.members.get(relation=Relation.SPOUSE)
    for url in (
        admin_url(Member, "change", member.pk),
        admin_url(Household, "change", household.pk),
    ):
        html = client.get(url).content.decode()
        assert member.id_number not in html, url
        assert rules.mask_id_number(member.id_number) in html, url
        assert member.birth_date.strftime("%Y-%m-%d") not in html, url


def test_an_unchanged_masked_id_number_keeps_the_stored_one(logins, data):  # noqa: F811
    client = logins("admin")
    member = data["household"].members.get(relation=Relation.SPOUSE)
    stored = member.id_number
    url = admin_url(Member, "change", member.pk)
    page = client.get(url)
    masked = rules.mask_id_number(stored)
    assert f'value="{masked}"' in page.content.decode()
    post = post_data_from_change_form(page)
    # What the browser sends back: the masked text it was shown.
    post["id_number"] = masked
    post["name"] = "李秀英"

    assert client.post(url, post).status_code == 302

    member.refresh_from_db()
    assert (member.name, member.id_number) == ("李秀英", stored)


def test_a_new_full_id_number_is_taken_and_checked(logins, data):  # noqa: F811
    client = logins("admin")
    member = data["household"].members.get(relation=Relation.SPOUSE)
    url = admin_url(Member, "change", member.pk)
    post = post_data_from_change_form(client.get(url))
    wrong = id_number("19650718", "248")[:-1] + "0"
    post["id_number"] = wrong if rules.id_check_digit(wrong[:17]) != "0" else wrong[:-1] + "1"
    response = client.post(url, post)
    assert response.status_code == 200
    assert "id_number" in response.context["adminform"].form.errors

    post["id_number"] = id_number("19650718", "248")
    assert client.post(url, post).status_code == 302
    member.refresh_from_db()
    assert member.id_number == id_number("19650718", "248")


def test_revealing_an_id_number_in_the_admin_is_recorded(logins, data):  # noqa: F811
    client = logins("admin")
    member = data["household"].members.get(relation=Relation.SPOUSE)
    url = reverse("admin:households_member_reveal", args=[member.pk])
    before = IdNumberReveal.objects.count()
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert member.id_number not in confirm.content.decode()
    assert IdNumberReveal.objects.count() == before

    shown = client.post(url)

    assert member.id_number in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    reveal = IdNumberReveal.objects.latest("pk")
    assert (reveal.member, reveal.user.username) == (member, "admin")
    assert AuditEntry.objects.filter(action=AuditAction.ID_REVEAL, username="admin").exists()


def test_revealing_needs_the_reveal_permission_and_the_scope(logins, data):  # noqa: F811
    member = data["household"].members.get(relation=Relation.SPOUSE)
    url = reverse("admin:households_member_reveal", args=[member.pk])
    before = IdNumberReveal.objects.count()
    assert logins("sysadmin").post(url).status_code == 403
    other = Village.objects.create(town=data["town"], name="点力村")
    staffcadre = User.objects.create_user("staffcadre", password=PASSWORD)
    staffcadre.groups.add(Group.objects.get(name=roles.CADRE))
    UserProfile.objects.create(user=staffcadre).villages.add(other)
    User.objects.filter(pk=staffcadre.pk).update(is_staff=True)
    assert logins("staffcadre").post(url).status_code == 404
    assert IdNumberReveal.objects.count() == before


def test_the_demo_logins_hold_no_forbidden_combination_of_roles(logins):
    for user in User.objects.prefetch_related("groups"):
        names = [g.name for g in user.groups.all()]
        assert roles.role_conflict(names) is None, user
        assert not user.is_staff or roles.may_be_staff(names), user
        assert not user.is_superuser, user
