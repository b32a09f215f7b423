"""Rectification pages per role: scoping (404 for other villages), read-only roles
(403), the workflow through the pages, evidence upload and download, query counts."""

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rectification import services
from rectification.models import Evidence, InspectionRound, Problem, ProblemStatus
from tests.rectification.conftest import PNG, user
from tests.rectification.test_filetypes import pdf_bytes

pytestmark = pytest.mark.django_db


def detail(problem):
    return reverse("rectification:problem_detail", kwargs={"pk": problem.pk})


def action(name, problem):
    return reverse(f"rectification:{name}", kwargs={"pk": problem.pk})


def with_evidence(problem, name="照片.png", data=PNG, by="helper"):
    evidence = Evidence(
        problem=problem,
        original_name=name,
        content_type="image/png",
        size=len(data),
        uploaded_by=user(by),
    )
    evidence.file.save("x.png", ContentFile(data), save=False)
    evidence.save()
    return evidence


# --------------------------------------------------------------------------
# Scoping
# --------------------------------------------------------------------------


def test_cadre_lists_only_problems_of_their_village(make_problem, client_for):
    own, other = make_problem(), make_problem(own=False, responsible=None)
    content = client_for("cadre").get(reverse("rectification:problems")).content.decode()
    assert detail(own) in content
    assert detail(other) not in content
    content = client_for("cadre2").get(reverse("rectification:problems")).content.decode()
    assert detail(other) in content and detail(own) not in content


def test_cadre_gets_not_found_for_other_villages_problem_and_its_evidence(make_problem, client_for):
    other = make_problem(own=False, responsible=None)
    evidence = with_evidence(other)
    cadre = client_for("cadre")
    assert cadre.get(detail(other)).status_code == 404
    assert cadre.get(action("evidence_download", evidence)).status_code == 404
    assert cadre.post(action("evidence_add", other)).status_code == 404
    assert cadre.post(action("problem_start", other), {"measures_taken": "x"}).status_code == 404
    assert Problem.objects.get(pk=other.pk).status == ProblemStatus.OPEN


def test_filtering_by_a_village_outside_the_scope_is_not_found(town, make_problem, client_for):
    make_problem()
    url = reverse("rectification:problems")
    other_village = town["other_household"].village
    assert client_for("cadre").get(url, {"village": other_village.pk}).status_code == 404
    assert client_for("admin").get(url, {"village": other_village.pk}).status_code == 200


def test_responsible_user_sees_only_their_own_problems(make_problem, client_for):
    mine = make_problem(own=False)  # helper has no village: responsibility is the scope
    not_mine = make_problem(responsible=None)
    helper = client_for("helper")
    assert helper.get(detail(mine)).status_code == 200
    assert helper.get(detail(not_mine)).status_code == 404
    assert helper.get(action("evidence_download", with_evidence(mine))).status_code == 200
    assert helper.get(action("evidence_download", with_evidence(not_mine))).status_code == 404


def test_round_figures_count_only_what_the_user_may_see(make_problem, client_for):
    make_problem()
    make_problem(own=False, responsible=None, status=ProblemStatus.RECTIFYING)
    url = reverse("rectification:rounds")
    admin = client_for("admin").get(url).content.decode()
    assert 'data-count="found">2<' in admin and 'data-count="open">2<' in admin
    cadre = client_for("cadre").get(url).content.decode()
    assert 'data-count="found">1<' in cadre


# --------------------------------------------------------------------------
# Read-only roles
# --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["leader", "reviewer", "enumerator"])
def test_read_only_roles_cannot_upload_start_close_or_edit(make_problem, client_for, role):
    problem = make_problem()
    client = client_for(role)
    upload = SimpleUploadedFile("照片.png", PNG)
    assert client.post(action("evidence_add", problem), {"file": upload}).status_code == 403
    assert client.post(action("problem_start", problem), {"measures_taken": "x"}).status_code == 403
    assert client.post(action("problem_close", problem), {}).status_code == 403
    assert client.post(action("problem_edit", problem), {}).status_code == 403
    assert not Evidence.objects.exists()
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.OPEN


