"""Import/export resources of rectification (conventions: ``households.resources``)."""

from __future__ import annotations

from import_export import fields, widgets

from households.models import Household, Village
from households.resources import BaseModelResource, fk, user_fk
from rectification.models import Evidence, InspectionRound, Problem


class InspectionRoundResource(BaseModelResource):
    class Meta(BaseModelResource.Meta):
        model = InspectionRound
        import_id_fields = ["name"]
        fields = ("id", "name", "kind", "year", "feedback_on", "summary")


class ProblemResource(BaseModelResource):
    inspection_round = fk(
        InspectionRound, "name", attribute="inspection_round", column_name="inspection_round"
    )
    # Villages by name and households by number, comma-separated.
    villages = fields.Field(
        attribute="villages",
        column_name="villages",
        widget=widgets.ManyToManyWidget(Village, field="name"),
    )
    households = fields.Field(
        attribute="households",
        column_name="households",
        widget=widgets.ManyToManyWidget(Household, field="number"),
    )
    responsible_user = user_fk("responsible_user")
    closed_by = user_fk("closed_by")

    class Meta(BaseModelResource.Meta):
        model = Problem
        fields = (
            "id",
            "inspection_round",
            "category",
            "text",
            "villages",
            "households",
            "responsible_name",
            "responsible_user",
            "found_on",
            "deadline",
            "status",
            "measures_taken",
            "completed_on",
            "completion_note",
            "closed_by",
        )


class EvidenceResource(BaseModelResource):
    """Evidence records; the files themselves are uploaded in the admin, not imported."""

    problem = fk(Problem, attribute="problem", column_name="problem")
    uploaded_by = user_fk("uploaded_by")

    export_only_fields = ("file", "uploaded_by", "uploaded_at")

    class Meta(BaseModelResource.Meta):
        model = Evidence
        fields = (
            "id",
            "problem",
            "file",
            "original_name",
            "description",
            "uploaded_by",
            "uploaded_at",
        )
