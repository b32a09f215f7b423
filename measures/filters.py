"""The person filters of a person-targeted programme's bulk apply (its
household filters are ``assessment.filters.ApplyHouseholdFilter``)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from households import rules
from households.choices import SchoolStatus
from measures.forms import ApplyFilterForm


def members_q(form: ApplyFilterForm, *, on: date) -> Q:
    """The person filters of ``form`` (valid) as a ``Member`` filter on ``on``.

    学生儿童 = under 18 on the date or in school, as the medical-insurance
    subsidy distinguishes them; 成人 = the others.
    """
    data = form.cleaned_data
    q = Q()
    child = Q(birth_date__gt=rules.years_before(on, 18)) | Q(school_status=SchoolStatus.IN_SCHOOL)
    if data.get("age") == ApplyFilterForm.AGE_CHILD:
        q &= child
    elif data.get("age") == ApplyFilterForm.AGE_ADULT:
        q &= ~child
    if data.get("member_dibao"):
        q &= Q(on_dibao=True)
    if data.get("member_disabled"):
        q &= Q(disability_grade__isnull=False)
    if data.get("exclude_deceased"):
        q &= Q(deceased_on__isnull=True) | Q(deceased_on__gt=on)
    return q
