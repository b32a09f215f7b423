"""Pages of the household registry. Thin: load through the scoping function,
call a selector or a service, render.

Scoping: every household comes from ``households.scope``,
so a household of another village is simply not found (404). Editing also
needs the change permission (403 for read-only roles such as leaders).

The pages that show or enforce the lifting check (the list and its export,
the household page, status changes) are ``assessment.views``', under the same
URL names; the town overview is ``reports.views``', the home page ``accounts.views``'.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from households import params, services
from households.forms import (
    GuaranteeForm,
    HouseholdForm,
    IncomeForm,
    MemberCorrectionForm,
    MemberForm,
    MemberLeaveForm,
)
from households.models import (
    GuaranteeAssessment,
    Household,
    HouseholdIncome,
    Member,
)
from households.scope import households_visible_to

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def visible_household(request, pk) -> Household:
    """The household, if the user may see it; 404 otherwise, whoever asks."""
    queryset = households_visible_to(request.user).select_related(
        "village__town", "group", "natural_village", "residence_village"
    )
    return get_object_or_404(queryset, pk=pk)


def editable_household(request, pk, permission="households.change_household") -> Household:
    """The household, if visible (else 404) and the user may change it (else 403)."""
    household = visible_household(request, pk)
    if not request.user.has_perm(permission):
        raise PermissionDenied(_("您的账号是只读的,不能修改户信息"))
    return household


# --------------------------------------------------------------------------
# Household page
# --------------------------------------------------------------------------


@require_POST
def reveal_id_number(request, pk, member_pk):
    household = visible_household(request, pk)
    if not request.user.has_perm("households.reveal_id_number"):
        raise PermissionDenied(_("您没有查看完整身份证号的权限"))
    member = get_object_or_404(household.members, pk=member_pk)
    number = services.id_number_reveal(
        member=member, user=request.user, ip_address=request.META.get("REMOTE_ADDR")
    )
    return render(
        request,
        "households/reveal.html",
        {"household": household, "member": member, "number": number},
    )


# --------------------------------------------------------------------------
# Edits
# --------------------------------------------------------------------------


def form_page(request, household, form, *, title, save, success):
    """An edit page of the household (``params.form_page``): back to the household."""
    return params.form_page(
        request,
        form,
        template="households/form.html",
        title=title,
        save=save,
        success=success,
        back=detail_url(household, request),
        context={"household": household},
    )


def detail_url(household, request) -> str:
    """The household page, keeping the as-of date the user was looking at."""
    url = reverse("households:detail", kwargs={"pk": household.pk})
    on = request.GET.get("on", "")
    return f"{url}?{urlencode({'on': on})}" if on else url


def household_edit(request, pk):
    household = editable_household(request, pk)
    form = HouseholdForm(request.POST or None, instance=household)

    def save(form):
        # The form validated a copy; the service applies the fields to the
        # stored row under the version check.
        services.household_update(
            household=Household.objects.get(pk=household.pk),
            expected_version=form.cleaned_data["version"],
            data={name: form.cleaned_data[name] for name in form.Meta.fields},
            user=request.user,
        )

    return form_page(
        request, household, form, title=_("编辑户信息"), save=save, success=_("户信息已保存")
    )


def member_edit(request, pk, member_pk=None):
    household = editable_household(request, pk)
    if member_pk:
        member = get_object_or_404(household.members, pk=member_pk)
    else:
        member = Member(household=household)
    form = MemberForm(request.POST or None, instance=member, household=household)
    return form_page(
        request,
        household,
        form,
        title=_("编辑成员") if member.pk else _("新增成员"),
        save=lambda form: services.member_save(
            member=form.instance, expected_version=form.cleaned_data["version"], user=request.user
        ),
        success=_("成员信息已保存"),
    )


def member_leave(request, pk, member_pk):
    household = editable_household(request, pk)
    member = get_object_or_404(household.members, pk=member_pk)
    form = MemberLeaveForm(request.POST or None, initial={"version": household.version})
    return form_page(
        request,
        household,
        form,
        title=_("成员减员:%(name)s") % {"name": member.name},
        save=lambda form: services.member_leave(
            member=member,
            left_on=form.cleaned_data["left_on"],
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
            user=request.user,
        ),
        success=_("成员“%(name)s”已减员") % {"name": member.name},
    )


CORRECT_PERMISSION = "households.correct_records"
ERROR_NO_CORRECTION = _(
    "只有镇扶贫办管理员可以更正误录的增减员和状态变更;村干部发现录错请联系镇扶贫办"
)


def correctable_household(request, pk) -> Household:
    """The household, if visible (else 404) and the user corrects records (else 403)."""
    household = visible_household(request, pk)
    if not request.user.has_perm(CORRECT_PERMISSION):
        raise PermissionDenied(ERROR_NO_CORRECTION)
    return household


def member_correct(request, pk, member_pk):
    """Correct a member's join or leave entered by mistake, with a reason."""
    household = correctable_household(request, pk)
    member = get_object_or_404(household.members, pk=member_pk)
    form = MemberCorrectionForm(
        request.POST or None,
        initial={
            "version": household.version,
            "joined_on": member.joined_on,
            "join_reason": member.join_reason,
            "left_on": member.left_on,
            "leave_reason": member.leave_reason,
        },
    )
    return form_page(
        request,
        household,
        form,
        title=_("更正入户/减员记录:%(name)s") % {"name": member.name},
        save=lambda form: services.member_membership_correct(
            member=member,
            joined_on=form.cleaned_data["joined_on"],
            join_reason=form.cleaned_data["join_reason"],
            left_on=form.cleaned_data["left_on"],
            leave_reason=form.cleaned_data["leave_reason"],
            correction_reason=form.cleaned_data["correction_reason"],
            expected_version=form.cleaned_data["version"],
            user=request.user,
        ),
        success=_("成员“%(name)s”的入户/减员记录已更正") % {"name": member.name},
    )


def income_edit(request, pk, year):
    if not params.valid_year(year):
        raise Http404(_("没有这个年度"))
    household = editable_household(request, pk)
    income = HouseholdIncome.objects.filter(household=household, year=year).first()
    if income is None:
        income = HouseholdIncome(household=household, year=year, assessed_on=date(year, 12, 31))
    form = IncomeForm(request.POST or None, instance=income, household=household)
    return form_page(
        request,
        household,
        form,
        title=_("%(year)s年家庭收入") % {"year": year},
        save=lambda form: services.income_save(
            income=form.instance, expected_version=form.cleaned_data["version"], user=request.user
        ),
        success=_("%(year)s年收入已保存") % {"year": year},
    )


def guarantee_add(request, pk):
    household = editable_household(request, pk)
    latest = household.guarantees.order_by("-assessed_on").first()
    # A new assessment starts from the last one: only what changed is edited.
    initial = {}
    if latest:
        initial = {
            f: getattr(latest, f) for f in GuaranteeForm.Meta.fields if f not in ("assessed_on",)
        }
    form = GuaranteeForm(
        request.POST or None,
        instance=GuaranteeAssessment(household=household),
        household=household,
        initial=initial,
    )
    return form_page(
        request,
        household,
        form,
        title=_("新增两不愁三保障评估"),
        save=lambda form: services.guarantee_record(
            assessment=form.instance,
            expected_version=form.cleaned_data["version"],
            user=request.user,
        ),
        success=_("两不愁三保障评估已保存"),
    )
