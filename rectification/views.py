"""Pages of rectification (问题整改). Thin: load through the scoping function,
call a selector or a service, render.

Scoping: every problem comes from ``Problem.objects.visible_to(user)``, so a
problem of another village is not found (404), for its page, its actions and
its evidence files alike. Writes also need their permission (403 otherwise):
managing rounds and problems ``add_/change_problem`` (town administrator),
starting work and uploading evidence ``rectify_problem`` (administrator,
village cadres, responsible persons), closing ``close_problem``
(administrator), re-opening ``change_problem``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from households import params
from households.models import VILLAGE_ORDER
from households.params import as_of_from
from households.scope import households_visible_to, own_villages, sees_whole_registry
from rectification import selectors, services
from rectification.filetypes import CONTENT_TYPES_BY_EXTENSION, extension_of, megabytes
from rectification.filters import ProblemFilter
from rectification.forms import (
    CloseForm,
    EvidenceForm,
    InspectionRoundForm,
    ProblemForm,
    ReopenForm,
    StartForm,
)
from rectification.models import Evidence, InspectionRound, Problem, ProblemStatus

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
VIEW = "rectification.view_problem"
READ_ONLY = _("您的账号对问题整改是只读的,不能进行此操作")
#: Why a 403 is refused, by the permission missing: the user is told what
#: they may not do and who does it, not just "read only".
DENIED = {
    "rectification.change_problem": _("只有镇扶贫办管理员可以修改问题或重新打开已销号的问题"),
    "rectification.rectify_problem": _("只有问题所在村的村干部或整改责任人可以整改、上传佐证材料"),
    "rectification.close_problem": _("只有镇扶贫办管理员可以核实销号;整改责任人不能为自己销号"),
    "rectification.add_inspectionround": _("只有镇扶贫办管理员可以录入检查反馈"),
    "rectification.change_inspectionround": _("只有镇扶贫办管理员可以修改检查反馈"),
    "rectification.add_problem": _("只有镇扶贫办管理员可以录入问题"),
}
#: The responsible user of a problem asking to close it (separation of duties).
SELF_CLOSE = _("问题的整改责任人不能为自己销号:须由镇扶贫办其他人员核实佐证材料后销号")


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def visible_problems(request):
    return Problem.objects.visible_to(request.user)


def visible_problem(request, pk) -> Problem:
    """The problem, if the user may see it; 404 otherwise, whoever asks."""
    queryset = visible_problems(request).select_related(
        "inspection_round", "responsible_user", "closed_by"
    )
    return get_object_or_404(queryset, pk=pk)


def problem_for(request, pk, permission) -> Problem:
    """The problem, if visible (else 404) and the user has ``permission`` (else 403)."""
    problem = visible_problem(request, pk)
    if not request.user.has_perm(permission):
        if permission == "rectification.close_problem" and (
            problem.responsible_user_id == request.user.pk
        ):
            raise PermissionDenied(SELF_CLOSE)
        raise PermissionDenied(DENIED.get(permission, READ_ONLY))
    return problem


def scoped_villages(user):
    """The villages the user may filter by: all of them, or those of their profile."""
    return own_villages(user).order_by(*VILLAGE_ORDER)


def posted(request):
    """The POST data, also when empty: an empty POST is a submitted form, not a GET."""
    return request.POST if request.method == "POST" else None


def problem_url(problem, request=None) -> str:
    url = reverse("rectification:problem_detail", kwargs={"pk": problem.pk})
    on = request.GET.get("on", "") if request else ""
    return f"{url}?{urlencode({'on': on})}" if on else url


def form_page(request, form, *, title, save, success, back, problem=None, multipart=False):
    """An edit page of rectification (``params.form_page``): ``save`` returns
    the page to go to."""
    return params.form_page(
        request,
        form,
        template="rectification/form.html",
        title=title,
        save=save,
        success=success,
        back=back,
        context={"problem": problem, "multipart": multipart},
        to_result=True,
    )


def _require_view(request):
    if not request.user.has_perm(VIEW):
        raise PermissionDenied(_("您没有查看问题整改的权限"))


# --------------------------------------------------------------------------
# Rounds
# --------------------------------------------------------------------------


def round_list(request):
    _require_view(request)
    on = as_of_from(request)
    problems = visible_problems(request)
    return render(
        request,
        "rectification/round_list.html",
        {
            "on": on,
            "counts": selectors.problem_counts(on=on, problems=problems),
            "rounds": selectors.rounds_summary(on=on, problems=problems),
            "can_manage": request.user.has_perm("rectification.add_inspectionround"),
            "whole_town": sees_whole_registry(request.user),
        },
    )


def round_detail(request, pk):
    _require_view(request)
    on = as_of_from(request)
    inspection_round = get_object_or_404(InspectionRound, pk=pk)
    problems = visible_problems(request).filter(inspection_round=inspection_round)
    (summary,) = selectors.rounds_summary(on=on, problems=problems, rounds=[inspection_round])
    rows = list(selectors.problem_rows(problems).order_by("category", "id"))
    for problem in rows:
        problem.overdue = problem.is_overdue_on(on)
    return render(
        request,
        "rectification/round_detail.html",
        {
            "on": on,
            "round": inspection_round,
            "summary": summary,
            "problems": rows,
            "can_manage": request.user.has_perm("rectification.change_inspectionround"),
            "can_add_problem": request.user.has_perm("rectification.add_problem"),
        },
    )


def round_edit(request, pk=None):
    permission = "change_inspectionround" if pk else "add_inspectionround"
    if not request.user.has_perm(f"rectification.{permission}"):
        raise PermissionDenied(DENIED[f"rectification.{permission}"])
    instance = get_object_or_404(InspectionRound, pk=pk) if pk else InspectionRound()
    form = InspectionRoundForm(posted(request), instance=instance)

    def save(form):
        saved = services.inspection_round_save(inspection_round=form.instance, user=request.user)
        return reverse("rectification:round_detail", kwargs={"pk": saved.pk})

    return form_page(
        request,
        form,
        title=_("编辑检查反馈") if pk else _("新增检查反馈"),
        save=save,
        success=_("检查反馈已保存"),
        back=reverse("rectification:round_detail", kwargs={"pk": pk})
        if pk
        else reverse("rectification:rounds"),
    )


# --------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------


def _filtered(request, on):
    villages = scoped_villages(request.user)
    filterset = ProblemFilter(
        request.GET, queryset=visible_problems(request), on=on, villages=villages
    )
    if "village" in filterset.errors:
        # A village outside the user's scope is not found, as its problems are not.
        raise Http404(_("没有这个村,或不在您的管辖范围内"))
    return filterset


def problem_list(request):
    _require_view(request)
    on = as_of_from(request)
    filterset = _filtered(request, on)
    queryset = selectors.problem_rows(filterset.qs).order_by("deadline", "inspection_round", "id")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for problem in page:
        problem.overdue = problem.is_overdue_on(on)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "rectification/problem_list.html",
        {"on": on, "filter": filterset, "page": page, "query": query.urlencode()},
    )


def problem_detail(request, pk):
    _require_view(request)
    problem = visible_problem(request, pk)
    on = as_of_from(request)
    evidence, history = selectors.problem_page(problem=problem)
    user = request.user
    households = list(
        households_visible_to(user)
        .filter(problems=problem)
        .select_related("village")
        .order_by("number")
    )
    hidden_households = problem.households.count() - len(households)
    not_done = problem.status != ProblemStatus.DONE
    can_rectify = user.has_perm("rectification.rectify_problem") and not_done
    return render(
        request,
        "rectification/problem_detail.html",
        {
            "on": on,
            "problem": problem,
            "villages": list(problem.villages.order_by(*VILLAGE_ORDER)),
            "households": households,
            "hidden_households": hidden_households,
            "evidence": evidence,
            "history": history,
            "overdue": problem.is_overdue_on(on),
            "can_edit": user.has_perm("rectification.change_problem"),
            "can_start": can_rectify and problem.status == ProblemStatus.OPEN,
            "can_upload": can_rectify,
            "can_close": user.has_perm("rectification.close_problem")
            and problem.status == ProblemStatus.RECTIFYING
            and problem.responsible_user_id != user.pk,
            "is_responsible": problem.responsible_user_id == user.pk,
            "can_reopen": user.has_perm("rectification.change_problem") and not not_done,
            "can_remove_evidence": not_done
            and (
                user.has_perm("rectification.delete_evidence")
                or user.has_perm("rectification.rectify_problem")
            ),
            "upload_form": EvidenceForm(limit=megabytes(settings.RECTIFICATION_EVIDENCE_MAX_BYTES)),
        },
    )


def problem_add(request, round_pk):
    if not request.user.has_perm("rectification.add_problem"):
        raise PermissionDenied(DENIED["rectification.add_problem"])
    inspection_round = get_object_or_404(InspectionRound, pk=round_pk)
    initial = {"inspection_round": inspection_round, "found_on": inspection_round.feedback_on}
    form = ProblemForm(
        posted(request),
        instance=Problem(inspection_round=inspection_round),
        initial=initial,
        user=request.user,
    )

    def save(form):
        problem = services.problem_create(
            inspection_round=form.cleaned_data["inspection_round"],
            data=form.service_data(),
            villages=form.cleaned_data["villages"],
            households=form.cleaned_data["household_numbers"],
            user=request.user,
        )
        return problem_url(problem)

    return form_page(
        request,
        form,
        title=_("新增问题:%(round)s") % {"round": inspection_round.name},
        save=save,
        success=_("问题已保存"),
        back=reverse("rectification:round_detail", kwargs={"pk": inspection_round.pk}),
    )


def problem_edit(request, pk):
    problem = problem_for(request, pk, "rectification.change_problem")
    form = ProblemForm(
        posted(request), instance=Problem.objects.get(pk=problem.pk), user=request.user
    )

    def save(form):
        data = form.service_data()
        data["inspection_round"] = form.cleaned_data["inspection_round"]
        services.problem_update(
            problem=problem,
            expected_version=form.cleaned_data["version"] or 0,
            data=data,
            villages=form.cleaned_data["villages"],
            households=form.cleaned_data["household_numbers"],
            user=request.user,
        )
        return problem_url(problem, request)

    return form_page(
        request,
        form,
        title=_("编辑问题"),
        save=save,
        success=_("问题已保存"),
        back=problem_url(problem, request),
        problem=problem,
    )


def problem_start(request, pk):
    problem = problem_for(request, pk, "rectification.rectify_problem")
    form = StartForm(posted(request), initial={"measures_taken": problem.measures_taken})

    def save(form):
        services.problem_start(
            problem=problem, measures_taken=form.cleaned_data["measures_taken"], user=request.user
        )
        return problem_url(problem, request)

    return form_page(
        request,
        form,
        title=_("开始整改"),
        save=save,
        success=_("已开始整改"),
        back=problem_url(problem, request),
        problem=problem,
    )


def problem_close(request, pk):
    problem = problem_for(request, pk, "rectification.close_problem")
    form = CloseForm(posted(request))

    def save(form):
        services.problem_close(
            problem=problem,
            completed_on=form.cleaned_data["completed_on"],
            completion_note=form.cleaned_data["completion_note"],
            user=request.user,
        )
        return problem_url(problem, request)

    return form_page(
        request,
        form,
        title=_("核实销号"),
        save=save,
        success=_("问题已销号"),
        back=problem_url(problem, request),
        problem=problem,
    )


def problem_reopen(request, pk):
    problem = problem_for(request, pk, "rectification.change_problem")
    form = ReopenForm(posted(request))

    def save(form):
        services.problem_reopen(
            problem=problem, reason=form.cleaned_data["reason"], user=request.user
        )
        return problem_url(problem, request)

    return form_page(
        request,
        form,
        title=_("重新打开问题"),
        save=save,
        success=_("问题已重新打开"),
        back=problem_url(problem, request),
        problem=problem,
    )


# --------------------------------------------------------------------------
# Evidence
# --------------------------------------------------------------------------


def evidence_add(request, pk):
    problem = problem_for(request, pk, "rectification.rectify_problem")
    form = EvidenceForm(
        posted(request),
        request.FILES if request.method == "POST" else None,
        limit=megabytes(settings.RECTIFICATION_EVIDENCE_MAX_BYTES),
    )

    def save(form):
        evidence = services.evidence_add(
            problem=problem,
            upload=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
            user=request.user,
        )
        logger.info(
            "evidence added user=%s problem=%s evidence=%s size=%s",
            request.user.pk,
            problem.pk,
            evidence.pk,
            evidence.size,
        )
        return problem_url(problem, request) + "#evidence"

    return form_page(
        request,
        form,
        title=_("上传佐证材料"),
        save=save,
        success=_("佐证材料已上传"),
        back=problem_url(problem, request),
        problem=problem,
        multipart=True,
    )


def visible_evidence(request, pk) -> Evidence:
    """The evidence, if the user may see its problem; 404 otherwise."""
    _require_view(request)
    queryset = Evidence.objects.filter(problem__in=visible_problems(request).values("pk"))
    return get_object_or_404(queryset.select_related("problem"), pk=pk)


def evidence_download(request, pk):
    """The file, as an attachment, never rendered inline and never sniffed."""
    evidence = visible_evidence(request, pk)
    extension = extension_of(evidence.file.name)
    content_type = evidence.content_type or CONTENT_TYPES_BY_EXTENSION.get(
        extension, "application/octet-stream"
    )
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("佐证材料文件不存在")) from None
    name = evidence.original_name or f"evidence-{evidence.pk}.{extension}"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    logger.info("evidence downloaded user=%s evidence=%s", request.user.pk, evidence.pk)
    return response


@require_POST
def evidence_remove(request, pk):
    evidence = visible_evidence(request, pk)
    user = request.user
    own = evidence.uploaded_by_id == user.pk and user.has_perm("rectification.rectify_problem")
    if not (own or user.has_perm("rectification.delete_evidence")):
        raise PermissionDenied(_("只有上传人或管理员可以删除佐证材料"))
    try:
        services.evidence_remove(evidence=evidence, user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("佐证材料已删除"))
    return redirect(problem_url(evidence.problem, request) + "#evidence")


# --------------------------------------------------------------------------
# Overdue and personal lists
# --------------------------------------------------------------------------


def overdue_list(request):
    _require_view(request)
    on = as_of_from(request)
    problems = list(selectors.overdue_problems(on=on, problems=visible_problems(request)))
    people: dict[str, dict] = {}
    for problem in problems:
        problem.days_overdue = (on - problem.deadline).days
        name = problem.responsible_name
        entry = people.setdefault(name, {"name": name, "count": 0, "oldest": problem.deadline})
        entry["count"] += 1
    by_person = sorted(people.values(), key=lambda p: (-p["count"], p["name"]))
    return render(
        request,
        "rectification/overdue.html",
        {"on": on, "problems": problems, "by_person": by_person},
    )


def my_tasks(request):
    _require_view(request)
    on = as_of_from(request)
    tasks = list(selectors.responsible_tasks(user=request.user, on=on))
    for problem in tasks:
        problem.overdue = problem.is_overdue_on(on)
    open_tasks = [p for p in tasks if p.is_open_on(on)]
    done_tasks = [p for p in tasks if p.is_done_on(on)]
    return render(
        request,
        "rectification/my_tasks.html",
        {
            "on": on,
            "open_tasks": open_tasks,
            "done_tasks": done_tasks,
            "overdue_count": sum(p.overdue for p in open_tasks),
        },
    )