def test_leader_sees_no_action_buttons(make_problem, client_for):
    problem = make_problem()
    content = client_for("leader").get(detail(problem)).content.decode()
    assert action("problem_start", problem) not in content
    assert action("evidence_add", problem) not in content
    assert action("problem_edit", problem) not in content


# --------------------------------------------------------------------------
# The workflow through the pages
# --------------------------------------------------------------------------


def test_helper_starts_uploads_and_admin_closes(make_problem, client_for, settings):
    problem = make_problem()
    helper, admin = client_for("helper"), client_for("admin")
    response = helper.post(action("problem_start", problem), {"measures_taken": "逐户补齐鉴定资料"})
    assert response.status_code == 302
    upload = SimpleUploadedFile("鉴定报告.pdf", pdf_bytes())
    response = helper.post(action("evidence_add", problem), {"file": upload, "description": "鉴定"})
    assert response.status_code == 302
    # The responsible user is not offered the close, and is refused it.
    assert action("problem_close", problem) not in helper.get(detail(problem)).content.decode()
    assert helper.post(action("problem_close", problem), {}).status_code == 403
    assert action("problem_close", problem) in admin.get(detail(problem)).content.decode()
    response = admin.post(
        action("problem_close", problem),
        {"completed_on": "2020-05-30", "completion_note": "资料已补齐"},
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.closed_by) == (ProblemStatus.DONE, user("admin"))
    page = admin.get(detail(problem)).content.decode()
    assert "鉴定报告.pdf" in page and "核实销号" in page and "开始整改" in page  # history


def test_close_form_shows_each_missing_item_in_chinese(make_problem, client_for):
    problem = make_problem(status=ProblemStatus.RECTIFYING)
    response = client_for("admin").post(action("problem_close", problem), {})
    content = response.content.decode()
    assert response.status_code == 200
    assert "请填写完成日期" in content
    assert "请填写完成情况说明" in content
    assert "销号前须至少上传一份整改佐证材料" in content
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.RECTIFYING


def test_administrator_responsible_for_a_problem_cannot_close_it(make_problem, client_for):
    problem = make_problem(responsible="admin", status=ProblemStatus.RECTIFYING)
    with_evidence(problem, by="admin")
    response = client_for("admin").post(
        action("problem_close", problem),
        {"completed_on": "2020-05-30", "completion_note": "资料已补齐"},
    )
    assert response.status_code == 200
    assert "不能为自己负责的问题销号" in response.content.decode()
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.RECTIFYING


def test_reopen_needs_a_reason(make_problem, client_for):
    problem = make_problem(
        status=ProblemStatus.DONE, completed_on=date(2020, 5, 20), completion_note="已拆除"
    )
    admin = client_for("admin")
    response = admin.post(action("problem_reopen", problem), {"reason": ""})
    assert "请填写重新打开的原因" in response.content.decode()
    response = admin.post(action("problem_reopen", problem), {"reason": "复查发现旧房未拆"})
    assert response.status_code == 302
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.RECTIFYING


def test_a_double_posted_upload_is_stored_once(make_problem, client_for):
    problem = make_problem()
    helper = client_for("helper")
    for _ in range(2):
        response = helper.post(
            action("evidence_add", problem), {"file": SimpleUploadedFile("照片.png", PNG)}
        )
    assert response.status_code == 200
    assert "已上传过同一文件" in response.content.decode()
    assert problem.evidence.count() == 1


def test_a_renamed_file_is_refused_on_the_page(make_problem, client_for):
    problem = make_problem()
    response = client_for("cadre").post(
        action("evidence_add", problem),
        {"file": SimpleUploadedFile("照片.jpg", b"<?php system($_GET['c']); ?>")},
    )
    assert response.status_code == 200
    assert "文件“照片.jpg”的内容不是JPG 图片" in response.content.decode()
    assert not Evidence.objects.exists()


