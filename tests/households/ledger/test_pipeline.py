"""The import pipeline end to end through the services: real .xlsx files in,
a preview with every problem by row and column, one atomic write with
history attributed to the uploader, and a record of the import."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from households import rules
from households.choices import Health, HouseholdAttribute, JoinReason, PovertyStatus, Sex
from households.ledger import pipeline, services
from households.ledger.models import LedgerImport, LedgerImportStatus
from households.ledger.plan import messages
from households.models import Household, HouseholdIncome, HouseholdStatusPeriod, Member
from households.services import ConcurrentEditError, member_save
from tests.factories import id_number
from tests.households.ledger.helpers import (
    FIRST_ROW,
    HEADER,
    errors_of,
    household,
    ledger_xlsx,
    letter,
    preview,
    setup_ledger_town,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger_town(town, settings, tmp_path):
    return setup_ledger_town(town, settings, tmp_path)


def user(username):
    return get_user_model().objects.get(username=username)


def two_households():
    return household("150927000100001") + household(
        "150927000100002",
        group="2组",
        members=[
            ("孙永福", id_number(date(1955, 1, 2)), "户主"),
            ("孙小红", id_number(date(2008, 9, 1), male=False), "子女"),
            ("孙小明", id_number(date(2012, 3, 4)), "子女"),
        ],
        wage="9000",
        per_capita="3000.00",
    )


def import_now(rows, username="cadre"):
    record = preview(ledger_xlsx(rows), user(username))
    assert record.status == LedgerImportStatus.PREVIEWED, record.error_message
    return record, services.ledger_apply(ledger_import=record, user=user(username))


# -- new data -------------------------------------------------------------------


def test_new_households_and_members_are_imported_with_history(ledger_town):
    rows = two_households()
    data = ledger_xlsx(rows)
    record = preview(data, user("cadre"))

    assert record.status == LedgerImportStatus.PREVIEWED
    assert record.counts["households"] == {"new": 2, "changed": 0, "unchanged": 0, "error": 0}
    assert record.counts["members"]["new"] == 5
    assert record.counts["errors"] == 0 and record.counts["rows"] == 5
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert record.size == len(data)
    assert not Household.objects.filter(number="150927000100001").exists()  # nothing yet

    record = services.ledger_apply(ledger_import=record, user=user("cadre"))

    assert record.status == LedgerImportStatus.APPLIED
    assert record.applied_at is not None and record.applied_by == user("cadre")
    first = Household.objects.get(number="150927000100001")
    assert first.village.name == "学田地村" and first.group.name == "1组"
    assert first.identified_year == 2019 and first.attribute == HouseholdAttribute.GENERAL
    entry = first.history.first()
    assert entry.history_user == user("cadre")
    assert entry.history_change_reason == f"台账导入#{record.pk}"
    second = Household.objects.get(number="150927000100002")
    members = list(second.members.order_by("birth_date"))
    assert [m.name for m in members] == ["孙永福", "孙小红", "孙小明"]
    daughter = members[1]
    assert daughter.sex == Sex.FEMALE and daughter.birth_date == date(2008, 9, 1)
    assert daughter.history.first().history_user == user("cadre")
    # Joined on the household's registration date: 1 January of the 识别年度.
    assert {m.joined_on for m in members} == {date(2019, 1, 1)}
    assert {m.join_reason for m in members} == {JoinReason.IDENTIFIED}
    period = HouseholdStatusPeriod.objects.get(household=second)
    assert (period.status, period.valid_from, period.valid_to) == (
        PovertyStatus.NOT_LIFTED,
        date(2019, 1, 1),
        None,
    )
    assert period.recorded_by == user("cadre")
    income = HouseholdIncome.objects.get(household=second, year=2020)
    assert income.wage_income == Decimal("9000") and income.assessed_on == date(2020, 12, 31)
    assert income.history.first().history_user == user("cadre")


def test_reimporting_the_same_file_changes_nothing(ledger_town):
    rows = two_households()
    import_now(rows)
    versions = dict(Household.objects.values_list("number", "version"))
    history = Member.history.count()

    record = preview(ledger_xlsx(rows), user("cadre"))

    assert record.counts["households"] == {"new": 0, "changed": 0, "unchanged": 2, "error": 0}
    assert record.counts["members"]["unchanged"] == 5
    assert record.counts["members"]["new"] == record.counts["members"]["changed"] == 0
    assert record.counts["incomes"]["unchanged"] == 2
    assert record.preview["changes"] == []
    record = services.ledger_apply(ledger_import=record, user=user("cadre"))
    assert record.status == LedgerImportStatus.APPLIED
    assert dict(Household.objects.values_list("number", "version")) == versions
    assert Member.history.count() == history


def test_a_changed_cell_shows_old_and_new_and_is_written_on_confirm(ledger_town):
    rows = two_households()
    import_now(rows)
    first = Household.objects.get(number="150927000100001")
    version = first.version
    rows[0]["贫困户属性"] = "低保贫困户"
    rows[1]["健康状况"] = "长期慢性病"
    rows[0]["工资性收入"] = "8500"

    record = preview(ledger_xlsx(rows), user("cadre"))

    assert record.counts["households"]["changed"] == 1
    assert record.counts["households"]["unchanged"] == 1
    assert record.counts["members"]["changed"] == 1
    changes = {(c["number"], c["field"], c["old"], c["new"]) for c in record.preview["changes"]}
    assert ("150927000100001", "贫困户属性", "一般贫困户", "低保贫困户") in changes
    assert ("150927000100001", "健康状况", "健康", "长期慢性病") in changes
    assert ("150927000100001", "2020年工资性收入", "8000.00", "8500.00") in changes
    spouse_change = next(c for c in record.preview["changes"] if c["field"] == "健康状况")
    wife = first.members.get(name="钱桂兰")
    assert spouse_change["member"] == f"钱桂兰({rules.mask_id_number(wife.id_number)})"
    assert wife.id_number not in str(record.preview)  # ID numbers are masked

    services.ledger_apply(ledger_import=record, user=user("cadre"))

    first.refresh_from_db()
    wife.refresh_from_db()
    assert first.attribute == HouseholdAttribute.DIBAO
    assert wife.health == Health.CHRONIC
    assert first.incomes.get(year=2020).wage_income == Decimal("8500")
    assert first.version == version + 1
    assert wife.history.first().history_change_reason == f"台账导入#{record.pk}"


def test_household_columns_may_repeat_on_every_member_row(ledger_town):
    rows = household("150927000100003")
    for title in ("户编号", "行政村", "村民小组", "识别年度", "贫困状态"):
        rows[1][title] = rows[0][title]

    record = preview(ledger_xlsx(rows), user("cadre"))

    assert record.counts["errors"] == 0
    assert record.counts["households"]["new"] == 1 and record.counts["members"]["new"] == 2


def test_conflicting_repeated_household_values_are_an_error_on_the_later_cell(ledger_town):
    rows = household("150927000100003")
    rows[1].update({"户编号": "150927000100003", "识别年度": 2016})

    record = preview(ledger_xlsx(rows), user("cadre"))

    message = messages.ERROR_CONFLICT.format(row=FIRST_ROW, value=2019)
    assert (FIRST_ROW + 1, letter("识别年度"), message) in errors_of(record)


# -- errors ------------------------------------------------------------------------


def test_every_broken_row_is_reported_and_nothing_can_be_written(ledger_town):
    registered = ledger_town["other_household"].members.get(relation="head").id_number
    shared = id_number(date(1980, 5, 5))
    bad_id = id_number(date(1981, 1, 1))
    bad_id = bad_id[:-1] + ("0" if bad_id[-1] != "0" else "1")
    orphan = [{"姓名": "无户人", "身份证号": id_number(date(1990, 1, 1)), "与户主关系": "户主"}]
    rows = (
        orphan  # row 3: a member before any household
        + household(  # rows 4–5: bad ID, per-capita mismatch
            "150927000100010",
            members=[("甲", bad_id, "户主"), ("乙", shared, "配偶")],
            per_capita="5000",
        )
        + household("150927000100011", village="白音村")  # rows 6–7: unknown village
        + household(  # rows 8–9: no head, size mismatch
            "150927000100012",
            members=[("丙", id_number(date(1970, 1, 1)), "配偶"), ("丁", registered, "子女")],
            size=3,
        )
        + household(  # rows 10–11: ID duplicated from row 5
            "150927000100013",
            members=[("戊", id_number(date(1972, 2, 2)), "户主"), ("己", shared, "配偶")],
        )
    )
    before = (Household.objects.count(), Member.objects.count(), Household.history.count())

    record = preview(ledger_xlsx(rows), user("cadre"))

    errors = errors_of(record)
    id_col, relation_col = letter("身份证号"), letter("与户主关系")
    expected_check = rules.id_check_digit(bad_id[:17])
    assert (3, letter("户编号"), str(messages.ERROR_NO_HOUSEHOLD)) in errors
    assert (
        4,
        id_col,
        str(rules.ID_ERROR_CHECK_DIGIT).format(expected=expected_check, actual=bad_id[-1]),
    ) in errors
    # Check columns that disagree are warnings on their cell, never errors.
    warnings = {(w["row"], w["column"], w["message"]) for w in record.preview["warnings"]}
    assert (
        4,
        letter("人均纯收入"),
        messages.ERROR_PER_CAPITA.format(
            given="5000.00", computed=Decimal("4000.00"), net="8000.00", size=2
        ),
    ) in warnings
    assert (
        6,
        letter("行政村"),
        messages.ERROR_VILLAGE_UNKNOWN.format(name="白音村", villages="学田地村"),
    ) in errors
    assert (8, relation_col, str(messages.ERROR_NO_HEAD)) in errors
    assert (8, letter("家庭人口"), messages.ERROR_SIZE.format(given=3, actual=2)) in warnings
    assert (9, id_col, str(messages.ERROR_ID_REGISTERED)) in errors
    assert (11, id_col, messages.ERROR_ID_DUPLICATE.format(row=5)) in errors
    # Each error has its column title, for the table and the error workbook.
    titles = {(e["column"], e["title"]) for e in record.preview["errors"]}
    assert (id_col, "身份证号") in titles
    assert record.counts["errors"] == len(record.preview["errors"]) >= 6
    assert record.counts["warnings"] == len(record.preview["warnings"]) == 2
    assert record.counts["households"]["error"] == 4

    with pytest.raises(ValidationError) as refused:
        services.ledger_apply(ledger_import=record, user=user("cadre"))
    assert refused.value.code == "has_errors"
    after = (Household.objects.count(), Member.objects.count(), Household.history.count())
    assert after == before
    record.refresh_from_db()
    assert record.status == LedgerImportStatus.PREVIEWED


def test_cadre_cannot_import_rows_of_another_village(ledger_town):
    other = ledger_town["other_household"]
    rows = household("150927000100020", village="点力村") + household(other.number)

    record = preview(ledger_xlsx(rows), user("cadre"))

    errors = errors_of(record)
    assert (FIRST_ROW, letter("行政村"), str(messages.ERROR_VILLAGE_SCOPE)) in errors
    # Someone else's household number: an error that reveals nothing about it.
    assert (FIRST_ROW + 2, letter("户编号"), str(messages.ERROR_NUMBER_NOT_YOURS)) in errors
    assert "点力村" not in str(messages.ERROR_NUMBER_NOT_YOURS)
    assert other.members.first().name not in str(record.preview)


def test_admin_may_import_every_village(ledger_town):
    rows = household("150927000100020", village="点力村")
    record, record = import_now(rows, username="admin")
    assert record.status == LedgerImportStatus.APPLIED
    assert Household.objects.get(number="150927000100020").village.name == "点力村"


def test_unknown_group_lists_the_village_groups(ledger_town):
    record = preview(ledger_xlsx(household("150927000100021", group="9组")), user("cadre"))
    (error,) = record.preview["errors"]
    assert error["column"] == letter("村民小组")
    assert "9组" in error["message"] and "1组、2组" in error["message"]


def test_head_name_must_match_the_head(ledger_town):
    rows = household("150927000100022")
    rows[0]["户主姓名"] = "赵大川"
    record = preview(ledger_xlsx(rows), user("cadre"))
    message = messages.ERROR_HEAD_NAME.format(given="赵大川", actual="赵大山")
    assert errors_of(record) == {(FIRST_ROW, letter("户主姓名"), message)}


def test_two_heads_are_an_error_on_the_second(ledger_town):
    rows = household(
        "150927000100023",
        members=[("甲", id_number(date(1970, 1, 1)), "户主"), ("乙", id_number(), "户主")],
    )
    record = preview(ledger_xlsx(rows), user("cadre"))
    message = messages.ERROR_TWO_HEADS.format(row=FIRST_ROW)
    assert errors_of(record) == {(FIRST_ROW + 1, letter("与户主关系"), message)}


def test_model_validation_errors_land_on_their_cell(ledger_town):
    header = [*HEADER, "残疾等级"]
    rows = household("150927000100024")
    rows[1]["残疾等级"] = "二级"  # a grade without 残疾 as health
    record = preview(ledger_xlsx(rows, header), user("cadre"))
    (error,) = record.preview["errors"]
    assert (error["row"], error["column"]) == (FIRST_ROW + 1, letter("残疾等级", header))
    assert "残疾" in error["message"]


def test_status_of_an_existing_household_is_not_changed_by_a_ledger(ledger_town):
    rows = household("150927000100025")
    import_now(rows)
    rows[0]["贫困状态"] = "已脱贫"
    record = preview(ledger_xlsx(rows), user("cadre"))
    assert errors_of(record) == {(FIRST_ROW, letter("贫困状态"), str(messages.ERROR_STATUS_CHANGE))}


def test_members_missing_from_the_file_are_listed_not_removed(ledger_town):
    rows = two_households()
    import_now(rows)
    son = rows.pop()  # the last member of the second household

    record = preview(ledger_xlsx(rows[:2] + rows[2:4]), user("cadre"))

    # 家庭人口 and 人均纯收入 still count three members: warnings, fixed as a user would.
    assert record.counts["errors"] == 0 and record.counts["warnings"] == 2
    rows[2]["家庭人口"] = 2
    rows[2]["人均纯收入"] = "4500"
    record = preview(ledger_xlsx(rows), user("cadre"))
    assert record.counts["errors"] == 0
    assert record.counts["members"]["left"] == 1
    (absent,) = record.preview["absent"]
    assert absent["name"] == son["姓名"] and absent["note"] == "文件中没有"
    assert absent["id_number"] == rules.mask_id_number(son["身份证号"])
    services.ledger_apply(ledger_import=record, user=user("cadre"))
    assert Member.objects.get(id_number=son["身份证号"]).left_on is None


def test_a_member_added_to_an_existing_household_needs_a_joining_date(ledger_town):
    rows = household("150927000100026")
    import_now(rows)
    baby = {"姓名": "赵小宝", "身份证号": id_number(date(2021, 3, 3)), "与户主关系": "子女"}
    rows[0]["家庭人口"] = 3
    rows[0]["人均纯收入"] = None

    record = preview(ledger_xlsx([*rows, baby]), user("cadre"))
    assert errors_of(record) == {
        (FIRST_ROW + 2, letter("入户日期"), str(messages.ERROR_JOINED_ON_REQUIRED))
    }

    baby["入户日期"] = date(2021, 3, 3)
    record, record = import_now([*rows, baby])
    assert record.status == LedgerImportStatus.APPLIED
    added = Member.objects.get(name="赵小宝")
    assert added.joined_on == date(2021, 3, 3) and added.join_reason == JoinReason.BIRTH


# -- the write: once, atomically, on the data previewed ------------------------------


def test_confirming_twice_imports_once(ledger_town):
    record = preview(ledger_xlsx(two_households()), user("cadre"))
    services.ledger_apply(ledger_import=record, user=user("cadre"))

    with pytest.raises(ValidationError) as refused:
        services.ledger_apply(ledger_import=record, user=user("cadre"))
    assert refused.value.code == "applied"
    # A stale copy of the record (a second request loaded before the first wrote):
    stale = LedgerImport.objects.get(pk=record.pk)
    stale.status = LedgerImportStatus.PREVIEWED
    with pytest.raises(ValidationError):
        services.ledger_apply(ledger_import=stale, user=user("cadre"))
    assert Household.objects.filter(number__startswith="1509270001000").count() == 2
    assert Member.history.filter(history_change_reason=f"台账导入#{record.pk}").count() == 5


def test_data_changed_between_preview_and_confirm_is_refused(ledger_town):
    rows = two_households()
    import_now(rows)
    rows[1]["健康状况"] = "长期慢性病"
    record = preview(ledger_xlsx(rows), user("cadre"))
    assert record.counts["members"]["changed"] == 1
    # Meanwhile a cadre corrects the first household's head in the system.
    head = Member.objects.get(name="赵大山")
    head.name = "赵大岭"
    member_save(member=head, expected_version=head.household.version)
    history = Member.history.count()

    record = services.ledger_apply(ledger_import=record, user=user("cadre"))

    assert record.status == LedgerImportStatus.PREVIEWED
    assert record.error_message == str(services.LEDGER_ERROR_CHANGED)
    assert Member.objects.get(name="钱桂兰").health == Health.HEALTHY  # nothing written
    assert Member.history.count() == history
    # The preview now shows the data as it is: confirming it writes both changes.
    fields = {(c["field"], c["old"], c["new"]) for c in record.preview["changes"]}
    assert ("姓名", "赵大岭", "赵大山") in fields
    record = services.ledger_apply(ledger_import=record, user=user("cadre"))
    assert record.status == LedgerImportStatus.APPLIED
    assert Member.objects.get(name="钱桂兰").health == Health.CHRONIC


def test_an_import_bumps_the_version_so_a_concurrent_editor_is_told(ledger_town):
    rows = household("150927000100027")
    import_now(rows)
    head = Member.objects.get(name="赵大山")
    loaded_version = head.household.version
    rows[0]["健康状况"] = "长期慢性病"
    import_now(rows)

    head.name = "赵大岭"
    with pytest.raises(ConcurrentEditError):
        member_save(member=head, expected_version=loaded_version)


@pytest.mark.parametrize("copy", [False, True], ids=["bulk_create", "copy"])
def test_a_failure_while_writing_writes_nothing_and_marks_the_import_failed(
    ledger_town, monkeypatch, settings, copy
):
    settings.LEDGER_USE_COPY = copy
    if copy and not services.use_copy():
        pytest.skip("COPY is PostgreSQL's")
    target = "copy_create_with_history" if copy else "bulk_create_with_history"
    real = getattr(services, target)
    calls = []

    def fail_on_members(objs, model, **kwargs):
        calls.append(model)
        if model is Member:
            raise RuntimeError("磁盘已满")
        return real(objs, model, **kwargs)

    monkeypatch.setattr(services, target, fail_on_members)
    before = (Household.objects.count(), Household.history.count(), Member.objects.count())
    record = preview(ledger_xlsx(two_households()), user("cadre"))

    record = services.ledger_apply(ledger_import=record, user=user("cadre"))

    assert Household in calls and Member in calls  # households were written, then rolled back
    assert record.status == LedgerImportStatus.FAILED
    assert "磁盘已满" in record.error_message and "没有写入任何数据" in record.error_message
    after = (Household.objects.count(), Household.history.count(), Member.objects.count())
    assert after == before
    assert not HouseholdStatusPeriod.objects.filter(reason=messages.NEW_HOUSEHOLD_REASON).exists()


def test_only_the_uploader_or_an_administrator_may_confirm(ledger_town):
    record = preview(ledger_xlsx(household("150927000100028")), user("cadre"))
    with pytest.raises(Exception) as refused:
        services.ledger_apply(ledger_import=record, user=user("cadre2"))
    assert "PermissionDenied" in type(refused.value).__name__
    record = services.ledger_apply(ledger_import=record, user=user("admin"))
    assert record.status == LedgerImportStatus.APPLIED


def test_a_file_that_is_not_a_ledger_fails_with_the_readers_message(ledger_town):
    record = preview(b"name,id\n", user("cadre"), filename="台账.xlsx")
    assert record.status == LedgerImportStatus.FAILED
    assert "CSV" in record.error_message


def test_too_large_a_file_is_refused_before_it_is_stored(ledger_town, settings):
    settings.LEDGER_MAX_BYTES = 100
    with pytest.raises(ValidationError) as refused:
        preview(ledger_xlsx(household("150927000100029")), user("cadre"))
    assert refused.value.code == "too_large"
    # Only the record stays: name, size, SHA-256 and why; no file.
    record = LedgerImport.objects.get()
    assert record.status == LedgerImportStatus.FAILED and not record.file
    assert len(record.sha256) == 64 and record.size > 100
    assert "文件太大" in record.error_message


def test_import_bytes_runs_the_whole_import_in_one_call(ledger_town):
    data = ledger_xlsx(two_households())
    record = services.ledger_import_bytes(data=data, filename="台账.xlsx", user=user("cadre"))
    assert record.status == LedgerImportStatus.APPLIED
    assert record.counts["households"]["new"] == 2 and record.preview["errors"] == []
    assert record.fingerprint
    assert Household.objects.get(number="150927000100001").history.first().history_user == user(
        "cadre"
    )

    broken = household("150927000100030", village="白音村")
    record = services.ledger_import_bytes(
        data=ledger_xlsx(broken), filename="台账.xlsx", user=user("cadre")
    )
    assert record.status == LedgerImportStatus.PREVIEWED and record.counts["errors"] == 1
    assert not Household.objects.filter(number="150927000100030").exists()


def test_plan_fingerprint_is_stable_and_follows_the_data(ledger_town):
    from households.ledger.reader import read_ledger

    rows = two_households()
    import_now(rows)
    rows[1]["健康状况"] = "长期慢性病"
    parsed = read_ledger(ledger_xlsx(rows), max_bytes=10**7, max_rows=1000)
    cadre = user("cadre")
    first = pipeline.ledger_plan(parsed=parsed, user=cadre, on=date.today())
    again = pipeline.ledger_plan(parsed=parsed, user=cadre, on=date.today())
    assert first.fingerprint() == again.fingerprint()
    Member.objects.filter(name="钱桂兰").update(health=Health.SERIOUS)
    changed = pipeline.ledger_plan(parsed=parsed, user=cadre, on=date.today())
    assert changed.fingerprint() != first.fingerprint()


def test_copy_writes_the_same_rows_and_history_as_bulk_create(ledger_town, settings):
    from django.db import connection
    from django.forms.models import model_to_dict

    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")

    def members():
        return [
            ("赵大山", id_number(date(1968, 3, 1)), "户主"),
            ("钱桂兰", id_number(date(1970, 6, 1), male=False), "配偶", "长期慢性病"),
        ]

    written = {}
    for copy, number in ((False, "150927000100040"), (True, "150927000100041")):
        settings.LEDGER_USE_COPY = copy
        rows = household(number, members=members(), 其他致贫原因="因病、缺技术")
        record = preview(ledger_xlsx(rows, [*HEADER, "其他致贫原因"]), user("cadre"))
        record = services.ledger_apply(ledger_import=record, user=user("cadre"))
        assert record.status == LedgerImportStatus.APPLIED
        household_ = Household.objects.get(number=number)
        written[copy] = (household_, record)

    ignore = {
        *("id", "number", "household", "id_number"),
        *("history_id", "history_date", "history_change_reason"),
    }

    def rows(model, household_, record):
        found = model.objects.filter(
            **({"pk": household_.pk} if model is Household else {"household": household_})
        ).order_by("pk")
        history = model.history.filter(
            **({"id": household_.pk} if model is Household else {"household_id": household_.pk})
        ).order_by("history_id")
        assert all(h.history_change_reason == f"台账导入#{record.pk}" for h in history)
        return (
            [{k: v for k, v in model_to_dict(o).items() if k not in ignore} for o in found],
            [{k: v for k, v in model_to_dict(h).items() if k not in ignore} for h in history],
        )

    for model in (Household, Member, HouseholdStatusPeriod, HouseholdIncome):
        assert rows(model, *written[False]) == rows(model, *written[True]), model
    copied = written[True][0]
    assert copied.other_causes == ["illness", "lack_skills"]
    assert copied.history.get().history_type == "+"
    assert copied.history.get().history_user == user("cadre")


def test_another_towns_administrator_imports_nothing_into_this_town(ledger_town):
    from django.contrib.auth.models import Group

    from households import roles
    from households.models import County, Town, UserProfile

    county = County.objects.create(name="察哈尔右翼后旗", code="150928000000")
    town_b = Town.objects.create(county=county, name="乙镇", code="150928100000")
    town_b.villages.create(name="乙村", number=1).groups.create(name="1组", number=1)
    admin_b = get_user_model().objects.create_user("admin_b", password="x-secret-1234")
    admin_b.groups.add(Group.objects.get(name=roles.TOWN_ADMIN))
    UserProfile.objects.create(user=admin_b).towns.add(town_b)
    other = ledger_town["other_household"]
    rows = household("150927000100030", village="学田地村") + household(
        other.number, village="乙村"
    )
    before = (Household.objects.count(), Member.objects.count())

    record = preview(ledger_xlsx(rows), admin_b)

    errors = errors_of(record)
    village_errors = [e for e in errors if e[:2] == (FIRST_ROW, letter("行政村"))]
    assert village_errors, errors
    assert (FIRST_ROW + 2, letter("户编号"), str(messages.ERROR_NUMBER_NOT_YOURS)) in errors
    assert other.members.first().name not in str(record.preview)
    with pytest.raises(ValidationError):
        services.ledger_apply(ledger_import=record, user=admin_b)
    assert (Household.objects.count(), Member.objects.count()) == before
