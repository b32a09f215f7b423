"""Downloads of the village ledger: the standard template, the ledger itself
and the national registry's layout.

Thin views. Login is required by the middleware. The households come from
``households.scope``, so an export never holds a household
the user could not open; a ``village`` outside the user's scope is not found
(404), like its households. Exports of people's data need
``households.export_households`` (403 otherwise). ID numbers are masked
unless the user asks for them (``?ids=full``) and holds
``households.reveal_id_number`` (403 otherwise); only such a file can be
imported again. Every export is logged: who, what, which village and date,
how many households and rows.

Query parameters: ``village`` (a village id, optional: the user's whole
scope otherwise), ``on`` (the as-of date, ``YYYY-MM-DD``; default as on every
page), ``ids=full``.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit.models import AuditAction
from audit.services import audit_record
from households import selectors
from households.ledger import export
from households.models import Village
from households.scope import households_visible_to, villages_visible_to

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_PERMISSION = "households.export_households"
REVEAL_PERMISSION = "households.reveal_id_number"

ERROR_NO_EXPORT = gettext_lazy("您没有导出户信息的权限")
ERROR_NO_REVEAL = gettext_lazy("您没有查看完整身份证号的权限,只能导出脱敏的台账")
ERROR_NO_VILLAGE = gettext_lazy("没有这个村,或不在您的管辖范围内")


def _village(request) -> Village | None:
    """The ``village`` asked for, if the user's scope holds it; 404 otherwise."""
    value = request.GET.get("village", "")
    if not value:
        return None
    try:
        pk = int(value)
    except ValueError:
        raise Http404(ERROR_NO_VILLAGE) from None
    village = villages_visible_to(request.user).filter(pk=pk).select_related("town").first()
    if village is None:
        raise Http404(ERROR_NO_VILLAGE)
    return village


def _reveal(request) -> bool:
    if request.GET.get("ids") != "full":
        return False
    if not request.user.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied(ERROR_NO_REVEAL)
    return True


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _export(request, kind: str, build):
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied(ERROR_NO_EXPORT)
    village = _village(request)
    reveal = _reveal(request)
    on = selectors.as_of_from(request)
    households = households_visible_to(request.user)
    if village is not None:
        households = households.filter(village=village)
    result = build(households, on, reveal, village)
    logger.info(
        "ledger export kind=%s user=%s village=%s on=%s full_ids=%s households=%s rows=%s",
        kind,
        request.user.pk,
        village.pk if village else "all",
        on.isoformat(),
        reveal,
        result.households,
        result.rows,
    )
    audit_record(
        action=AuditAction.EXPORT,
        user=request.user,
        object_type="households.household",
        object_label=village.name if village else _("全部"),
        detail={
            "view": f"ledger:{'export' if kind == 'ledger' else 'registry_export'}",
            "village": village.pk if village else None,
            "on": on,
            "full_ids": reveal,
            "households": result.households,
        },
        count=result.rows,
    )
    place = village.name if village else _("全部")
    suffix = _("建档立卡户台账") if kind == "ledger" else _("国家系统格式")
    return _xlsx_response(result.content, f"{place}{suffix}_{on:%Y%m%d}.xlsx")


@require_GET
def ledger_template_download(request):
    """The empty standard template; the title names the village if one is given."""
    village = _village(request)
    name = village.name if village else ""
    content = export.ledger_template(village=name)
    title = _("建档立卡户台账模板")
    return _xlsx_response(content, f"{name}{title}.xlsx")


@require_GET
@never_cache
def ledger_export_download(request):
    """The ledger of the village (or of the user's scope) in the template's layout."""

    def build(households, on, reveal, village):
        return export.ledger_export_file(
            households_queryset=households,
            on=on,
            reveal_id_numbers=reveal,
            place=village.name if village else None,
        )

    return _export(request, "ledger", build)


@require_GET
@never_cache
def registry_export_download(request):
    """The same households in the national registry's layout, with its codes."""

    def build(households, on, reveal, village):
        return export.registry_export_file(
            households_queryset=households, on=on, reveal_id_numbers=reveal
        )

    return _export(request, "registry", build)
