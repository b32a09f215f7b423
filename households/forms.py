"""Forms of the registry pages. Validation of domain rules stays in models
and services; forms carry fields, widgets and the household's version."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from households import rules
from households.choices import PovertyCause, PovertyStatus
from households.models import (
    MEMBER_ATTRIBUTE_FIELDS,
    GuaranteeAssessment,
    Household,
    HouseholdIncome,
    Member,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(forms.Form):
    """Carries the household version the editor started from (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class HouseholdForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    other_causes = forms.MultipleChoiceField(
        label=_("其他致贫原因"),
        choices=PovertyCause.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Household
        fields = [
            "group",
            "natural_village",
            "residence_village",
            "residence_address",
            "phone",
            "identified_year",
            "identification_kind",
            "attribute",
            "dibao_class",
            "tekun_kind",
            "main_cause",
            "other_causes",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        village = self.instance.village
        self.fields["group"].queryset = village.groups.all()
        self.fields["natural_village"].queryset = village.natural_villages.all()
        self.fields["residence_village"].queryset = village.town.villages.all()
        if not self.is_bound:
            self.initial["version"] = self.instance.version


class MemberForm(forms.ModelForm):
    """A member's record. On an existing member the ID number may stay empty:
    the stored one is kept and never sent back to the browser in full."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Member
        fields = [
            "name",
            "id_number",
            "phone",
            *MEMBER_ATTRIBUTE_FIELDS,
            "joined_on",
            "join_reason",
            "deceased_on",
        ]
        widgets = {"joined_on": DATE_WIDGET, "deceased_on": DATE_WIDGET}

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        if self.instance.pk:
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _(
                "当前:%(masked)s。不修改请留空;如需更正,请填写完整的18位号码"
            ) % {"masked": self.instance.masked_id_number}
            if not self.is_bound:
                self.initial["id_number"] = ""
        if not self.is_bound:
            self.initial["version"] = household.version

    def clean_id_number(self):
        value = self.cleaned_data.get("id_number", "")
        if not value and self.instance.pk:
            return Member.objects.values_list("id_number", flat=True).get(pk=self.instance.pk)
        try:
            return rules.parse_id_number(value).number
        except rules.IdNumberError as exc:
            raise forms.ValidationError(str(exc), code=exc.code) from exc


class MemberLeaveForm(VersionedForm):
    left_on = forms.DateField(label=_("减员日期"), widget=DATE_WIDGET)
    reason = forms.ChoiceField(
        label=_("减员原因"), choices=Member._meta.get_field("leave_reason").choices
    )


class MemberCorrectionForm(VersionedForm):
    """The administrator's correction of a join or leave entered by mistake:
    an empty leave date undoes the leave."""

    joined_on = forms.DateField(label=_("入户日期"), widget=DATE_WIDGET)
    join_reason = forms.ChoiceField(
        label=_("入户原因"), choices=Member._meta.get_field("join_reason").choices
    )
    left_on = forms.DateField(
        label=_("减员日期"),
        widget=DATE_WIDGET,
        required=False,
        help_text=_("清空减员日期即撤销减员(误录的减员),该成员恢复为在册成员"),
    )
    leave_reason = forms.ChoiceField(
        label=_("减员原因"),
        choices=[("", "—"), *Member._meta.get_field("leave_reason").choices],
        required=False,
    )
    correction_reason = forms.CharField(
        label=_("更正原因"),
        # The change history keeps 100 characters of a reason.
        max_length=90,
        help_text=_("说明为什么更正(如:误录减员、日期录错),记入修改记录和审计记录"),
    )


class StatusUndoForm(VersionedForm):
    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=90,
        help_text=_("说明为什么撤销(如:误录、日期或状态选错),记入修改记录和审计记录"),
    )


class IncomeForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = HouseholdIncome
        fields = ["assessed_on", *HouseholdIncome.MONEY_FIELDS, "notes"]
        widgets = {"assessed_on": DATE_WIDGET, "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = household.version


class GuaranteeForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = GuaranteeAssessment
        fields = [
            "assessed_on",
            "assessed_by",
            "food_ok",
            "clothing_ok",
            "housing_grade",
            "housing_appraised_on",
            "housing_alternative",
            "water_ok",
            "water_source",
            "notes",
        ]
        widgets = {
            "assessed_on": DATE_WIDGET,
            "housing_appraised_on": DATE_WIDGET,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = household.version


class StatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("新的贫困状态"), choices=PovertyStatus.choices)
    valid_from = forms.DateField(label=_("变更日期"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("变更原因"), max_length=200)
    decided_by = forms.CharField(
        label=_("认定依据"), max_length=200, required=False, help_text=_("如:村两委民主评议、公示")
    )


def save_or_report(form, action) -> bool:
    """Run a service; put its validation errors on the form. True if it succeeded.

    Errors of a field the form has land on that field; the rest (a
    concurrent edit, a rule across fields) on the form as a whole.
    """
    try:
        action()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return False
    return True