def test_admin_adds_a_problem_and_its_households_villages_are_concerned(
    town, inspection_round, client_for
):
    household = town["other_household"]
    response = client_for("admin").post(
        reverse("rectification:problem_add", kwargs={"round_pk": inspection_round.pk}),
        {
            "inspection_round": inspection_round.pk,
            "category": "old_house",
            "text": "钱德旺户建新未拆旧",
            "household_numbers": household.number,
            "responsible_name": "刘志远",
            "found_on": "2020-05-10",
            "deadline": "2020-06-30",
        },
    )
    assert response.status_code == 302
    problem = Problem.objects.get()
    assert list(problem.villages.all()) == [household.village]
    # The cadre of that village sees it; the other cadre does not.
    assert client_for("cadre2").get(detail(problem)).status_code == 200
    assert client_for("cadre").get(detail(problem)).status_code == 404


def test_unknown_household_numbers_are_named(inspection_round, town, client_for):
    response = client_for("admin").post(
        reverse("rectification:problem_add", kwargs={"round_pk": inspection_round.pk}),
        {
            "inspection_round": inspection_round.pk,
            "category": "old_house",
            "text": "建新未拆旧",
            "household_numbers": "999999 888888",
            "responsible_name": "刘志远",
            "found_on": "2020-05-10",
            "deadline": "2020-06-30",
        },
    )
    assert "没有这些户编号:999999、888888" in response.content.decode()
    assert not Problem.objects.exists()


def test_an_edit_from_a_stale_page_is_refused(make_problem, client_for):
    problem = make_problem()
    admin = client_for("admin")
    data = {
        "inspection_round": problem.inspection_round_id,
        "category": "housing",
        "text": "第一人的修改",
        "villages": [v.pk for v in problem.villages.all()],
        "responsible_name": "孙帮扶",
        "found_on": "2020-04-15",
        "deadline": "2020-06-30",
        "version": 1,
    }
    assert admin.post(action("problem_edit", problem), data).status_code == 302
    response = admin.post(action("problem_edit", problem), {**data, "text": "第二人的修改"})
    assert "已被他人修改" in response.content.decode()
    assert Problem.objects.get(pk=problem.pk).text == "第一人的修改"


# --------------------------------------------------------------------------
# Evidence download
# --------------------------------------------------------------------------


def test_download_is_an_attachment_with_its_type_and_nosniff(make_problem, client_for):
    evidence = with_evidence(make_problem(), name="拆除后照片.png")
    response = client_for("reviewer").get(action("evidence_download", evidence))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E6%8B%86" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PNG


def test_evidence_is_not_served_by_a_media_url(make_problem, client_for, settings):
    evidence = with_evidence(make_problem())
    response = client_for("admin").get(f"/{settings.MEDIA_URL}{evidence.file.name}")
    assert response.status_code == 404


def test_a_missing_file_is_not_found(make_problem, client_for):
    evidence = with_evidence(make_problem())
    evidence.file.storage.delete(evidence.file.name)
    assert client_for("admin").get(action("evidence_download", evidence)).status_code == 404


# --------------------------------------------------------------------------
# Lists: overdue, my tasks, filters
# --------------------------------------------------------------------------


def test_overdue_page_lists_open_problems_past_their_deadline(make_problem, client_for):
    late = make_problem(text="逾期的问题", deadline=date(2020, 5, 1))
    make_problem(text="按期的问题", deadline=date(2020, 5, 31))  # the deadline day is in time
    make_problem(
        text="已完成的问题",
        deadline=date(2020, 5, 1),
        status=ProblemStatus.DONE,
        completed_on=date(2020, 5, 1),
        completion_note="已整改",
    )
    content = client_for("admin").get(reverse("rectification:overdue")).content.decode()
    assert detail(late) in content
    assert "按期的问题" not in content and "已完成的问题" not in content
    assert '<td class="num">30</td>' in content  # days overdue on 2020-05-31
    url = reverse("rectification:problems")
    listed = client_for("admin").get(url, {"overdue": "true"}).content.decode()
    assert detail(late) in listed and "按期的问题" not in listed


