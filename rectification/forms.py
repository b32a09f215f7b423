"""Forms of the rectification pages: fields and widgets. The rules (who may
close, what closing needs) stay in ``rectification.services``."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from households import scope
from households.models import VILLAGE_ORDER, Household, Village
from rectification.filetypes import ACCEPT_ATTRIBUTE
from rectification.models import InspectionRound, Problem

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ERROR_UNKNOWN_HOUSEHOLDS = _("涉及户:没有这些户编号:%(numbers)s")


class InspectionRoundForm(forms.ModelForm):
    class Meta:
        model = InspectionRound
        fields = ["name", "kind", "year", "feedback_on", "summary"]
        widgets = {"feedback_on": DATE_WIDGET, "summary": forms.Textarea(attrs={"rows": 3})}


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        full = obj.get_full_name()
        return f"{full}({obj.username})" if full else obj.username


class ProblemForm(forms.ModelForm):
    """A problem's description and assignment; its households by number (one field)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    household_numbers = forms.CharField(
        label=_("涉及户(户编号)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("多个户编号用空格、逗号或换行分隔;所在村自动计入涉及村"),
    )

    class Meta:
        model = Problem
        fields = [
            "inspection_round",
            "category",
            "text",
            "villages",
            "responsible_name",
            "responsible_user",
            "found_on",
            "deadline",
            "measures_taken",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "measures_taken": forms.Textarea(attrs={"rows": 2}),
            "villages": forms.CheckboxSelectMultiple,
            "found_on": DATE_WIDGET,
            "deadline": DATE_WIDGET,
        }
        field_classes = {"responsible_user": UserChoiceField}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The villages and households a problem may name: the user's own.
        self.user = user
        villages = Village.objects.all() if user is None else scope.villages_visible_to(user)
        self.fields["villages"].queryset = villages.order_by(*VILLAGE_ORDER)
        self.fields["villages"].required = False
        users = get_user_model().objects.filter(is_active=True)
        if user is not None and not scope.sees_every_town(user):
            # The people of the user's towns (and the user): not another town's staff.
            towns = scope.towns_visible_to(user).values("pk")
            of_towns = (
                Q(pk=user.pk)
                | Q(profile__villages__town__in=towns)
                | Q(profile__towns__in=towns)
                | Q(profile__counties__towns__in=towns)
            )
            users = users.filter(pk__in=get_user_model().objects.filter(of_towns).values("pk"))
        self.fields["responsible_user"].queryset = users.order_by("username")
        self.fields["responsible_user"].help_text = _(
            "有账号的责任人可在“我的整改任务”中看到该问题;责任人不能为自己的问题销号"
        )
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
            numbers = self.instance.households.order_by("number").values_list("number", flat=True)
            self.initial["household_numbers"] = " ".join(numbers)

    def clean_household_numbers(self):
        numbers = [n for n in re.split(r"[\s,,、;;]+", self.cleaned_data["household_numbers"]) if n]
        households = (
            Household.objects.all() if self.user is None else scope.households_visible_to(self.user)
        )
        found = {h.number: h for h in households.filter(number__in=numbers)}
        unknown = [n for n in numbers if n not in found]
        if unknown:
            raise forms.ValidationError(
                ERROR_UNKNOWN_HOUSEHOLDS, params={"numbers": "、".join(unknown)}
            )
        return list(dict.fromkeys(found[n] for n in numbers))

    def service_data(self) -> dict:
        """The plain fields the services set (not the villages and households)."""
        skip = {"villages", "inspection_round"}
        return {n: self.cleaned_data[n] for n in self.Meta.fields if n not in skip}


class StartForm(forms.Form):
    measures_taken = forms.CharField(
        label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class CloseForm(forms.Form):
    completed_on = forms.DateField(label=_("完成日期"), widget=DATE_WIDGET, required=False)
    completion_note = forms.CharField(
        label=_("完成情况说明"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("重新打开原因"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("佐证材料"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text=_("图片(JPG、PNG)、PDF 或 Office 文档,单个文件不超过 %(limit)s"),
    )
    description = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, limit: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.fields["file"].help_text % {"limit": limit}
