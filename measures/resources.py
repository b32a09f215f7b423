"""Import/export resources of the assistance measures (conventions: ``households.resources``)."""

from __future__ import annotations

from households.models import Member, Village
from households.resources import BaseModelResource, fk, household_fk, user_fk
from measures.models import (
    Assignment,
    CollectiveIncome,
    MeasureApplication,
    Programme,
    ProjectIncome,
    ResponsiblePerson,
    VillageProject,
)


class ResponsiblePersonResource(BaseModelResource):
    user = user_fk("user")

    class Meta(BaseModelResource.Meta):
        model = ResponsiblePerson
        fields = ("id", "name", "organisation", "position", "phone", "user")


class AssignmentResource(BaseModelResource):
    household = household_fk()
    person = fk(ResponsiblePerson, attribute="person", column_name="person")

    class Meta(BaseModelResource.Meta):
        model = Assignment
        fields = ("id", "household", "person", "started_on", "ended_on")


class ProgrammeResource(BaseModelResource):
    village = fk(Village, "name", attribute="village", column_name="village")

    class Meta(BaseModelResource.Meta):
        model = Programme
        import_id_fields = ["year", "name"]
        fields = (
            "id",
            "year",
            "name",
            "category",
            "kind",
            "target",
            "unit",
            "standard_amount",
            "days",
            "income_per_year",
            "partner",
            "village",
            "description",
        )


class MeasureApplicationResource(BaseModelResource):
    # Programmes and members have no single-column natural key: by id.
    programme = fk(Programme, attribute="programme", column_name="programme")
    household = household_fk()
    member = fk(Member, attribute="member", column_name="member")
    responsible = fk(ResponsiblePerson, attribute="responsible", column_name="responsible")

    class Meta(BaseModelResource.Meta):
        model = MeasureApplication
        fields = (
            "id",
            "programme",
            "household",
            "member",
            "status",
            "persons",
            "amount",
            "amount_override_reason",
            "added_income",
            "renovation_kind",
            "progress_note",
            "planned_on",
            "started_on",
            "completed_on",
            "cancelled_on",
            "cancel_reason",
            "responsible",
            "notes",
        )


class VillageProjectResource(BaseModelResource):
    village = fk(Village, "name", attribute="village", column_name="village")

    class Meta(BaseModelResource.Meta):
        model = VillageProject
        fields = (
            "id",
            "village",
            "year",
            "name",
            "kind",
            "funds",
            "funding_source",
            "quantity",
            "capacity_kw",
            "completed_on",
            "description",
        )


class ProjectIncomeResource(BaseModelResource):
    project = fk(VillageProject, attribute="project", column_name="project")

    class Meta(BaseModelResource.Meta):
        model = ProjectIncome
        import_id_fields = ["project", "year"]
        fields = ("id", "project", "year", "income", "is_estimate")


class CollectiveIncomeResource(BaseModelResource):
    village = fk(Village, "name", attribute="village", column_name="village")

    class Meta(BaseModelResource.Meta):
        model = CollectiveIncome
        import_id_fields = ["village", "year"]
        fields = ("id", "village", "year", "amount")
