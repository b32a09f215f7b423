"""What every page shares: what it reads from its query string (the as-of
date, the year, an id) and the edit page (:func:`form_page`).

A value typed or pasted into a URL is never trusted: a date or a year outside
the range the registry can mean (2000–2100) is brought into it with a Chinese
message on the page (a year outside it is replaced by the page's default
year, as is a value that is no date or year), and nothing of it reaches a query unchecked
(``?on=9999-12-30`` once made the dashboard count one column per year).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.forms import save_or_report

YEAR_MIN, YEAR_MAX = 2000, 2100
DATE_MIN, DATE_MAX = date(YEAR_MIN, 1, 1), date(YEAR_MAX, 12, 31)

DATE_ERROR_INVALID = _("“{value}”不是有效的日期(格式:2020-05-31),已按{used}显示")
DATE_ERROR_RANGE = _("日期须在{low}至{high}之间,已按{used}显示")
YEAR_ERROR_INVALID = _("“{value}”不是有效的年度,已按{used}年显示")
YEAR_ERROR_RANGE = _("年度须在{low}至{high}之间,已按{used}年显示")


def default_as_of() -> date:
    """Today, unless the deployment pins a working date (``AS_OF_DATE``)."""
    return settings.DEFAULT_AS_OF or timezone.localdate()


def clamp_date(value: date) -> date:
    return min(max(value, DATE_MIN), DATE_MAX)


def _warn(request, message) -> None:
    # Once per request and message: several helpers may read the same value.
    said = request.__dict__.setdefault("_param_warnings", set())
    text = str(message)
    if text not in said:
        said.add(text)
        messages.warning(request, text, fail_silently=True)


def as_of_from(request) -> date:
    """The as-of date a page shows: ``?on=YYYY-MM-DD``, else the default."""
    value = request.GET.get("on", "").strip()
    if not value:
        return clamp_date(default_as_of())
    try:
        day = date.fromisoformat(value)
    except ValueError:
        used = clamp_date(default_as_of())
        _warn(request, DATE_ERROR_INVALID.format(value=value[:40], used=used))
        return used
    used = clamp_date(day)
    if used != day:
        _warn(request, DATE_ERROR_RANGE.format(low=DATE_MIN, high=DATE_MAX, used=used))
    return used


def year_from(request, default: int | None = None) -> int:
    """``?year=YYYY`` (2000–2100), else ``default`` (with a message if one was
    given); no ``default``: the year of the page's as-of date."""
    if default is None:
        default = as_of_from(request).year
    value = request.GET.get("year", "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 6:
        _warn(request, YEAR_ERROR_INVALID.format(value=value[:40], used=default))
        return default
    if not valid_year(int(value)):
        _warn(request, YEAR_ERROR_RANGE.format(low=YEAR_MIN, high=YEAR_MAX, used=default))
        return default
    return int(value)


#: The largest id a database column holds (a signed 64-bit integer).
ID_MAX = 2**63 - 1


def id_from(request, name: str) -> int | None:
    """``?<name>=`` as an object id, or None if it is none (empty, not digits,
    too large for the database: such an id names no object)."""
    value = request.GET.get(name, "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= ID_MAX else None


def valid_year(year: int) -> bool:
    """Whether a year in a URL path is one the registry can hold."""
    return YEAR_MIN <= year <= YEAR_MAX


def form_page(
    request, form, *, template, title, save, success, back, context=None, to_result=False
):
    """An edit page: on a valid POST run ``save(form)`` (a service call), say
    ``success`` and go back to ``back`` (to the URL ``save`` returns, with
    ``to_result``); otherwise show the form with every error on it.

    The template gets ``form``, ``title``, ``back`` and ``context``.
    """
    if request.method == "POST" and form.is_valid():
        result = {}
        if save_or_report(form, lambda: result.setdefault("value", save(form))):
            messages.success(request, success)
            return redirect(result["value"] if to_result else back)
    return render(
        request, template, {"form": form, "title": title, "back": back, **(context or {})}
    )
