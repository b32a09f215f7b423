"""Rows of the permission matrix (tests/households/test_permission_matrix.py) for
monitoring's pages.

Roles, in order: anonymous, admin, cadre, cadre2, leader, enumerator, reviewer, helper.

The case in the URLs is of 学田地村 (``cadre``'s village; ``cadre2`` has 点力村 and
gets 404; ``helper`` is the household's responsible person and reads it). The
census staff have no monitoring role (403); leaders and responsible persons read.
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

LOGIN = 302
#                     anon   admin cadre cadre2 leader enum  review helper
LISTS = [LOGIN, 200, 200, 200, 200, 403, 403, 200]
MATRIX: dict[str, list[int]] = {
    "monitoring:worklist": LISTS,
    "monitoring:intake_queue": LISTS,
    "monitoring:dashboard": LISTS,
    "monitoring:case_add": [LOGIN, 200, 200, 200, 403, 403, 403, 403],
    # A department's list covers the whole registry: the town administrator's.
    "monitoring:warnings_upload": [LOGIN, 200, 403, 403, 403, 403, 403, 403],
    "monitoring:case_detail": [LOGIN, 200, 200, 404, 200, 403, 403, 200],
    "monitoring:case_step": [LOGIN, 405, 405, 405, 405, 405, 405, 405],
    "monitoring:step_evidence": [LOGIN, 200, 200, 404, 200, 403, 403, 200],
    # The roster of the user's scope: who may export registry data (leaders read-only).
    "monitoring:roster_export": [LOGIN, 200, 200, 200, 200, 403, 403, 403],
}
# An empty POST: refused on the case's page with its messages (302) for who may work
# cases; read-only roles 403.
POST_MATRIX: dict[str, list[int]] = {
    # An empty intake form comes back with its errors.
    "monitoring:case_add": [LOGIN, 200, 200, 200, 403, 403, 403, 403],
    "monitoring:warnings_upload": [LOGIN, 200, 403, 403, 403, 403, 403, 403],
    "monitoring:case_step": [LOGIN, 302, 302, 404, 403, 403, 403, 403],
}

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def _case(town):
    from monitoring.models import CaseStep, MonitoringCase

    case, created = MonitoringCase.objects.get_or_create(
        household=town["household"],
        defaults={
            "category": "edge",
            "channel": "visit",
            "intake_on": date(2020, 5, 6),
            "home_check_due": date(2020, 5, 13),
            "deadline": date(2020, 6, 3),
            "state": "home_checked",
        },
    )
    if created:
        step = CaseStep(
            case=case,
            kind="home_check",
            on=date(2020, 5, 8),
            state_before="intake",
            state_after="home_checked",
            actor=get_user_model().objects.get(username="cadre"),
            evidence_name="承诺授权书.png",
            evidence_type="image/png",
        )
        step.evidence.save("x.png", ContentFile(PNG), save=False)
        step.save()
    return case


def url_kwargs(name, town):
    if name in (
        "monitoring:worklist",
        "monitoring:intake_queue",
        "monitoring:case_add",
        "monitoring:dashboard",
        "monitoring:warnings_upload",
        "monitoring:roster_export",
    ):
        return {}
    case = _case(town)
    if name == "monitoring:step_evidence":
        return {"pk": case.steps.get().pk}
    return {"pk": case.pk}
