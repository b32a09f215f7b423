"""Pages of the ledger import: upload and list, the preview, the error
workbook, confirm and cancel. Thin: load through the scoping queryset, call a
service, render.

Permission ``households.import_ledger`` is required (403 otherwise); a user
sees their own imports only, a town administrator all of them, so someone
else's import is simply not found (404).
"""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from households.ledger import services, tasks
from households.ledger.annotate import error_workbook
from households.ledger.models import LedgerImport, LedgerImportStatus
from households.models import Village
from households.scope import own_villages, sees_whole_registry

PERMISSION = "households.import_ledger"
PAGE_SIZE = 30
#: Seconds between reloads of a running import's page.
REFRESH_SECONDS = 2
#: Problems listed one by one on the preview (grouped by kind above; all of
#: them are in the error workbook).
ERRORS_SHOWN = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    village = forms.ModelChoiceField(
        label=gettext_lazy("行政村"),
        queryset=Village.objects.none(),
        required=False,
        empty_label=gettext_lazy("按文件中的“行政村”列"),
        help_text=gettext_lazy("文件中各户所属的村;文件有“行政村”列时须与此一致"),
    )
    file = forms.FileField(
        label=gettext_lazy("台账文件(.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = importable_villages(user)
        field = self.fields["village"]
        field.queryset = villages
        self.own = None
        if not sees_whole_registry(user):
            # A cadre imports their own village: preselected, the only choice.
            field.empty_label = None
            own = list(villages[:2])
            if len(own) == 1:
                self.own = own[0]
                field.initial = self.own.pk

    def clean_village(self):
        return self.cleaned_data.get("village") or self.own


def importable_villages(user):
    """The villages whose ledger ``user`` may import: all for a town
    administrator, else their own."""
    return own_villages(user).order_by("name")


def visible_import(request, pk) -> LedgerImport:
    """The import, if the user may see it (their own; all for an administrator); else 404."""
    queryset = LedgerImport.objects.visible_to(request.user).select_related(
        "uploaded_by", "applied_by"
    )
    return get_object_or_404(queryset, pk=pk)


def _report(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@permission_required(PERMISSION, raise_exception=True)
def ledger_list(request):
    form = UploadForm(user=request.user)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                record = services.ledger_upload(
                    file=form.cleaned_data["file"],
                    user=request.user,
                    village=form.cleaned_data["village"],
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                if record.status == LedgerImportStatus.UPLOADED:
                    # Small file: the preview is ready when the page opens.
                    services.ledger_preview(ledger_import=record)
                else:
                    messages.success(request, _("文件较大,已转入后台处理;本页会自动刷新显示进度。"))
                return redirect("ledger:detail", pk=record.pk)
    tasks.requeue_stale()
    imports = LedgerImport.objects.visible_to(request.user).select_related("uploaded_by")
    page = Paginator(imports, PAGE_SIZE).get_page(request.GET.get("page"))
    villages = list(importable_villages(request.user)[:2])
    return render(
        request,
        "ledger/list.html",
        {
            "form": form,
            "page": page,
            # The round trip: the template, and this village's ledger to edit.
            "export_village": villages[0] if len(villages) == 1 else None,
            "may_export": request.user.has_perm("households.export_households"),
            "may_reveal": request.user.has_perm("households.reveal_id_number"),
            "max_mb": services.max_bytes() // (1024 * 1024),
            "max_rows": services.max_rows(),
        },
    )


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def ledger_detail(request, pk):
    record = visible_import(request, pk)
    # While someone watches a running import, a lost worker's job is queued
    # again (or failed after its last attempt) once its heartbeat is stale
    # (the page reloads itself).
    if record.is_running:
        tasks.requeue_stale()
        record.refresh_from_db()
    preview = record.preview or {}
    response = render(
        request,
        "ledger/detail.html",
        {
            "record": record,
            "preview": preview,
            "counts": record.counts or {},
            "running": record.is_running,
            "refresh_seconds": REFRESH_SECONDS,
            "may_manage": services.may_manage(request.user, record),
            "can_confirm": record.can_confirm and services.may_manage(request.user, record),
            "errors_truncated": preview.get("errors_total", 0) > len(preview.get("errors", [])),
            "errors_shown": preview.get("errors", [])[:ERRORS_SHOWN],
            "warnings_shown": preview.get("warnings", [])[:ERRORS_SHOWN],
            "error_groups": preview.get("error_groups") or [],
            "warning_groups": preview.get("warning_groups") or [],
            "changes_truncated": preview.get("changes_total", 0) > len(preview.get("changes", [])),
            "absent_truncated": preview.get("absent_total", 0) > len(preview.get("absent", [])),
        },
    )
    if record.is_running:
        # Same as <meta http-equiv="refresh">, which the template also writes
        # where the base template has a head block: no script needed.
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def ledger_errors(request, pk):
    record = visible_import(request, pk)
    preview = record.preview or {}
    if not (preview.get("errors") or preview.get("warnings")) or not record.file:
        messages.error(request, _("这次导入没有需要标注的错误"))
        return redirect("ledger:detail", pk=record.pk)
    with record.file.open("rb") as stream:
        data = stream.read()
    content = error_workbook(
        data=data,
        preview=preview,
        file_name=record.file_name,
        rows=int((record.counts or {}).get("rows", 0)),
    )
    stem = PurePath(record.file_name).stem or "台账"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}_错误标注.xlsx")
    return response


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def ledger_confirm(request, pk):
    record = visible_import(request, pk)
    background = int((record.counts or {}).get("rows", 0)) > services.sync_rows()
    try:
        if background:
            services.ledger_queue_apply(ledger_import=record, user=request.user)
            messages.success(request, _("已确认,正在后台导入;本页会自动刷新显示进度。"))
            return redirect("ledger:detail", pk=record.pk)
        record = services.ledger_apply(ledger_import=record, user=request.user)
    except ValidationError as exc:
        _report(request, exc)
        return redirect("ledger:detail", pk=record.pk)
    if record.status == LedgerImportStatus.APPLIED:
        messages.success(request, _("导入完成:台账的数据已写入系统"))
    else:
        messages.error(request, record.error_message or _("导入没有完成"))
    return redirect("ledger:detail", pk=record.pk)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def ledger_cancel(request, pk):
    record = visible_import(request, pk)
    try:
        services.ledger_cancel(ledger_import=record, user=request.user)
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("已取消这次导入,系统中的数据没有变化"))
    return redirect("ledger:detail", pk=record.pk)
