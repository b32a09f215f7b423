"""The Django admin: every page opens, changelists do not query per row,
ID numbers stay masked in lists and exports, history records admin edits."""

from datetime import date
from decimal import Decimal

import pytest
import tablib
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from census.models import CensusStaff, GroupMember, HouseholdCheck, WorkingGroup
from households import rules
from households.choices import HouseholdAttribute, PovertyCause, PovertyStatus, Relation
from households.ledger.models import LedgerImport
from households.models import (
    County,
    GuaranteeAssessment,
    Household,
    HouseholdIncome,
    HouseholdStatusPeriod,
    IdNumberReveal,
    Member,
    NaturalVillage,
    PolicyYear,
    Town,
    UserProfile,
    Village,
    VillagePopulation,
    VillagerGroup,
)
from households.resources import MemberResource
from measures.models import (
    Assignment,
    Category,
    CollectiveIncome,
    MeasureApplication,
    Programme,
    ProjectIncome,
    ResponsiblePerson,
    Unit,
    VillageProject,
)
from monitoring.models import MonitoringLine
from rectification.models import Evidence, InspectionRound, Problem, ProblemCategory

pytestmark = pytest.mark.django_db

REGION = "150927"
PROJECT_APPS = {"households", "measures", "rectification", "census"}
REGISTERED = sorted(
    f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry
)


def id_number(birth: str, sequence: str) -> str:
    """A valid ID number of the test region: birth ``YYYYMMDD``, 3-digit sequence."""
    first17 = REGION + birth + sequence
    return first17 + rules.id_check_digit(first17)


def add_household(village, group, number, head_id, *, status=PovertyStatus.LIFTED):
    household = Household.objects.create(
        number=number,
        village=village,
        group=group,
        identified_year=2014,
        attribute=HouseholdAttribute.GENERAL,
        main_cause=PovertyCause.ILLNESS,
    )
    Member.objects.create(
        household=household,
        name=f"户主{number}",
        id_number=head_id,
        relation=Relation.HEAD,
        joined_on=date(2014, 6, 1),
    )
    HouseholdStatusPeriod.objects.create(
        household=household, status=status, valid_from=date(2019, 12, 1)
    )
    return household


