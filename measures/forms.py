"""Forms of the measures pages: fields and widgets. The rules (amount from the
standard, transitions, duplicates) stay in ``measures.rules`` and ``measures.services``."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from households import scope
from households.choices import RenovationKind
from households.models import VILLAGE_ORDER, Village
from measures.choices import ApplicationStatus, Kind, Target
from measures.models import MeasureApplication, Programme, ResponsiblePerson
from measures.rules import ALLOWED_TRANSITIONS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_WIDGET = forms.NumberInput(attrs={"step": "0.01", "min": "0"})


class ProgrammeForm(forms.ModelForm):
    """A programme and its standard, edited by the town administrator."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = Programme
        fields = [
            "year",
            "name",
            "category",
            "kind",
            "target",
            "unit",
            "standard_amount",
            "days",
            "income_per_year",
            "partner",
            "village",
            "description",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "standard_amount": MONEY_WIDGET,
            "income_per_year": MONEY_WIDGET,
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # A village's project names one of the user's villages.
        villages = Village.objects.all() if user is None else scope.villages_visible_to(user)
        self.fields["village"].queryset = villages.order_by(*VILLAGE_ORDER)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def _post_clean(self):
        # The model's own checks (standard vs unit) run in the service, which
        # reports them field by field; the form only converts the values.
        pass


class ApplyFilterForm(forms.Form):
    """Which households (and, for a person-targeted programme, which persons) to apply to.

    Household filters are those of the registry list (``assessment.filters.HouseholdFilter``);
    these are the person filters and the choices of the apply itself.
    """

    AGE_ALL, AGE_ADULT, AGE_CHILD = "", "adult", "child"
    age = forms.ChoiceField(
        label=_("成员年龄"),
        required=False,
        choices=[
            (AGE_ALL, _("全部成员")),
            (AGE_ADULT, _("成人(18岁及以上且不在校)")),
            (AGE_CHILD, _("学生儿童(未满18岁或在校)")),
        ],
    )
    member_dibao = forms.BooleanField(label=_("仅享受低保的成员"), required=False)
    member_disabled = forms.BooleanField(label=_("仅残疾成员"), required=False)
    exclude_deceased = forms.BooleanField(label=_("排除已登记死亡的成员"), required=False)


class ApplyForm(forms.Form):
    """The choices of a bulk apply: date, status, and what a lump sum needs."""

    on = forms.DateField(
        label=_("日期"), widget=DATE_WIDGET, help_text=_("计划日期;作为已完成录入时为完成日期")
    )
    # Not "status": that is the households' poverty-status filter on the same page.
    record_as = forms.ChoiceField(
        label=_("录入为"),
        choices=[
            (ApplicationStatus.PLANNED, _("计划")),
            (ApplicationStatus.COMPLETED, _("已完成(已发放)")),
        ],
        initial=ApplicationStatus.PLANNED,
    )
    amount = forms.DecimalField(
        label=_("每户(人)金额(元)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=MONEY_WIDGET,
        help_text=_("仅按实际金额的项目填写;有标准的项目按标准计算"),
    )
    renovation_kind = forms.ChoiceField(
        label=_("改造方式"), required=False, choices=[("", "—"), *RenovationKind.choices]
    )
    expected = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        if programme.standard_for(persons=1) is not None:
            del self.fields["amount"]
        if programme.kind != Kind.RENOVATION:
            del self.fields["renovation_kind"]


class ApplicationForm(forms.Form):
    """One programme applied to one household (or one member of it)."""

    programme = forms.ModelChoiceField(label=_("帮扶项目"), queryset=Programme.objects.none())
    member = forms.ModelChoiceField(
        label=_("受益成员"),
        queryset=None,
        required=False,
        help_text=_("到人的项目必选;到户的项目不选"),
    )
    on = forms.DateField(
        label=_("日期"), widget=DATE_WIDGET, help_text=_("计划日期;作为已完成录入时为完成日期")
    )
    status = forms.ChoiceField(
        label=_("录入为"),
        choices=[
            (ApplicationStatus.PLANNED, _("计划")),
            (ApplicationStatus.COMPLETED, _("已完成")),
        ],
    )
    amount = forms.DecimalField(
        label=_("金额(元)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=MONEY_WIDGET,
        help_text=_("留空则按项目标准计算;与标准不同须说明原因"),
    )
    amount_override_reason = forms.CharField(
        label=_("金额调整原因"), required=False, max_length=200
    )
    added_income = forms.DecimalField(
        label=_("每年增加收入(元)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=MONEY_WIDGET,
        help_text=_("留空则按项目标准;计入该户的预期收入"),
    )
    renovation_kind = forms.ChoiceField(
        label=_("改造方式"),
        required=False,
        choices=[("", "—"), *RenovationKind.choices],
        help_text=_("危房改造必选"),
    )
    progress_note = forms.CharField(label=_("进度说明"), required=False, max_length=200)
    responsible = forms.ModelChoiceField(
        label=_("责任人"),
        queryset=ResponsiblePerson.objects.order_by("name"),
        required=False,
        help_text=_("留空则为该户的帮扶责任人"),
    )
    notes = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, household, members, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(
            Q(village__isnull=True) | Q(village_id=household.village_id), year=year
        ).order_by("category", "name")
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: (
            f"{m.name}({m.get_relation_display()})"
        )
        self.fields["programme"].label_from_instance = lambda p: (
            f"{p.get_category_display()} · {p.name}"
            + (f"({p.get_target_display()})" if p.target == Target.PERSON else "")
        )

    def clean(self):
        data = super().clean()
        programme = data.get("programme")
        if programme is not None and programme.target == Target.HOUSEHOLD:
            data["member"] = None
        return data


class ApplicationEditForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = MeasureApplication
        fields = [
            "amount",
            "amount_override_reason",
            "added_income",
            "renovation_kind",
            "progress_note",
            "responsible",
            "notes",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 2}),
            "amount": MONEY_WIDGET,
            "added_income": MONEY_WIDGET,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].required = False
        self.fields["amount"].help_text = _("留空则按项目标准计算;与标准不同须说明原因")
        self.fields["responsible"].queryset = ResponsiblePerson.objects.order_by("name")
        if self.instance.programme.kind != Kind.RENOVATION:
            del self.fields["renovation_kind"]
        if not self.is_bound:
            self.initial["version"] = self.instance.version

    def _post_clean(self):
        # The service applies the values to the stored row and validates it.
        pass


class StatusForm(forms.Form):
    """Move an application forward, or cancel it with a reason."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=_("新状态"))
    on = forms.DateField(
        label=_("日期"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("开始、完成或取消的日期"),
    )
    reason = forms.CharField(
        label=_("取消原因"), required=False, max_length=200, help_text=_("取消时必填")
    )
    progress_note = forms.CharField(label=_("进度说明"), required=False, max_length=200)

    def __init__(self, *args, application: MeasureApplication, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_TRANSITIONS[ApplicationStatus(application.status)]
        self.fields["status"].choices = [(s.value, s.label) for s in allowed]
        if not self.is_bound:
            self.initial["version"] = application.version
            self.initial["progress_note"] = application.progress_note
