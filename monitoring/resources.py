"""Import and export of monitoring's reference data through the Django admin."""

from households.resources import BaseModelResource
from monitoring.models import MonitoringLine


class MonitoringLineResource(BaseModelResource):
    class Meta(BaseModelResource.Meta):
        model = MonitoringLine
        import_id_fields = ["province_name", "year"]
        fields = (
            "id",
            "province_code",
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
            "notes",
        )
