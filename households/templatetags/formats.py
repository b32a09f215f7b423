"""Template filters for amounts and check results (see households.formats).

``{{ value|amount }}`` 18,991,395.00 · ``{{ value|money }}`` 18,991,395.00元 ·
``{{ value|wan_yuan }}`` 107.10万元 · ``{{ criterion|failed_label }}`` 收入未达标.
"""

from django import template

from households import formats, rules

register = template.Library()

register.filter("amount", formats.amount)
register.filter("money", formats.money)
register.filter("wan_yuan", formats.wan_yuan)


@register.filter
def failed_label(criterion) -> str:
    """A criterion (or its value) named as failing."""
    return rules.failed_label(getattr(criterion, "key", criterion))
