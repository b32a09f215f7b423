"""The check workflow: submit, approve, send back (a note required), fix and
submit again; stale versions, repeated posts and concurrent submissions."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection

from census import rules, services
from census.models import CensusStaff, CheckStatus, HouseholdCheck
from census.rules import ItemResult

pytestmark = pytest.mark.django_db


def user(username):
    return get_user_model().objects.get(username=username)


def answers(**changes):
    results = {item.value: ItemResult(ok=True) for item in rules.CheckItem}
    results.update(changes)
    return results


def submit(household, version=0, who="enumerator", **changes):
    return services.household_check_submit(
        household=household, results=answers(**changes), expected_version=version, user=user(who)
    )


def test_enumerator_submits_a_complete_checklist(town):
    household = town["household"]
    check = submit(household, housing=ItemResult(ok=False, note="C级,正在修缮"))
    check.refresh_from_db()
    assert (check.status, check.version) == (CheckStatus.CHECKED, 1)
    assert check.submitted_by == user("enumerator") and check.checked_on is not None
    assert check.checklist["housing"] == {"ok": False, "note": "C级,正在修缮"}
    assert check.enumerator is None  # the demo login is not linked to a census staff record
    assert check.history.count() == 1


def test_the_enumerators_staff_record_is_named_on_the_check(town):
    staff = CensusStaff.objects.create(
        name="周普查员",
        role="enumerator",
        village=town["household"].village,
        user=user("enumerator"),
    )
    assert submit(town["household"]).enumerator == staff


def test_an_incomplete_checklist_saves_nothing(town):
    results = answers(food=ItemResult(ok=None), water=ItemResult(ok=False, note=""))
    with pytest.raises(ValidationError) as exc:
        services.household_check_submit(
            household=town["household"],
            results=results,
            expected_version=0,
            user=user("enumerator"),
        )
    assert exc.value.message_dict == {
        "food": [str(rules.CHECKLIST_ERROR_MISSING)],
        "water": [str(rules.CHECKLIST_ERROR_NOTE)],
    }
    assert not HouseholdCheck.objects.exists()


def test_reviewer_approves(town):
    submit(town["household"])
    check = services.household_check_approve(
        household=town["household"], expected_version=1, user=user("reviewer")
    )
    check.refresh_from_db()
    assert (check.status, check.version, check.reviewed_by) == (
        CheckStatus.APPROVED,
        2,
        user("reviewer"),
    )


def test_sending_back_needs_a_note_and_changes_nothing_without_one(town):
    submit(town["household"])
    with pytest.raises(ValidationError) as exc:
        services.household_check_send_back(
            household=town["household"], expected_version=1, user=user("reviewer"), note="  "
        )
    assert exc.value.message_dict == {"note": [str(rules.WORKFLOW_ERROR_NOTE_REQUIRED)]}
    check = HouseholdCheck.objects.get()
    assert (check.status, check.version) == (CheckStatus.CHECKED, 1)


def test_send_back_then_fix_and_submit_again(town):
    household = town["household"]
    submit(household)
    services.household_check_send_back(
        household=household, expected_version=1, user=user("reviewer"), note="收入漏填了低保金"
    )
    check = HouseholdCheck.objects.get()
    assert (check.status, check.review_note) == (CheckStatus.SENT_BACK, "收入漏填了低保金")
    submit(household, version=2, income=ItemResult(ok=True, note="已补录低保金"))
    check.refresh_from_db()
    assert (check.status, check.version, check.review_note, check.reviewed_by) == (
        CheckStatus.CHECKED,
        3,
        "",
        None,
    )
    services.household_check_approve(household=household, expected_version=3, user=user("reviewer"))
    statuses = list(check.history.order_by("history_date").values_list("status", flat=True))
    assert statuses == ["checked", "sent_back", "checked", "approved"]
    notes = list(check.history.order_by("history_date").values_list("review_note", flat=True))
    assert "收入漏填了低保金" in notes


def test_an_approved_check_cannot_be_changed(town):
    submit(town["household"])
    services.household_check_approve(
        household=town["household"], expected_version=1, user=user("admin")
    )
    with pytest.raises(ValidationError) as exc:
        submit(town["household"], version=2)
    assert exc.value.messages == [str(rules.WORKFLOW_ERROR_APPROVED)]
    with pytest.raises(ValidationError):
        services.household_check_send_back(
            household=town["household"], expected_version=2, user=user("reviewer"), note="再看看"
        )
    assert HouseholdCheck.objects.get().status == CheckStatus.APPROVED


def test_nothing_to_review_before_a_submission(town):
    with pytest.raises(ValidationError) as exc:
        services.household_check_approve(
            household=town["household"], expected_version=0, user=user("reviewer")
        )
    assert exc.value.messages == [str(rules.WORKFLOW_ERROR_NOT_SUBMITTED)]
    assert not HouseholdCheck.objects.exists()


def test_a_submission_based_on_an_older_version_is_refused(town):
    household = town["household"]
    submit(household)
    submit(household, version=1, who="admin", food=ItemResult(ok=False, note="缺粮"))
    with pytest.raises(services.ConcurrentCheckError):
        submit(household, version=1, water=ItemResult(ok=False, note="井水浑浊"))
    check = HouseholdCheck.objects.get()
    assert check.version == 2 and check.checklist["food"]["ok"] is False
    assert check.checklist["water"]["ok"] is True


def test_two_first_submissions_one_wins(town):
    household = town["household"]
    submit(household, who="enumerator")
    with pytest.raises(services.ConcurrentCheckError):
        submit(household, who="admin", version=0)
    assert HouseholdCheck.objects.get().submitted_by == user("enumerator")


def test_the_same_submission_posted_twice_is_saved_once(town):
    household = town["household"]
    first = submit(household)
    again = submit(household)  # the same form, posted a second time
    assert again.pk == first.pk and again.version == 1
    assert HouseholdCheck.objects.get().history.count() == 1
    # A different checklist from the same stale page is a conflict, not a repeat.
    with pytest.raises(services.ConcurrentCheckError):
        submit(household, food=ItemResult(ok=False, note="缺粮"))


def test_the_same_decision_posted_twice_is_saved_once(town):
    household = town["household"]
    submit(household)
    for _attempt in range(2):
        services.household_check_send_back(
            household=household, expected_version=1, user=user("reviewer"), note="请核对人口"
        )
    check = HouseholdCheck.objects.get()
    assert (check.status, check.version, check.history.count()) == (CheckStatus.SENT_BACK, 2, 2)
    # Another reviewer's decision on the same version is refused.
    with pytest.raises(services.ConcurrentCheckError):
        services.household_check_approve(
            household=household, expected_version=1, user=user("admin")
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need a server database"
)
def test_concurrent_submissions_on_the_same_version_one_wins(town):
    household = town["household"]
    submit(household)
    barrier = threading.Barrier(2)
    outcome = []

    def attempt(who, note):
        try:
            barrier.wait()
            submit(household, version=1, who=who, water=ItemResult(ok=False, note=note))
            outcome.append(("ok", who))
        except services.ConcurrentCheckError:
            outcome.append(("conflict", who))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=("enumerator", "甲说")),
        threading.Thread(target=attempt, args=("admin", "乙说")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(kind for kind, _who in outcome) == ["conflict", "ok"]
    winner = next(who for kind, who in outcome if kind == "ok")
    check = HouseholdCheck.objects.get()
    assert check.version == 2 and check.submitted_by.username == winner
    assert check.checklist["water"]["note"] == {"enumerator": "甲说", "admin": "乙说"}[winner]


@pytest.mark.parametrize("decision", ["approve", "send_back"])
def test_no_one_decides_on_a_check_they_submitted_whatever_their_roles(town, decision):
    # The town administrator holds every census permission: enumerator and reviewer.
    household = town["household"]
    check = submit(household, who="admin")
    review = getattr(services, f"household_check_{decision}")

    with pytest.raises(ValidationError) as exc:
        review(household=household, expected_version=check.version, user=user("admin"), note="核实")

    assert "不能审核本人提交的核查" in str(exc.value)
    check.refresh_from_db()
    assert (check.status, check.version) == (CheckStatus.CHECKED, 1)
    # Someone else may.
    approved = services.household_check_approve(
        household=household, expected_version=check.version, user=user("reviewer")
    )
    assert approved.status == CheckStatus.APPROVED
