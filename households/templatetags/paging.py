"""The page links under a paginated list: numbers around the current page,
the first and last page (末页) always reachable."""

from django import template
from django.core.paginator import Paginator

register = template.Library()


@register.simple_tag
def page_links(page, *, on_each_side: int = 2, on_ends: int = 1):
    """The page numbers to show for ``page`` (a Django ``Page``), with
    ``Paginator.ELLIPSIS`` where numbers are left out."""
    return list(
        page.paginator.get_elided_page_range(
            page.number, on_each_side=on_each_side, on_ends=on_ends
        )
    )


@register.simple_tag
def ellipsis():
    return Paginator.ELLIPSIS
