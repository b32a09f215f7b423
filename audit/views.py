"""The audit administrator's pages: the trail, searchable, and its CSV export.

Reading the trail needs ``audit.view_auditentry`` (the 审计管理员 role, or a
superuser); everyone else gets 403. Nothing here changes an entry; the
export is itself recorded.
"""

from __future__ import annotations

import csv
import json

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit import presentation, selectors
from audit.filters import AuditFilter
from audit.models import AuditAction, AuditEntry
from audit.services import audit_record
from households.xlsx import neutralise

PAGE_SIZE = 50
VIEW_PERMISSION = "audit.view_auditentry"
ERROR_NO_PERMISSION = gettext_lazy("只有审计管理员可以查阅审计记录")


def _require_auditor(request) -> None:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied(ERROR_NO_PERMISSION)


def _filtered(request) -> AuditFilter:
    return AuditFilter(request.GET, queryset=selectors.audit_entries())


@require_GET
@never_cache
def entry_list(request):
    _require_auditor(request)
    filterset = _filtered(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {
            "filter": filterset,
            "page": page,
            "entries": presentation.present(page),
            "query": query.urlencode(),
        },
    )


class _Echo:
    """A file-like object whose ``write`` returns the line: csv.writer into a stream."""

    def write(self, value):
        return value


@require_GET
@never_cache
def entry_export(request):
    _require_auditor(request)
    filterset = _filtered(request)
    queryset = filterset.qs
    total = queryset.count()
    audit_record(
        action=AuditAction.EXPORT,
        object_type=AuditEntry._meta.label_lower,
        object_label=_("审计记录"),
        detail={"view": "audit:export", "filter": request.GET.dict()},
        count=total,
    )
    headers = [
        _("时间"),
        _("用户名"),
        _("IP地址"),
        _("操作"),
        _("对象类型"),
        _("对象编号"),
        _("对象"),
        _("涉及条数"),
        _("详情"),
    ]
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # Excel and WPS open UTF-8 CSV as such only with a BOM
        yield writer.writerow(headers)
        for row in selectors.audit_rows(queryset):
            at, *rest, detail = row
            cells = [timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"), *rest]
            cells.append(json.dumps(detail, ensure_ascii=False, sort_keys=True))
            yield writer.writerow([neutralise(str(c)) for c in cells])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"审计记录_{timezone.localdate():%Y%m%d}.csv"
    )
    return response
