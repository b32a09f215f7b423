"""The rectification workflow: start, close (with evidence, by someone else), reopen."""

from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from rectification import services
from rectification.models import Evidence, Problem, ProblemStatus
from tests.rectification.conftest import PNG, user
from tests.rectification.test_filetypes import pdf_bytes

pytestmark = pytest.mark.django_db

TODAY = date(2020, 6, 10)


def upload(data=PNG, name="现场照片.png"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def field_errors(caught):
    return {field: [str(m) for m in errors] for field, errors in caught.value.message_dict.items()}


def rectifying(make_problem, **fields):
    problem = make_problem(**fields)
    services.problem_start(problem=problem, measures_taken="逐户核查鉴定", user=user("cadre"))
    return problem


def close(problem, by="admin", note="已补齐鉴定资料", on=TODAY):
    return services.problem_close(
        problem=problem, completed_on=on, completion_note=note, user=user(by), today=TODAY
    )


# --------------------------------------------------------------------------
# Start
# --------------------------------------------------------------------------


def test_starting_records_the_measures(make_problem):
    problem = make_problem()
    services.problem_start(problem=problem, measures_taken=" 逐户核查 ", user=user("helper"))
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RECTIFYING
    assert problem.measures_taken == "逐户核查"
    assert problem.version == 2
    assert problem.history.first().history_change_reason == "开始整改"


def test_starting_without_measures_names_the_field(make_problem):
    problem = make_problem()
    with pytest.raises(ValidationError) as caught:
        services.problem_start(problem=problem, measures_taken="  ", user=user("helper"))
    assert field_errors(caught) == {"measures_taken": ["请填写整改措施"]}
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN


def test_a_double_start_changes_the_problem_once(make_problem):
    problem = make_problem()
    services.problem_start(problem=problem, measures_taken="核查", user=user("helper"))
    stale = Problem.objects.get(pk=problem.pk)
    stale.status = ProblemStatus.OPEN  # what the second request's form still showed
    with pytest.raises(ValidationError, match="只有“待整改”的问题才能开始整改"):
        services.problem_start(problem=stale, measures_taken="核查", user=user("helper"))
    assert Problem.objects.get(pk=problem.pk).version == 2


# --------------------------------------------------------------------------
# Close
# --------------------------------------------------------------------------


def test_closing_needs_note_date_and_evidence_each_named(make_problem):
    problem = rectifying(make_problem)
    with pytest.raises(ValidationError) as caught:
        services.problem_close(
            problem=problem, completed_on=None, completion_note=" ", user=user("admin")
        )
    errors = field_errors(caught)
    assert errors == {
        "completed_on": ["请填写完成日期"],
        "completion_note": ["请填写完成情况说明"],
        "evidence": ["佐证材料:销号前须至少上传一份整改佐证材料"],
    }
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RECTIFYING
    assert problem.completion_note == ""


def test_closing_with_evidence_by_the_administrator(make_problem):
    problem = rectifying(make_problem)
    services.evidence_add(problem=problem, upload=upload(), user=user("helper"))
    close(problem)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.DONE
    assert problem.completed_on == TODAY
    assert problem.completion_note == "已补齐鉴定资料"
    assert problem.closed_by == user("admin")
    assert problem.history.first().history_change_reason == "核实销号"


def test_the_responsible_user_cannot_close_their_own_problem(make_problem):
    problem = rectifying(make_problem, responsible="admin")
    services.evidence_add(problem=problem, upload=upload(), user=user("admin"))
    with pytest.raises(ValidationError, match="不能为自己负责的问题销号") as caught:
        close(problem, by="admin")
    assert caught.value.code == "separation_of_duties"
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.RECTIFYING


def test_someone_else_closes_the_administrators_problem(make_problem, django_user_model):
    problem = rectifying(make_problem, responsible="admin")
    services.evidence_add(problem=problem, upload=upload(), user=user("admin"))
    close(problem, by="cadre")  # the service checks duties; the page checks permissions
    assert Problem.objects.get(pk=problem.pk).closed_by == user("cadre")


def test_a_double_close_closes_once(make_problem):
    problem = rectifying(make_problem)
    services.evidence_add(problem=problem, upload=upload(), user=user("helper"))
    stale = Problem.objects.get(pk=problem.pk)
    close(problem)
    with pytest.raises(ValidationError, match="不能重复销号"):
        close(stale, note="第二次提交")
    problem.refresh_from_db()
    assert problem.completion_note == "已补齐鉴定资料"
    assert problem.history.filter(history_change_reason="核实销号").count() == 1


def test_a_problem_not_started_cannot_be_closed(make_problem):
    problem = make_problem()
    with pytest.raises(ValidationError, match="尚未开始整改"):
        close(problem)


@pytest.mark.parametrize(
    ("completed_on", "message"),
    [(date(2020, 4, 1), "完成日期不能早于发现日期"), (date(2020, 6, 11), "完成日期不能晚于今天")],
)
def test_completion_date_must_lie_between_finding_and_today(make_problem, completed_on, message):
    problem = rectifying(make_problem)
    services.evidence_add(problem=problem, upload=upload(), user=user("helper"))
    with pytest.raises(ValidationError) as caught:
        close(problem, on=completed_on)
    assert message in field_errors(caught)["completed_on"][0]


# --------------------------------------------------------------------------
# Reopen
# --------------------------------------------------------------------------


def test_reopening_needs_a_reason_and_clears_the_completion(make_problem):
    problem = rectifying(make_problem)
    services.evidence_add(problem=problem, upload=upload(), user=user("helper"))
    close(problem)
    with pytest.raises(ValidationError) as caught:
        services.problem_reopen(problem=problem, reason=" ", user=user("admin"))
    assert field_errors(caught) == {"reason": ["请填写重新打开的原因"]}
    services.problem_reopen(problem=problem, reason="复查发现旧房仍未拆除", user=user("admin"))
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RECTIFYING
    assert (problem.completed_on, problem.completion_note, problem.closed_by) == (None, "", None)
    assert problem.reopen_reason == "复查发现旧房仍未拆除"
    assert problem.history.first().history_change_reason == "重新打开:复查发现旧房仍未拆除"
    # The closing stays in the history.
    assert problem.history.filter(status=ProblemStatus.DONE, closed_by=user("admin")).exists()


def test_only_a_closed_problem_can_be_reopened(make_problem):
    with pytest.raises(ValidationError, match="只有已销号的问题才能重新打开"):
        services.problem_reopen(problem=make_problem(), reason="复查", user=user("admin"))


# --------------------------------------------------------------------------
# Evidence
# --------------------------------------------------------------------------


def test_evidence_is_stored_under_a_generated_name(make_problem, settings):
    problem = make_problem()
    evidence = services.evidence_add(
        problem=problem,
        upload=upload(name="../../etc/现场照片.png"),
        description="拆除后照片",
        user=user("helper"),
    )
    assert evidence.original_name == "现场照片.png"
    assert evidence.file.name.startswith(f"evidence/{problem.pk}/")
    assert "现场照片" not in evidence.file.name and ".." not in evidence.file.name
    assert evidence.file.name.endswith(".png")
    assert (evidence.content_type, evidence.size) == ("image/png", len(PNG))
    assert len(evidence.sha256) == 64
    (path,) = stored_files(settings)
    assert path.read_bytes() == PNG
    assert Path(settings.MEDIA_ROOT) in path.parents


def test_the_same_file_twice_is_stored_once(make_problem, settings):
    problem = make_problem()
    services.evidence_add(problem=problem, upload=upload(), user=user("helper"))
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(problem=problem, upload=upload(name="副本.png"), user=user("cadre"))
    assert "已上传过同一文件(“现场照片.png”)" in field_errors(caught)["file"][0]
    assert problem.evidence.count() == 1
    assert len(stored_files(settings)) == 1


def test_a_renamed_program_is_refused_and_nothing_is_stored(make_problem, settings):
    problem = make_problem()
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(
            problem=problem, upload=upload(b"MZ\x90\x00" * 40, "照片.jpg"), user=user("helper")
        )
    assert "照片.jpg" in field_errors(caught)["file"][0]
    assert not Evidence.objects.exists()
    assert stored_files(settings) == []


def test_a_file_over_the_limit_is_refused(make_problem, settings):
    settings.RECTIFICATION_EVIDENCE_MAX_BYTES = 1000
    problem = make_problem()
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(
            problem=problem, upload=upload(pdf_bytes() + b" " * 1000, "验收单.pdf"), user=None
        )
    assert "单个佐证材料不能超过" in field_errors(caught)["file"][0]
    assert stored_files(settings) == []


def test_no_evidence_is_added_to_a_closed_problem(make_problem, settings):
    problem = rectifying(make_problem)
    services.evidence_add(problem=problem, upload=upload(), user=user("helper"))
    close(problem)
    with pytest.raises(ValidationError, match="该问题已销号,不能再上传佐证材料"):
        services.evidence_add(
            problem=problem, upload=upload(pdf_bytes(), "验收单.pdf"), user=user("helper")
        )
    assert problem.evidence.count() == 1
    assert len(stored_files(settings)) == 1


def test_removing_evidence_deletes_the_file_once_committed(
    make_problem, settings, django_capture_on_commit_callbacks
):
    problem = make_problem()
    evidence = services.evidence_add(problem=problem, upload=upload(), user=user("helper"))
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_remove(evidence=evidence, user=user("helper"))
        services.evidence_remove(evidence=evidence, user=user("helper"))  # a double post
    assert not problem.evidence.exists()
    assert stored_files(settings) == []


def test_evidence_of_a_closed_problem_cannot_be_removed(make_problem):
    problem = rectifying(make_problem)
    evidence = services.evidence_add(problem=problem, upload=upload(), user=user("helper"))
    close(problem)
    with pytest.raises(ValidationError, match="不能删除其佐证材料"):
        services.evidence_remove(evidence=evidence, user=user("admin"))
    assert problem.evidence.count() == 1


# --------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------


def test_a_new_problem_concerns_the_villages_of_its_households(town, inspection_round):
    household = town["other_household"]
    problem = services.problem_create(
        inspection_round=inspection_round,
        data={
            "category": "old_house",
            "text": "钱德旺户建新未拆旧",
            "responsible_name": "刘志远",
            "responsible_user": None,
            "found_on": date(2020, 5, 10),
            "deadline": date(2020, 6, 30),
            "measures_taken": "",
        },
        households=[household],
    )
    assert problem.status == ProblemStatus.OPEN
    assert list(problem.villages.all()) == [household.village]
    assert list(problem.households.all()) == [household]


def test_a_problem_concerns_at_least_one_village(inspection_round, town):
    with pytest.raises(ValidationError) as caught:
        services.problem_create(
            inspection_round=inspection_round,
            data={
                "category": "records",
                "text": "表册不一致",
                "responsible_name": "刘志远",
                "found_on": date(2020, 5, 10),
                "deadline": date(2020, 6, 30),
            },
        )
    assert field_errors(caught) == {"villages": ["请选择涉及的村,或填写涉及户"]}
    assert not Problem.objects.exists()


def test_deadline_before_finding_is_refused_naming_the_field(make_problem):
    problem = make_problem()
    with pytest.raises(ValidationError) as caught:
        services.problem_update(
            problem=problem,
            expected_version=1,
            data={"deadline": date(2020, 1, 1)},
            villages=problem.villages.all(),
        )
    assert field_errors(caught)["deadline"] == ["整改时限不能早于发现日期"]
    assert Problem.objects.get(pk=problem.pk).deadline == date(2020, 6, 30)


def test_the_second_of_two_concurrent_edits_is_refused(make_problem):
    problem = make_problem()
    villages = list(problem.villages.all())
    first = Problem.objects.get(pk=problem.pk)
    second = Problem.objects.get(pk=problem.pk)
    services.problem_update(
        problem=first, expected_version=1, data={"text": "甲的修改"}, villages=villages
    )
    with pytest.raises(services.ConcurrentEditError):
        services.problem_update(
            problem=second, expected_version=1, data={"text": "乙的修改"}, villages=villages
        )
    assert Problem.objects.get(pk=problem.pk).text == "甲的修改"
