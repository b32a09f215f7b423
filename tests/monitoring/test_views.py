"""The monitoring pages: worklist and intake queue (scope, filters, the clock,
overdue in red, queries pinned), a case's page and its steps."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring import rules, selectors
from monitoring.choices import CaseState, Category, Channel, RiskType, StepKind
from monitoring.models import CaseRisk, CaseStep, MonitoringCase
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
ON = date(2024, 2, 26)


def make_case(household, *, state=CaseState.INTAKE, intake_on=date(2024, 2, 9), risks=(), **kw):
    values = {
        "category": Category.EDGE,
        "channel": Channel.VISIT,
        "home_check_due": date(2024, 2, 22),
        "deadline": date(2024, 3, 14),
        **kw,
    }
    case = MonitoringCase.objects.create(
        household=household, intake_on=intake_on, state=state, **values
    )
    for risk in risks or (RiskType.ILLNESS,):
        CaseRisk.objects.create(case=case, risk=risk)
    return case


def add_step(case, kind, on, after, by="cadre"):
    return CaseStep.objects.create(
        case=case,
        kind=kind,
        on=on,
        state_before=case.state,
        state_after=after,
        actor=get_user_model().objects.get(username=by),
    )


def rows(response):
    return response.context["page"].object_list


def worklist(client, **params):
    return client.get(reverse("monitoring:worklist"), {"on": ON.isoformat(), **params})


def test_an_overdue_home_check_is_red_with_its_working_days(town, client_for):
    make_case(town["household"])  # home check due 2024-02-22, not done by 02-26
    response = worklist(client_for("cadre"))
    (case,) = rows(response)
    assert case.overdue and case.days_left == -2 and case.overdue_by == 2
    assert 'class="mon-overdue"' in response.content.decode()
    assert "逾期2" in response.content.decode()


def test_days_left_count_working_days_of_the_stage_in_progress(town, client_for):
    case = make_case(town["household"])
    add_step(case, StepKind.HOME_CHECK, date(2024, 2, 19), CaseState.HOME_CHECKED)
    (row,) = rows(worklist(client_for("cadre")))
    # Home check done: the whole procedure's deadline (2024-03-14) counts now.
    assert (row.state_on, row.due, row.days_left, row.overdue) == (
        CaseState.HOME_CHECKED,
        date(2024, 3, 14),
        13,
        False,
    )
    # As of a day before the home check the case was still waiting for it.
    (before,) = rows(worklist(client_for("cadre"), on="2024-02-16"))
    assert (before.state_on, before.due, before.days_left) == (
        CaseState.INTAKE,
        date(2024, 2, 22),
        5,  # 02-18 (a make-up Sunday), 02-19 … 02-22
    )


def test_a_cadre_sees_only_the_cases_of_their_village(town, client_for):
    own = make_case(town["household"])
    other = make_case(town["other_household"])
    assert [c.pk for c in rows(worklist(client_for("cadre")))] == [own.pk]
    assert [c.pk for c in rows(worklist(client_for("cadre2")))] == [other.pk]
    assert {c.pk for c in rows(worklist(client_for("admin")))} == {own.pk, other.pk}


def test_a_case_taken_in_after_the_date_is_not_listed(town, client_for):
    make_case(town["household"], intake_on=date(2024, 2, 27), home_check_due=date(2024, 3, 5))
    assert list(rows(worklist(client_for("admin")))) == []


def test_filters_by_state_category_risk_and_overdue(town, client_for):
    village = town["household"].village
    a = make_case(town["household"], risks=(RiskType.DISASTER, RiskType.HOUSING))
    b = make_case(
        HouseholdFactory(village=village),
        category=Category.SUDDEN,
        state=CaseState.MONITORED,
        intake_on=date(2024, 1, 2),
        home_check_due=date(2024, 1, 9),
        deadline=date(2024, 1, 30),
    )
    add_step(b, StepKind.SYSTEM_ENTRY, date(2024, 1, 29), CaseState.MONITORED, by="admin")
    client = client_for("admin")

    def pks(**params):
        return {c.pk for c in rows(worklist(client, **params))}

    assert pks(risk=RiskType.HOUSING) == {a.pk}
    assert pks(category=Category.SUDDEN) == {b.pk}
    assert pks(state=CaseState.MONITORED) == {b.pk}
    assert pks(overdue="on") == {a.pk}
    assert pks(village=village.pk) == {a.pk, b.pk}
    queue = client.get(reverse("monitoring:intake_queue"), {"on": ON.isoformat()})
    assert [c.pk for c in rows(queue)] == [a.pk]  # b is identified already


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = worklist(client)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_worklist_query_count_does_not_grow_with_the_cases(town, client_for):
    village = town["household"].village
    client = client_for("cadre")
    make_case(town["household"])
    _queries(client)  # the session's first request reads the account's settings once
    few = _queries(client)
    for _ in range(12):
        make_case(HouseholdFactory(village=village), risks=(RiskType.ILLNESS, RiskType.OTHER))
    assert _queries(client) == few
    # Session, user, permissions (2), scope, the count, the page of cases, their
    # risks, the villages of the filter.
    assert few == 9


def test_the_stage_deadline_and_overdue_in_sql_are_the_rules(town):
    village = town["household"].village
    cases = []
    for state, steps in [
        (CaseState.INTAKE, []),
        (CaseState.HOME_CHECKED, [(StepKind.HOME_CHECK, date(2024, 2, 21), "home_checked")]),
        (CaseState.MONITORED, [(StepKind.SYSTEM_ENTRY, date(2024, 3, 1), "monitored")]),
        (CaseState.REJECTED, [(StepKind.REJECTION, date(2024, 2, 20), "rejected")]),
    ]:
        case = make_case(HouseholdFactory(village=village), state=state)
        for kind, on, after in steps:
            add_step(case, kind, on, after)
        cases.append(case)
    for on in [date(2024, 2, 22), date(2024, 2, 23), date(2024, 3, 14), date(2024, 3, 15)]:
        listed = selectors.worklist(cases=MonitoringCase.objects.all(), on=on)
        for row in listed:
            due = rules.current_due(row.state_on, row.home_check_due, row.deadline)
            assert row.due_on == due, (row.state_on, on)
            assert row.overdue == (due is not None and on > due), (row.state_on, on)


def test_a_year_the_calendar_does_not_know_is_shown_not_guessed(town, client_for):
    make_case(
        town["household"],
        intake_on=date(2026, 12, 20),
        home_check_due=date(2027, 1, 5),
        deadline=date(2027, 1, 20),
    )
    response = client_for("cadre").get(reverse("monitoring:worklist"), {"on": "2026-12-28"})
    (row,) = rows(response)
    assert row.days_left is None and "工作日历不含2027年" in row.clock_error
    assert "无法计算" in response.content.decode()


def test_a_cadre_takes_the_home_check_on_the_case_page(town, client_for, settings):
    settings.DEFAULT_AS_OF = date(2024, 2, 26)
    case = make_case(town["household"])
    client = client_for("cadre")
    page = client.get(reverse("monitoring:case_detail", args=[case.pk]))
    assert [kind for kind, _e, _f in page.context["forms"]] == [
        StepKind.HOME_CHECK,
        StepKind.REJECTION,
    ]
    upload = SimpleUploadedFile("承诺授权书.png", PNG, content_type="image/png")
    response = client.post(
        reverse("monitoring:case_step", args=[case.pk]),
        {
            "kind": StepKind.HOME_CHECK,
            "version": case.version,
            "on": "2024-02-19",
            "evidence": upload,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.HOME_CHECKED
    step = case.steps.get()
    download = client.get(reverse("monitoring:step_evidence", args=[step.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    # The same page posted again: the version it carries is stale.
    again = client.post(
        reverse("monitoring:case_step", args=[case.pk]),
        {"kind": StepKind.REJECTION, "version": 1, "on": "2024-02-19", "note": "重复提交"},
        follow=True,
    )
    assert "已被他人办理" in again.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.HOME_CHECKED


def test_a_cadre_cannot_take_the_towns_review(town, client_for):
    case = make_case(town["household"], state=CaseState.NOTICE, notice_started_on=date(2024, 2, 1))
    response = client_for("cadre").post(
        reverse("monitoring:case_step", args=[case.pk]),
        {"kind": StepKind.TOWN_REVIEW, "version": case.version, "on": "2020-05-31"},
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.NOTICE


def test_the_county_approval_is_offered_to_and_taken_by_the_county_administrator_only(
    town, client_for, settings
):
    settings.DEFAULT_AS_OF = date(2024, 2, 26)
    case = make_case(town["household"], state=CaseState.TOWN_REVIEWED)
    page_url = reverse("monitoring:case_detail", args=[case.pk])
    step_url = reverse("monitoring:case_step", args=[case.pk])
    data = {"kind": StepKind.COUNTY_APPROVAL, "version": case.version, "on": "2024-02-26"}

    town_admin = client_for("admin")
    assert [kind for kind, _e, _f in town_admin.get(page_url).context["forms"]] == []
    assert town_admin.post(step_url, data).status_code == 403
    case.refresh_from_db()
    assert (case.state, case.steps.count()) == (CaseState.TOWN_REVIEWED, 0)
    # The county's leader reads the case and approves nothing.
    assert client_for("countyleader").get(page_url).status_code == 200
    assert client_for("countyleader").post(step_url, data).status_code == 403

    county_admin = client_for("countyadmin")
    offered = [kind for kind, _e, _f in county_admin.get(page_url).context["forms"]]
    assert offered == [StepKind.COUNTY_APPROVAL, StepKind.REJECTION]
    assert county_admin.post(step_url, data).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    assert case.steps.get().actor.username == "countyadmin"


def intake_data(household, **kw):
    head = household.members.get(relation="head")
    return {
        "id_number": " ".join([head.id_number[:6], head.id_number[6:14], head.id_number[14:]]),
        "category": Category.EDGE,
        "risks": [RiskType.ILLNESS, RiskType.SCHOOLING],
        "channel": Channel.SELF_REPORT,
        "self_report_kind": "qr",
        "department": "",
        "intake_on": "2024-02-09",
        "situation": "扫码申报:家中老人住院",
        **kw,
    }


@pytest.fixture
def line_2024(town):
    from tests.monitoring.conftest import PROVINCE, make_line, set_province

    set_province(PROVINCE)
    return make_line(PROVINCE, year=2024)


def test_a_cadre_takes_in_a_household_by_a_members_id_number(town, client_for, line_2024):
    response = client_for("cadre").post(
        reverse("monitoring:case_add"), intake_data(town["household"])
    )
    case = MonitoringCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:case_detail", args=[case.pk])
    assert (case.household, case.self_report_kind, case.deadline) == (
        town["household"],
        "qr",
        date(2024, 3, 14),
    )
    assert sorted(case.risk_values) == [RiskType.ILLNESS, RiskType.SCHOOLING]
    page = client_for("cadre").get(response["Location"])
    assert "规则判定" in page.content.decode()


def test_a_number_outside_the_cadres_villages_is_not_found(town, client_for, line_2024):
    response = client_for("cadre2").post(
        reverse("monitoring:case_add"), intake_data(town["household"])
    )
    assert response.status_code == 200
    assert "范围内没有身份证号为此号码的在册成员" in response.content.decode()
    assert not MonitoringCase.objects.exists()


def test_the_intake_form_shows_the_services_errors(town, client_for, line_2024):
    response = client_for("cadre").post(
        reverse("monitoring:case_add"),
        intake_data(town["household"], self_report_kind="", fast_track="on"),
    )
    content = response.content.decode()
    assert "农户自主申报须选择申报方式" in content
    assert "绿色通道只适用于因灾、因意外事故的紧急情况" in content
    assert not MonitoringCase.objects.exists()


def test_the_intake_queue_puts_overdue_first_then_the_nearest_deadline(town, client_for):
    village = town["household"].village
    later = make_case(HouseholdFactory(village=village), home_check_due=date(2024, 3, 1))
    checked = make_case(HouseholdFactory(village=village), home_check_due=date(2024, 2, 20))
    add_step(checked, StepKind.HOME_CHECK, date(2024, 2, 19), CaseState.HOME_CHECKED)
    overdue = make_case(town["household"], home_check_due=date(2024, 2, 23))
    soon = make_case(HouseholdFactory(village=village), home_check_due=date(2024, 2, 27))
    response = client_for("admin").get(reverse("monitoring:intake_queue"), {"on": ON.isoformat()})
    # checked: home check done, its deadline is now the procedure's (2024-03-14).
    assert [c.pk for c in rows(response)] == [overdue.pk, soon.pk, later.pk, checked.pk]
