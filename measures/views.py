"""Pages of the assistance measures (帮扶措施). Thin: load through the scoping
function, call a selector or a service, render.

Who may do what (``households/roles.py``):

* town administrator: everything — programmes and their standards, applying
  them to any household, updating any measure;
* village cadre: applies programmes to, and updates the measures of, the
  households they see (their village; ``households.scope``);
  a household or measure of another village is not found (404); programmes
  are read only (403 on their edit pages);
* leader, census enumerator and reviewer: read only (403 on every write);
* assistance responsible person: reads the households assigned to them
  (我的帮扶户) and their measures.

Every application is loaded through the visible households, so the scope of
the registry is the scope of its measures.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from households import params
from households.choices import RenovationKind
from households.forms import save_or_report
from households.models import (
    VILLAGE_ORDER,
    Household,
    Village,
    head_subquery,
)
from households.params import as_of_from, default_as_of, year_from
from households.scope import (
    households_visible_to,
    sees_every_town,
    sees_whole_registry,
    villages_visible_to,
)
from households.selectors import member_present_q
from measures import selectors, services
from measures.choices import ApplicationStatus, Category
from measures.forms import (
    ApplicationEditForm,
    ApplicationForm,
    ProgrammeForm,
    StatusForm,
)
from measures.models import MeasureApplication, Programme

PAGE_SIZE = 50
VIEW_PROGRAMMES = "measures.view_programme"
ADD_PROGRAMME = "measures.add_programme"
CHANGE_PROGRAMME = "measures.change_programme"
ADD_MEASURE = "measures.add_measureapplication"
CHANGE_MEASURE = "measures.change_measureapplication"
READ_ONLY = _("您的账号对帮扶措施是只读的,不能进行此操作")


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def require(request, permission) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(READ_ONLY)


def visible_household(request, pk) -> Household:
    """The household, if the user may see it; 404 otherwise."""
    queryset = households_visible_to(request.user).select_related("village")
    return get_object_or_404(queryset, pk=pk)


def visible_application(request, pk) -> MeasureApplication:
    """The measure, if the user may see its household; 404 otherwise."""
    queryset = selectors.applications_visible_to(request.user).select_related(
        "programme", "household__village", "member", "responsible"
    )
    return get_object_or_404(queryset, pk=pk)


def visible_villages(user):
    if sees_whole_registry(user):
        return villages_visible_to(user).order_by(*VILLAGE_ORDER)
    return villages_visible_to(user).order_by("name")


def safe_next(request, default: str) -> str:
    """Where to go back to: ``?next=`` if it is a path of this site, else ``default``."""
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def household_url(household, request) -> str:
    url = reverse("households:detail", kwargs={"pk": household.pk})
    on = request.GET.get("on", "")
    return f"{url}?{urlencode({'on': on})}" if on else url


def form_page(request, form, *, title, save, success, back, context=None):
    """An edit page of the measures (``params.form_page``)."""
    return params.form_page(
        request,
        form,
        template="measures/form.html",
        title=title,
        save=save,
        success=success,
        back=back,
        context=context,
    )


# --------------------------------------------------------------------------
# Programmes
# --------------------------------------------------------------------------


def programme_list(request):
    require(request, VIEW_PROGRAMMES)
    year = year_from(request)
    totals = selectors.programme_totals_for(year=year, user=request.user)
    years = sorted(
        {year, *Programme.objects.order_by().values_list("year", flat=True).distinct()},
        reverse=True,
    )
    groups: dict[str, list] = {c: [] for c in Category.values}
    for t in totals:
        groups.setdefault(t.programme.category, []).append(t)
    labels = dict(Category.choices)
    return render(
        request,
        "measures/programme_list.html",
        {
            "year": year,
            "years": years,
            "groups": [(labels.get(c, c), rows) for c, rows in groups.items() if rows],
            "scoped": not sees_whole_registry(request.user),
            "can_add": request.user.has_perm(ADD_PROGRAMME),
            "can_apply": request.user.has_perm(ADD_MEASURE),
        },
    )


def programme_detail(request, pk):
    require(request, VIEW_PROGRAMMES)
    programme = get_object_or_404(Programme.objects.select_related("village"), pk=pk)
    user = request.user
    scope = None
    if not sees_every_town(user):
        scope = households_visible_to(user)
    by_village = selectors.programme_village_totals(programme=programme, households=scope)
    applications = selectors.applications_visible_to(user).filter(programme=programme)
    status = request.GET.get("status", "")
    if status in ApplicationStatus.values:
        applications = applications.filter(status=status)
    village = request.GET.get("village", "")
    if village:
        # An id that names no village shows no measure, not all of them.
        village_id = params.id_from(request, "village")
        applications = applications.filter(household__village_id=village_id or 0)
    applications = (
        applications.select_related("household__village", "member", "responsible")
        .annotate(head_name=head_subquery(household="household"))
        .order_by("household__village__name", "household__number", "member__name", "pk")
    )
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "measures/programme_detail.html",
        {
            "programme": programme,
            "by_village": by_village,
            "total": _sum_rows(by_village),
            "page": page,
            "query": query.urlencode(),
            "status": status,
            "village": village,
            "statuses": ApplicationStatus.choices,
            "scoped": scope is not None,
            "can_edit": user.has_perm(CHANGE_PROGRAMME),
            "can_apply": user.has_perm(ADD_MEASURE),
            "can_change": user.has_perm(CHANGE_MEASURE),
            "standard": programme.standard_for(persons=1),
        },
    )


def _sum_rows(rows):
    return {
        "households": sum(r.households for r in rows),
        "persons": sum(r.persons for r in rows),
        "applications": sum(r.applications for r in rows),
        "completed": sum(r.completed for r in rows),
        "funds": sum((r.funds for r in rows), selectors.ZERO),
    }


def programme_add(request):
    require(request, ADD_PROGRAMME)
    form = ProgrammeForm(
        request.POST or None, initial={"year": year_from(request)}, user=request.user
    )
    created = {}

    def save(form):
        created["programme"] = services.programme_create(data=form.cleaned_data, user=request.user)

    if request.method == "POST" and form.is_valid() and save_or_report(form, lambda: save(form)):
        messages.success(request, _("项目已新增"))
        return redirect("measures:programme_detail", pk=created["programme"].pk)
    return render(
        request,
        "measures/form.html",
        {
            "form": form,
            "title": _("新增帮扶项目"),
            "back": f"{reverse('measures:programmes')}?year={year_from(request)}",
        },
    )


def programme_edit(request, pk):
    require(request, CHANGE_PROGRAMME)
    programme = get_object_or_404(Programme, pk=pk)
    form = ProgrammeForm(
        request.POST or None, instance=Programme.objects.get(pk=pk), user=request.user
    )
    back = reverse("measures:programme_detail", kwargs={"pk": programme.pk})
    result = {}

    def save(form):
        data = {name: form.cleaned_data[name] for name in ProgrammeForm.Meta.fields}
        result["update"] = services.programme_update(
            programme=programme,
            expected_version=form.cleaned_data.get("version") or 0,
            data=data,
            user=request.user,
        )

    if request.method == "POST" and form.is_valid() and save_or_report(form, lambda: save(form)):
        repriced = result["update"].repriced
        message = _("项目已保存")
        if repriced:
            message += _(";%(n)s条计划中的措施已按新标准调整金额") % {"n": repriced}
        messages.success(request, message)
        return redirect(back)
    return render(
        request,
        "measures/form.html",
        {
            "form": form,
            "title": _("编辑帮扶项目:%(name)s") % {"name": programme},
            "back": back,
            "note": _(
                "修改补助标准后,尚未实施且未调整金额的计划措施将按新标准重新计算;"
                "实施中和已完成的措施金额不变。"
            ),
        },
    )


# --------------------------------------------------------------------------
# One household's measures
# --------------------------------------------------------------------------


def application_add(request, pk):
    household = visible_household(request, pk)
    require(request, ADD_MEASURE)
    on = as_of_from(request)
    members = household.members.filter(member_present_q(on)).order_by("pk")
    form = ApplicationForm(
        request.POST or None,
        household=household,
        members=members,
        year=year_from(request),
        initial={"on": on, "programme": request.GET.get("programme")},
    )
    back = safe_next(request, household_url(household, request))

    def save(form):
        data = form.cleaned_data
        services.application_create(
            programme=data["programme"],
            household=household,
            member=data["member"],
            on=data["on"],
            status=data["status"],
            amount=data["amount"],
            amount_override_reason=data["amount_override_reason"],
            added_income=data["added_income"],
            renovation_kind=data["renovation_kind"],
            progress_note=data["progress_note"],
            responsible=data["responsible"],
            notes=data["notes"],
            user=request.user,
        )

    return form_page(
        request,
        form,
        title=_("添加帮扶措施"),
        save=save,
        success=_("帮扶措施已添加"),
        back=back,
        context={"household": household},
    )


def application_edit(request, pk):
    application = visible_application(request, pk)
    require(request, CHANGE_MEASURE)
    form = ApplicationEditForm(request.POST or None, instance=application)
    stored = MeasureApplication.objects.get(pk=application.pk)
    back = safe_next(request, household_url(application.household, request))

    def save(form):
        services.application_update(
            application=stored,
            expected_version=form.cleaned_data["version"],
            data={
                name: form.cleaned_data[name] for name in form.Meta.fields if name in form.fields
            },
            user=request.user,
        )

    return form_page(
        request,
        form,
        title=_("编辑帮扶措施"),
        save=save,
        success=_("帮扶措施已保存"),
        back=back,
        context={"application": application, "household": application.household},
    )


def application_status(request, pk):
    application = visible_application(request, pk)
    require(request, CHANGE_MEASURE)
    if application.status == ApplicationStatus.CANCELLED:
        messages.error(request, _("已取消的措施不能再变更状态;如需恢复,请重新添加"))
        return redirect(safe_next(request, household_url(application.household, request)))
    form = StatusForm(
        request.POST or None, application=application, initial={"on": default_as_of()}
    )
    back = safe_next(request, household_url(application.household, request))
    return form_page(
        request,
        form,
        title=_("变更措施状态"),
        save=lambda form: services.application_change_status(
            application=application,
            status=form.cleaned_data["status"],
            on=form.cleaned_data["on"],
            reason=form.cleaned_data["reason"],
            progress_note=form.cleaned_data["progress_note"],
            expected_version=form.cleaned_data["version"],
            user=request.user,
        ),
        success=_("措施状态已变更"),
        back=back,
        context={"application": application, "household": application.household},
    )


# --------------------------------------------------------------------------
# Totals
# --------------------------------------------------------------------------


def summary(request):
    """Town totals of a year per category and per village (the dashboard's selectors)."""
    if not sees_whole_registry(request.user):
        raise PermissionDenied(_("全镇汇总仅供镇扶贫办、领导和审核人员查看"))
    year = year_from(request)
    ids = None
    if not sees_every_town(request.user):
        ids = villages_visible_to(request.user).values("pk")
    coverage = selectors.village_coverage(year=year, village_ids=ids)
    villages = Village.objects.filter(pk__in=coverage).order_by(*VILLAGE_ORDER)
    return render(
        request,
        "measures/summary.html",
        {
            "year": year,
            "categories": selectors.category_totals(year=year),
            "villages": [(v, coverage[v.pk]) for v in villages],
            # 合计 of the rows above (each household is in one village).
            "villages_total": selectors.sum_coverage([coverage[v.pk] for v in villages]),
            "renovations": [
                (RenovationKind(kind).label, households, completed)
                for kind, (households, completed) in sorted(
                    selectors.renovations_by_kind(year=year).items()
                )
                if kind
            ],
        },
    )
