"""The nightly (and on-demand) rebuild of every summary, as a task of the worker."""

from __future__ import annotations

# As django.tasks on Django 6 (the same API; only this import changes).
from django_tasks import task


@task()
def rebuild_summaries() -> dict:
    """Recount every village's registry figures and census progress snapshots."""
    from summaries.build import rebuild_everything

    return rebuild_everything()