@pytest.fixture
def data(settings, tmp_path):
    """One object of every model of the four apps."""
    settings.MEDIA_ROOT = tmp_path
    user = get_user_model().objects.create_user("cadre", password="x-secret-1234")
    user.groups.add(Group.objects.get_or_create(name="村干部")[0])

    county = County.objects.create(
        name="察哈尔右翼中旗", code="150927000000", province="内蒙古自治区"
    )
    town = Town.objects.create(name="铁沙盖镇", county=county)
    village = Village.objects.create(town=town, name="学田地村", poor_village_kind="key")
    group = VillagerGroup.objects.create(village=village, name="一组", number=1)
    NaturalVillage.objects.create(village=village, name="下沙盖")
    VillagePopulation.objects.create(
        village=village,
        year=2020,
        registered_households=700,
        registered_persons=1500,
        resident_households=230,
        resident_persons=500,
    )
    PolicyYear.objects.create(province_name="内蒙古自治区", year=2020, poverty_line=Decimal("4000"))
    MonitoringLine.objects.create(
        province_code="150000000000",
        province_name="内蒙古自治区",
        year=2021,
        line=Decimal("6000"),
        medical_cost_share=Decimal("50"),
        rigid_cost_share=Decimal("60"),
        income_drop_share=Decimal("50"),
    )

    household = add_household(
        village, group, "150927001", id_number("19620304", "123"), status=PovertyStatus.NOT_LIFTED
    )
    spouse = Member.objects.create(
        household=household,
        name="李秀兰",
        id_number=id_number("19650718", "246"),
        relation=Relation.SPOUSE,
        joined_on=date(2014, 6, 1),
    )
    Member.objects.create(
        household=household,
        name="王小明",
        id_number=id_number("20080912", "135"),
        relation=Relation.CHILD,
        school_status="in_school",
        education_level="junior",
        joined_on=date(2014, 6, 1),
    )
    HouseholdIncome.objects.create(
        household=household,
        year=2019,
        assessed_on=date(2019, 11, 30),
        wage_income=Decimal("8000"),
        transfer_dibao=Decimal("3000"),
    )
    GuaranteeAssessment.objects.create(
        household=household,
        assessed_on=date(2020, 5, 20),
        food_ok=True,
        clothing_ok=True,
        housing_grade="C",
        water_ok=True,
    )

    person = ResponsiblePerson.objects.create(name="赵干部", organisation="旗扶贫办", user=user)
    Assignment.objects.create(household=household, person=person, started_on=date(2018, 1, 1))
    programme = Programme.objects.create(
        year=2020,
        name="国家级护林员",
        category=Category.EMPLOYMENT,
        kind="public_post",
        unit=Unit.PER_POST_YEAR,
        standard_amount=Decimal("10000"),
        income_per_year=Decimal("10000"),
    )
    MeasureApplication.objects.create(
        programme=programme,
        household=household,
        member=spouse,
        amount=Decimal("10000"),
        added_income=Decimal("10000"),
        responsible=person,
    )
    project = VillageProject.objects.create(
        village=village, year=2017, name="光伏电站", kind="photovoltaic", capacity_kw=500
    )
    ProjectIncome.objects.create(project=project, year=2019, income=Decimal("402000"))
    CollectiveIncome.objects.create(village=village, year=2019, amount=Decimal("86000"))

    inspection = InspectionRound.objects.create(
        name="中央脱贫攻坚专项巡视“回头看”", kind="central", year=2020
    )
    problem = Problem.objects.create(
        inspection_round=inspection,
        category=ProblemCategory.HOUSING,
        text="部分危房改造户建新未拆旧",
        responsible_name="张镇长",
        found_on=date(2020, 3, 1),
        deadline=date(2020, 6, 30),
    )
    problem.villages.add(village)
    problem.households.add(household)
    Evidence.objects.create(
        problem=problem,
        file=SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff", content_type="image/jpeg"),
        original_name="photo.jpg",
        uploaded_by=user,
    )

    working_group = WorkingGroup.objects.create(town=town, name="普查领导小组", kind="leading")
    GroupMember.objects.create(group=working_group, name="孙书记", role="leader")
    enumerator = CensusStaff.objects.create(name="周普查员", role="enumerator", village=village)
    HouseholdCheck.objects.create(household=household, enumerator=enumerator)

    profile = UserProfile.objects.create(user=user)
    profile.villages.add(village)
    IdNumberReveal.objects.create(user=user, member=spouse)
    ledger = LedgerImport.objects.create(
        uploaded_by=user,
        file_name="学田地村台账.xlsx",
        sha256="0" * 64,
        size=1,
        file=SimpleUploadedFile("ledger.xlsx", b"PK"),
    )
    # Login records (django-axes): a failed attempt; the audit trail fills itself.
    AccessAttempt.objects.create(username="cadre", ip_address="10.0.0.8", failures_since_start=1)
    AccessFailureLog.objects.create(username="cadre", ip_address="10.0.0.8")
    # A background task (the import's preview), as the upload of a large file queues it.
    from households.ledger.tasks import preview_ledger_import

    preview_ledger_import.enqueue(ledger.pk)

    return {"town": town, "village": village, "group": group, "household": household}


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def model_from_label(label):
    return next(m for m in admin.site._registry if m._meta.label_lower == label)


# --------------------------------------------------------------------------
# Every page opens
# --------------------------------------------------------------------------


# Logs nobody may add to, edit or delete from the admin.
READ_ONLY = {
    "households.idnumberreveal",
    # A status changes only through the status page, which runs the lifting check.
    "households.householdstatusperiod",
    "households.ledgerimport",
    "audit.auditentry",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    # The worker writes the background tasks.
    "django_tasks_database.dbtaskresult",
}


