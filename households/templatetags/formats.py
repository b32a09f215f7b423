"""Template filters for amounts (see households.formats).

``{{ value|amount }}`` 18,991,395.00 · ``{{ value|money }}`` 18,991,395.00元 ·
``{{ value|wan_yuan }}`` 107.10万元. The lifting check's are ``assessment``'s (``lifting``).
"""

from django import template

from households import formats

register = template.Library()

register.filter("amount", formats.amount)
register.filter("money", formats.money)
register.filter("wan_yuan", formats.wan_yuan)
