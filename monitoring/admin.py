"""The monitoring lines in the Django admin: data the town administrator edits.

Cases, steps and warnings change only through ``monitoring.services`` (the
workflow's checks, locking and audit), so they have no admin of their own.
"""

from django.contrib import admin

from households.admin_base import HistoryImportExportAdmin
from monitoring.models import MonitoringLine
from monitoring.resources import MonitoringLineResource


@admin.register(MonitoringLine)
class MonitoringLineAdmin(HistoryImportExportAdmin):
    resource_classes = [MonitoringLineResource]
    list_display = (
        "province_name",
        "year",
        "line",
        "medical_cost_share",
        "rigid_cost_share",
        "income_drop_share",
        "stable_months",
        "home_check_working_days",
        "procedure_working_days",
        "notice_days",
    )
    list_filter = ("province_name",)
    search_fields = ("province_name", "=year")
