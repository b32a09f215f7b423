"""Every model and field of the domain speaks Chinese to its users."""

import re

import pytest
from django.apps import apps

DOMAIN_APPS = ("households", "measures", "rectification", "census")
CJK = re.compile(r"[\u4e00-\u9fff]")


def domain_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in DOMAIN_APPS and not model.__name__.startswith("Historical")
    ]


@pytest.mark.parametrize("model", domain_models(), ids=lambda m: m._meta.label)
def test_model_and_fields_have_chinese_verbose_names(model):
    assert CJK.search(str(model._meta.verbose_name)), model
    assert CJK.search(str(model._meta.verbose_name_plural)), model
    missing = [
        field.name
        for field in model._meta.get_fields()
        if field.concrete and not field.auto_created and not CJK.search(str(field.verbose_name))
    ]
    assert missing == []


# Append-only logs: they are the history. Counted snapshots: rebuilt from the rows that have one.
NO_HISTORY = {
    "households.IdNumberReveal",
    "households.LedgerImport",
    "census.VillageProgressSnapshot",
}


@pytest.mark.parametrize(
    "model",
    [m for m in domain_models() if m._meta.label not in NO_HISTORY],
    ids=lambda m: m._meta.label,
)
def test_every_domain_model_keeps_a_change_history(model):
    assert hasattr(model, "history"), f"{model._meta.label} has no HistoricalRecords"
