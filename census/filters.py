"""Filters of a village's census list (the check status and a quality rule)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from census.models import CheckStatus
from census.rules import RULES


class VillageFilterForm(forms.Form):
    """``status`` of the check and ``rule`` broken; an unknown value is an error
    on its field and the list is shown unfiltered by it."""

    status = forms.ChoiceField(
        label=_("核查状态"), required=False, choices=[("", _("全部")), *CheckStatus.choices]
    )
    rule = forms.ChoiceField(
        label=_("数据质量问题"),
        required=False,
        choices=[("", _("全部"))]
        + [(code, f"{code} {rule.title}") for code, rule in RULES.items()],
    )

    def value(self, name: str) -> str:
        """The valid value of filter ``name`` ("" if absent or invalid)."""
        self.is_valid()
        return self.cleaned_data.get(name, "")
