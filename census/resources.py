"""Import/export resources of census preparation (conventions: ``households.resources``)."""

from __future__ import annotations

from census.models import CensusStaff, GroupMember, HouseholdCheck, WorkingGroup
from households.models import Town, Village
from households.resources import BaseModelResource, fk, household_fk, user_fk


class WorkingGroupResource(BaseModelResource):
    town = fk(Town, "name", attribute="town", column_name="town")
    parent = fk(WorkingGroup, "name", attribute="parent", column_name="parent")

    class Meta(BaseModelResource.Meta):
        model = WorkingGroup
        import_id_fields = ["town", "name"]
        fields = ("id", "town", "name", "kind", "parent", "duties", "established_on", "order")


class GroupMemberResource(BaseModelResource):
    # Group names are unique within the town, and the system keeps one town.
    group = fk(WorkingGroup, "name", attribute="group", column_name="group")

    class Meta(BaseModelResource.Meta):
        model = GroupMember
        fields = ("id", "group", "name", "position", "role", "phone")


class CensusStaffResource(BaseModelResource):
    village = fk(Village, "name", attribute="village", column_name="village")
    user = user_fk("user")

    class Meta(BaseModelResource.Meta):
        model = CensusStaff
        fields = ("id", "name", "role", "village", "phone", "user")


class HouseholdCheckResource(BaseModelResource):
    household = household_fk()
    enumerator = fk(CensusStaff, attribute="enumerator", column_name="enumerator")
    reviewer = fk(CensusStaff, attribute="reviewer", column_name="reviewer")
    submitted_by = user_fk("submitted_by")
    reviewed_by = user_fk("reviewed_by")

    class Meta(BaseModelResource.Meta):
        model = HouseholdCheck
        # One check per household.
        import_id_fields = ["household"]
        fields = (
            "id",
            "household",
            "status",
            "checklist",
            "enumerator",
            "checked_on",
            "submitted_by",
            "reviewer",
            "reviewed_on",
            "reviewed_by",
            "review_note",
        )
