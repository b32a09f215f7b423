"""Rows of the permission matrix (tests/households/test_permission_matrix.py) for
rectification's pages.

Roles, in order: anonymous, admin, cadre, cadre2, leader, enumerator, reviewer, helper.

The problems in the URLs concern 学田地村 (``cadre`` and ``enumerator`` have
it, ``cadre2`` has 点力村 and gets 404) and ``helper`` is their responsible
user: helper sees them and may work on them, but may not close them.
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

LOGIN = 302
ALL = [LOGIN, 200, 200, 200, 200, 200, 200, 200]
ADMIN_ONLY = [LOGIN, 200, 403, 403, 403, 403, 403, 403]
#                anon   admin cadre cadre2 leader enum  review helper
MATRIX: dict[str, list[int]] = {
    "rectification:rounds": ALL,
    "rectification:round_add": ADMIN_ONLY,
    "rectification:round_detail": ALL,
    "rectification:round_edit": ADMIN_ONLY,
    "rectification:problem_add": ADMIN_ONLY,
    "rectification:problems": ALL,
    "rectification:overdue": ALL,
    "rectification:my_tasks": ALL,
    "rectification:problem_detail": [LOGIN, 200, 200, 404, 200, 200, 200, 200],
    "rectification:problem_edit": [LOGIN, 200, 403, 404, 403, 403, 403, 403],
    "rectification:problem_start": [LOGIN, 200, 200, 404, 403, 403, 403, 200],
    "rectification:problem_close": [LOGIN, 200, 403, 404, 403, 403, 403, 403],
    "rectification:problem_reopen": [LOGIN, 200, 403, 404, 403, 403, 403, 403],
    "rectification:evidence_add": [LOGIN, 200, 200, 404, 403, 403, 403, 200],
    "rectification:evidence_download": [LOGIN, 200, 200, 404, 200, 200, 200, 200],
    "rectification:evidence_remove": [LOGIN, 405, 405, 405, 405, 405, 405, 405],
}
# POST-only actions and writes, checked with an empty POST: the services'
# errors come back on the form (200); nothing is written.
POST_MATRIX: dict[str, list[int]] = {
    "rectification:problem_start": [LOGIN, 200, 200, 404, 403, 403, 403, 200],
    "rectification:problem_close": [LOGIN, 200, 403, 404, 403, 403, 403, 403],
    "rectification:problem_edit": [LOGIN, 200, 403, 404, 403, 403, 403, 403],
    "rectification:round_add": ADMIN_ONLY,
    # The evidence of a closed problem: refused with a message on the problem's page.
    "rectification:evidence_remove": [LOGIN, 302, 403, 404, 403, 403, 403, 403],
}

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def _problem(status: str, town):
    from rectification.models import InspectionRound, Problem

    round_, _ = InspectionRound.objects.get_or_create(
        name="矩阵测试检查", defaults={"kind": "survey", "year": 2020}
    )
    helper = get_user_model().objects.get(username="helper")
    done = status == "done"
    problem, created = Problem.objects.get_or_create(
        inspection_round=round_,
        text=f"矩阵测试问题({status})",
        defaults={
            "category": "housing",
            "responsible_name": "孙帮扶",
            "responsible_user": helper,
            "found_on": date(2020, 4, 1),
            "deadline": date(2020, 6, 30),
            "status": status,
            "completed_on": date(2020, 5, 20) if done else None,
            "completion_note": "已整改" if done else "",
        },
    )
    if created:
        problem.villages.set([town["household"].village])
    return problem


def _evidence(problem):
    from rectification.models import Evidence

    evidence = problem.evidence.first()
    if evidence is None:
        evidence = Evidence(problem=problem, original_name="照片.png", content_type="image/png")
        evidence.file.save("x.png", ContentFile(PNG), save=False)
        evidence.save()
    return evidence


def url_kwargs(name, town):
    """The URL arguments of page ``name``, from objects of the demo ``town`` fixture."""
    if name in ("rectification:rounds", "rectification:round_add"):
        return {}
    if name in ("rectification:problems", "rectification:overdue", "rectification:my_tasks"):
        return {}
    if name in ("rectification:round_detail", "rectification:round_edit"):
        return {"pk": _problem("open", town).inspection_round_id}
    if name == "rectification:problem_add":
        return {"round_pk": _problem("open", town).inspection_round_id}
    if name == "rectification:problem_close":
        return {"pk": _problem("rectifying", town).pk}
    if name == "rectification:problem_reopen":
        return {"pk": _problem("done", town).pk}
    if name == "rectification:evidence_download":
        return {"pk": _evidence(_problem("open", town)).pk}
    if name == "rectification:evidence_remove":
        return {"pk": _evidence(_problem("done", town)).pk}
    return {"pk": _problem("open", town).pk}
