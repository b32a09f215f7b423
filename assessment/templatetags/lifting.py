"""Template filters of the lifting check: ``{{ criterion|failed_label }}`` 收入未达标."""

from django import template

from assessment import rules

register = template.Library()


@register.filter
def failed_label(criterion) -> str:
    """A criterion (or its value) named as failing."""
    return rules.failed_label(getattr(criterion, "key", criterion))
