"""Forms of the census pages. They carry fields and the check's version; what
a complete checklist is and which action may follow which status are the
rules of ``census.rules``, applied again by the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from census import rules

OK_CHOICES = [("yes", _("符合")), ("no", _("不符合"))]


class ChecklistForm(forms.Form):
    """One pair of fields per checklist item: ``<item>_ok`` (符合/不符合) and
    ``<item>_note``; plus the version of the check the page showed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, checklist=None, version=0, **kwargs):
        super().__init__(*args, **kwargs)
        checklist = checklist or {}
        for item in rules.CheckItem:
            self.fields[f"{item.value}_ok"] = forms.ChoiceField(
                label=item.label,
                choices=OK_CHOICES,
                widget=forms.RadioSelect,
                required=False,
                help_text=rules.CHECK_ITEM_HELP[item],
            )
            self.fields[f"{item.value}_note"] = forms.CharField(
                label=_("说明"),
                required=False,
                max_length=rules.CHECKLIST_NOTE_MAX,
                widget=forms.TextInput(attrs={"placeholder": _("不符合时必填")}),
            )
            stored = checklist.get(item.value)
            if stored is not None and not self.is_bound:
                self.initial[f"{item.value}_ok"] = "yes" if stored.ok else "no"
                self.initial[f"{item.value}_note"] = stored.note
        if not self.is_bound:
            self.initial["version"] = version

    def items(self):
        """``(item, ok field, note field)`` for the template, in the checklist's order."""
        return [
            (item, self[f"{item.value}_ok"], self[f"{item.value}_note"]) for item in rules.CheckItem
        ]

    def results(self) -> dict[str, rules.ItemResult]:
        data = self.cleaned_data
        results = {}
        for item in rules.CheckItem:
            answer = data.get(f"{item.value}_ok")
            ok = {"yes": True, "no": False}.get(answer)
            results[item.value] = rules.ItemResult(ok=ok, note=data.get(f"{item.value}_note", ""))
        return results

    def clean(self):
        cleaned = super().clean()
        for item, message in rules.checklist_errors(self.results()).items():
            field = (
                f"{item}_ok" if message == str(rules.CHECKLIST_ERROR_MISSING) else f"{item}_note"
            )
            self.add_error(field, message)
        return cleaned


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        label=_("审核结果"),
        choices=[
            (rules.CheckAction.APPROVE.value, rules.CheckAction.APPROVE.label),
            (rules.CheckAction.SEND_BACK.value, rules.CheckAction.SEND_BACK.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("退回修改时必填,写明需要修改的内容"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("action") == rules.CheckAction.SEND_BACK
            and not cleaned.get("note", "").strip()
        ):
            self.add_error("note", str(rules.WORKFLOW_ERROR_NOTE_REQUIRED))
        return cleaned