def test_my_tasks_shows_the_responsible_users_open_problems(make_problem, client_for):
    mine = make_problem(text="孙帮扶负责的问题", deadline=date(2020, 5, 1))
    make_problem(text="别人负责的问题", responsible="cadre")
    content = client_for("helper").get(reverse("rectification:my_tasks")).content.decode()
    assert detail(mine) in content
    assert "别人负责的问题" not in content
    assert "其中逾期 1 项" in content


def test_filters_by_round_category_status_and_responsible(make_problem, client_for):
    other_round = InspectionRound.objects.create(name="另一次检查", kind="other", year=2020)
    a = make_problem(text="甲问题", category="water")
    b = make_problem(text="乙问题", status=ProblemStatus.RECTIFYING, responsible_name="刘志远")
    c = make_problem(text="丙问题", inspection_round=other_round)
    admin = client_for("admin")
    url = reverse("rectification:problems")

    def listed(**query):
        content = admin.get(url, query).content.decode()
        return {p.text for p in (a, b, c) if detail(p) in content}

    assert listed(category="water") == {"甲问题"}
    assert listed(status="rectifying") == {"乙问题"}
    assert listed(status="not_done") == {"甲问题", "乙问题", "丙问题"}
    assert listed(inspection_round=other_round.pk) == {"丙问题"}
    assert listed(responsible="刘志远") == {"乙问题"}


# --------------------------------------------------------------------------
# Query counts do not grow with the rows
# --------------------------------------------------------------------------


def grow(make_problem, n, **fields):
    for i in range(n):
        problem = make_problem(text=f"问题{i}", deadline=date(2020, 5, 1), **fields)
        with_evidence(problem, name=f"{i}.png", data=PNG + bytes([i]))


@pytest.mark.parametrize(
    ("role", "name", "queries"),
    [
        # The town's administrator is no superuser: its permissions are read (2 queries).
        ("admin", "rectification:rounds", 7),
        # A cadre's scope: the village subquery of the counts and of the summary.
        ("cadre", "rectification:rounds", 7),
        ("cadre", "rectification:round_detail", 8),
        ("admin", "rectification:problems", 9),
        ("cadre", "rectification:problems", 9),
        ("admin", "rectification:overdue", 6),
        ("helper", "rectification:my_tasks", 6),
    ],
)
def test_list_query_counts_are_fixed(
    make_problem, inspection_round, client_for, django_assert_num_queries, role, name, queries
):
    grow(make_problem, 2)
    client = client_for(role)
    url = reverse(name, kwargs={"pk": inspection_round.pk} if name.endswith("detail") else {})
    client.get(url)  # warm the session and permission caches
    with django_assert_num_queries(queries):
        client.get(url)
    grow(make_problem, 20)
    with django_assert_num_queries(queries):
        response = client.get(url)
    if not name.endswith("rounds"):
        assert response.content.decode().count('href="/rectification/problems/') >= 22


def test_problem_page_query_count_is_fixed(make_problem, client_for, django_assert_num_queries):
    problem = make_problem()
    with_evidence(problem)
    client = client_for("cadre")
    client.get(detail(problem))
    with django_assert_num_queries(11):
        client.get(detail(problem))
    for i in range(5):
        with_evidence(problem, name=f"{i}.png", data=PNG + bytes([i]))
        services.problem_update(
            problem=problem,
            expected_version=problem.version,
            data={"text": f"修改{i}"},
            villages=problem.villages.all(),
        )
    with django_assert_num_queries(11):
        client.get(detail(problem))


def test_a_403_says_why_to_the_responsible_person_closing_their_own_problem(
    make_problem, client_for
):
    problem = make_problem(responsible="helper", status=ProblemStatus.RECTIFYING)
    response = client_for("helper").get(action("problem_close", problem))
    assert response.status_code == 403
    content = response.content.decode()
    assert "问题的整改责任人不能为自己销号" in content
    assert "只读" not in content


def test_a_403_names_who_may_do_it(make_problem, client_for):
    problem = make_problem(responsible="helper", status=ProblemStatus.RECTIFYING)
    response = client_for("leader").get(action("problem_close", problem))
    assert response.status_code == 403
    assert "只有镇扶贫办管理员可以核实销号" in response.content.decode()