@pytest.mark.parametrize("label", REGISTERED)
def test_changelist_add_and_change_pages_open(admin_client, data, label):
    model = model_from_label(label)
    obj = model._default_manager.first()
    assert obj is not None, f"the data fixture has no {label}: add one"

    read_only = label in READ_ONLY
    for url, expected in (
        (admin_url(model, "changelist"), 200),
        (admin_url(model, "add"), 403 if read_only else 200),
        (admin_url(model, "change", obj.pk), 200),
    ):
        response = admin_client.get(url)
        assert response.status_code == expected, url


#: Counted from the other tables, never edited: rebuilt by ``manage.py rebuild_summaries``.
NOT_IN_ADMIN = {"census.VillageProgressSnapshot"}


def test_every_project_model_is_registered():
    from django.apps import apps

    missing = [
        model._meta.label
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
        and model not in admin.site._registry
        and model._meta.label not in NOT_IN_ADMIN
    ]
    assert missing == []


@pytest.mark.parametrize(
    "label", [label for label in REGISTERED if label.split(".")[0] in PROJECT_APPS]
)
def test_admin_forms_show_every_editable_field(admin_user, label):
    """Fieldsets written by hand must not leave out a field added to the model later."""
    model = model_from_label(label)
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = admin_user
    shown = set(flatten_fieldsets(model_admin.get_fieldsets(request)))
    editable = {
        f.name
        for f in model._meta.get_fields()
        if getattr(f, "editable", False) and getattr(f, "concrete", False) and not f.auto_created
    }
    assert editable - shown == set()


def test_changelists_offer_import_export_and_change_pages_history(admin_client, data):
    household = data["household"]
    changelist = admin_client.get(admin_url(Household, "changelist")).content.decode()
    assert admin_url(Household, "import") in changelist
    assert admin_url(Household, "export") in changelist
    change = admin_client.get(admin_url(Household, "change", household.pk)).content.decode()
    assert admin_url(Household, "history", household.pk) in change


