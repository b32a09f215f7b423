"""Forms of the monitoring pages: the worklist's filters and a step of a case."""

from django import forms
from django.utils.translation import gettext_lazy as _

from households.models import Village
from measures.models import ResponsiblePerson
from monitoring.choices import (
    CaseState,
    Category,
    Channel,
    Department,
    RiskType,
    SelfReportKind,
    StepKind,
)
from rectification.filetypes import ACCEPT_ATTRIBUTE


def _blank(choices):
    return [("", _("全部")), *choices]


class WorklistFilterForm(forms.Form):
    village = forms.ModelChoiceField(
        label=_("行政村"), queryset=Village.objects.none(), required=False, empty_label=_("全部")
    )
    state = forms.ChoiceField(
        label=_("办理状态"), choices=_blank(CaseState.choices), required=False
    )
    category = forms.ChoiceField(
        label=_("监测对象类别"), choices=_blank(Category.choices), required=False
    )
    risk = forms.ChoiceField(label=_("风险类型"), choices=_blank(RiskType.choices), required=False)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages


class StepForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("办理环节"), choices=StepKind.choices, widget=forms.HiddenInput
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("办理日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("办理意见"), required=False, widget=forms.Textarea({"rows": 2}))
    evidence = forms.FileField(
        label=_("佐证材料"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )


class IntakeForm(forms.Form):
    """A case taken in: the household found by a member's ID number."""

    id_number = forms.CharField(
        label=_("家庭成员身份证号"),
        max_length=40,
        help_text=_("户内任一在册成员的18位身份证号"),
    )
    category = forms.ChoiceField(label=_("监测对象类别"), choices=Category.choices)
    risks = forms.MultipleChoiceField(
        label=_("风险类型"), choices=RiskType.choices, widget=forms.CheckboxSelectMultiple
    )
    channel = forms.ChoiceField(label=_("发现途径"), choices=Channel.choices)
    self_report_kind = forms.ChoiceField(
        label=_("自主申报方式"), choices=_blank(SelfReportKind.choices), required=False
    )
    department = forms.ChoiceField(
        label=_("预警部门"), choices=_blank(Department.choices), required=False
    )
    intake_on = forms.DateField(label=_("受理日期"), widget=forms.DateInput(attrs={"type": "date"}))
    fast_track = forms.BooleanField(
        label=_("绿色通道(因灾、因意外事故:先帮扶、后履行程序)"), required=False
    )
    responsible = forms.ModelChoiceField(
        label=_("帮扶责任人"), queryset=ResponsiblePerson.objects.order_by("name"), required=False
    )
    situation = forms.CharField(
        label=_("情况说明"), required=False, widget=forms.Textarea({"rows": 3})
    )


class WarningUploadForm(forms.Form):
    file = forms.FileField(
        label=_("部门预警名单(CSV)"),
        help_text=_("列:部门、预警事项、事项日期、金额、身份证号、姓名"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv"}),
    )
    received_on = forms.DateField(
        label=_("接收日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