def test_non_staff_user_is_redirected_to_login(client, data):
    user = get_user_model().objects.get(username="cadre")
    client.force_login(user)
    for url in (reverse("admin:index"), admin_url(Household, "changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


# --------------------------------------------------------------------------
# Changelists
# --------------------------------------------------------------------------


def count_changelist_queries(client, model):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    return len(queries)


def test_household_changelist_query_count_does_not_grow_with_rows(admin_client, data):
    village, group = data["village"], data["group"]
    for n in range(2):
        add_household(village, group, f"2{n:08d}", id_number("19700101", f"{n:03d}"))
    assert Household.objects.count() == 3
    count_changelist_queries(admin_client, Household)  # moves the session's expiry
    few = count_changelist_queries(admin_client, Household)

    for n in range(2, 19):
        add_household(village, group, f"2{n:08d}", id_number("19700101", f"{n:03d}"))
    assert Household.objects.count() == 20
    many = count_changelist_queries(admin_client, Household)

    assert many == few


def test_household_changelist_shows_head_and_current_status(admin_client, data):
    household = data["household"]
    HouseholdStatusPeriod.objects.filter(household=household).update(valid_to=date(2020, 5, 20))
    HouseholdStatusPeriod.objects.create(
        household=household, status=PovertyStatus.LIFTED, valid_from=date(2020, 5, 20)
    )
    html = admin_client.get(admin_url(Household, "changelist")).content.decode()
    assert "户主150927001" in html
    assert str(PovertyStatus.LIFTED.label) in html


def test_household_changelist_filters_by_current_status(admin_client, data):
    village, group = data["village"], data["group"]
    add_household(village, group, "299999999", id_number("19700101", "999"))
    url = admin_url(Household, "changelist") + f"?current_status={PovertyStatus.NOT_LIFTED}"
    html = admin_client.get(url).content.decode()
    assert "150927001" in html
    assert "299999999" not in html


def test_member_changelist_masks_id_numbers(admin_client, data):
    members = list(Member.objects.all())
    assert len(members) == 3

    html = admin_client.get(admin_url(Member, "changelist")).content.decode()

    for member in members:
        assert member.name in html
        assert member.id_number not in html
        assert rules.mask_id_number(member.id_number) in html


def test_member_changelist_finds_a_member_by_full_id_number(admin_client, data):
    spouse = Member.objects.get(relation=Relation.SPOUSE)
    spaced = " ".join([spouse.id_number[:6], spouse.id_number[6:14], spouse.id_number[14:]])
    for term in (spouse.id_number, spaced):
        response = admin_client.get(admin_url(Member, "changelist"), {"q": term})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [spouse]


# --------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------


def post_data_from_change_form(response):
    """The POST data that re-submits an admin change form as it was rendered."""
    data = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = "" if value is None else str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def test_household_history_shows_an_admin_edit(admin_client, admin_user, data):
    household = data["household"]
    change_url = admin_url(Household, "change", household.pk)
    post = post_data_from_change_form(admin_client.get(change_url))
    post["phone"] = "13904740000"

    response = admin_client.post(change_url, post)

    assert response.status_code == 302, response.context["errors"]
    household.refresh_from_db()
    assert household.phone == "13904740000"
    latest = household.history.latest()
    assert latest.history_user == admin_user

    history = admin_client.get(admin_url(Household, "history", household.pk))
    assert history.status_code == 200
    html = history.content.decode()
    assert "13904740000" in html
    assert admin_user.get_username() in html


def test_member_history_masks_id_number_changes(admin_client, data):
    member = Member.objects.get(relation=Relation.CHILD)
    old = member.id_number
    member.id_number = id_number("20080912", "137")
    member.save()

    html = admin_client.get(admin_url(Member, "history", member.pk)).content.decode()

    assert old not in html
    assert member.id_number not in html
    assert rules.mask_id_number(member.id_number) in html


# --------------------------------------------------------------------------
# Import and export
# --------------------------------------------------------------------------


def test_member_export_contains_no_full_id_number(data):
    dataset = MemberResource().export()
    exported = dataset.export("csv")

    assert "id_number" not in dataset.headers
    for member in Member.objects.all():
        assert member.id_number not in exported
        assert member.birth_date.strftime("%Y%m%d") not in exported
        assert rules.mask_id_number(member.id_number) in exported


def test_admin_export_offers_no_full_id_number_field(admin_client, data):
    html = admin_client.get(admin_url(Member, "export")).content.decode()
    assert "id_number_masked" in html
    assert 'name="memberresource_id_number"' not in html


def test_member_import_accepts_full_id_numbers(data):
    household = data["household"]
    number = id_number("20200301", "022")
    dataset = tablib.Dataset(
        headers=["household", "name", "id_number", "relation", "joined_on", "join_reason"]
    )
    dataset.append(
        [household.number, "王小宝", f" {number[:6]} {number[6:]} ", "child", "2020-03-01", "birth"]
    )

    result = MemberResource().import_data(dataset, dry_run=False, raise_errors=True)

    assert not result.has_validation_errors()
    baby = Member.objects.get(name="王小宝")
    assert baby.id_number == number
    assert baby.birth_date == date(2020, 3, 1)
    assert baby.household == household


def test_member_import_reports_a_wrong_id_number(data):
    household = data["household"]
    right = id_number("20200301", "022")
    wrong = right[:-1] + ("1" if right[-1] == "0" else "0")
    dataset = tablib.Dataset(headers=["household", "name", "id_number", "relation", "joined_on"])
    dataset.append([household.number, "王小宝", wrong, "child", "2020-03-01"])

    result = MemberResource().import_data(dataset, dry_run=True)

    assert result.has_validation_errors()
    errors = result.invalid_rows[0].error_dict
    assert set(errors) == {"id_number"}
    assert not Member.objects.filter(name="王小宝").exists()


def test_reimported_member_export_keeps_full_id_numbers(data):
    before = dict(Member.objects.values_list("pk", "id_number"))
    exported = MemberResource().export()
    edited = tablib.Dataset(headers=exported.headers)
    for row in exported.dict:
        row["name"] += "改"
        edited.append([row[header] for header in exported.headers])

    result = MemberResource().import_data(edited, dry_run=False, raise_errors=True)

    assert not result.has_validation_errors()
    assert dict(Member.objects.values_list("pk", "id_number")) == before
    assert all(name.endswith("改") for name in Member.objects.values_list("name", flat=True))


def admin_import(client, model, content, *, confirm=True):
    """Upload ``content`` (CSV) to the model's admin import; confirm it if asked."""
    upload = SimpleUploadedFile("import.csv", content.encode(), content_type="text/csv")
    preview = client.post(admin_url(model, "import"), {"import_file": upload, "format": "0"})
    assert preview.status_code == 200
    if not confirm:
        return preview
    confirm_form = preview.context["confirm_form"]
    assert confirm_form is not None, preview.context["result"].invalid_rows
    return client.post(admin_url(model, "process_import"), confirm_form.initial)


def test_member_admin_import_takes_full_id_numbers_and_previews_them_masked(admin_client, data):
    number = id_number("20200301", "022")
    content = (
        "household,name,id_number,relation,joined_on,join_reason\n"
        f"{data['household'].number},王小宝,{number},child,2020-03-01,birth\n"
    )
    preview = admin_import(admin_client, Member, content, confirm=False)
    assert number not in preview.content.decode()
    assert rules.mask_id_number(number) in preview.content.decode()

    response = admin_import(admin_client, Member, content)

    assert response.status_code == 302
    assert Member.objects.get(name="王小宝").id_number == number


def test_member_admin_import_of_an_export_previews_no_full_id_number(admin_client, data):
    exported = MemberResource().export().export("csv")

    preview = admin_import(admin_client, Member, exported, confirm=False)

    html = preview.content.decode()
    for member in Member.objects.all():
        assert member.id_number not in html


def test_household_import_reads_village_and_group_by_name(data):
    from households.resources import HouseholdResource

    other = Village.objects.create(town=data["town"], name="点力村")
    other_group = VillagerGroup.objects.create(village=other, name="一组", number=1)
    dataset = tablib.Dataset(
        headers=["number", "village", "group", "identified_year", "attribute", "main_cause"]
    )
    dataset.append(["150927099", "点力村", "一组", "2016", "general", "lack_funds"])
    dataset.append([data["household"].number, "学田地村", "一组", "2015", "general", "illness"])

    result = HouseholdResource().import_data(dataset, dry_run=False, raise_errors=True)

    assert not result.has_validation_errors()
    new = Household.objects.get(number="150927099")
    assert (new.village, new.group) == (other, other_group)
    data["household"].refresh_from_db()
    assert data["household"].identified_year == 2015
    assert Household.objects.count() == 2


@pytest.mark.parametrize(
    "resource_path",
    [
        "households.resources.HouseholdResource",
        "households.resources.MemberResource",
        "measures.resources.MeasureApplicationResource",
        "census.resources.HouseholdCheckResource",
    ],
)
def test_export_query_count_does_not_grow_with_rows(data, resource_path):
    from django.utils.module_loading import import_string

    resource_class = import_string(resource_path)
    programme, enumerator = Programme.objects.get(), CensusStaff.objects.get()

    def add_rows(first, last):
        for n in range(first, last):
            household = add_household(
                data["village"], data["group"], f"2{n:08d}", id_number("19700101", f"{n:03d}")
            )
            MeasureApplication.objects.create(
                programme=programme,
                household=household,
                member=household.members.get(),
                amount=programme.standard_amount,
            )
            HouseholdCheck.objects.create(household=household, enumerator=enumerator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            resource_class().export()
        return len(queries)

    add_rows(0, 2)
    few = count()
    add_rows(2, 19)
    assert count() == few
