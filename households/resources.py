"""Import/export resources (django-import-export) of the household registry.

One ``ModelResource`` per model, used by the admin's import and export
buttons. Conventions shared by every app's resources (see
:class:`BaseModelResource`):

* foreign keys are written and read by natural key where one exists
  (a household by its ``number``, a village by its ``name``), by id otherwise;
* ``clean_model_instances``: every imported row goes through the model's
  ``full_clean()`` (field validation, ``clean()`` and the constraints), so an
  import can never store what the admin form would refuse;
* rows are imported one by one (no ``use_bulk``): ``save()`` derives fields
  and records history. The bulk import of the village Excel ledgers is a
  separate service.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from import_export import fields, resources, widgets
from import_export.resources import Diff

from households import rules
from households.models import (
    County,
    GuaranteeAssessment,
    Household,
    HouseholdIncome,
    HouseholdStatusPeriod,
    Member,
    NaturalVillage,
    PolicyYear,
    Town,
    Village,
    VillagePopulation,
    VillagerGroup,
)

User = get_user_model()


# --------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------


class BaseModelResource(resources.ModelResource):
    """Common options of the project's resources.

    ``export_only_fields`` are written on export but never read on import
    (timestamps, derived values); ``import_only_fields`` are read on import
    but never written on export (sensitive values exported in another form).
    Both are field names of the resource. Where rows are matched by a natural
    key (``import_id_fields``), ``id`` is export-only too.

    ``skip_unchanged``: a re-imported row that changes nothing is not saved,
    so it adds no entry to the change history.
    """

    export_only_fields: tuple[str, ...] = ()
    import_only_fields: tuple[str, ...] = ()
    #: The attribute holding the id of the household a row belongs to ("pk"
    #: for a household itself): every row saved moves that household's
    #: version on, as a page's save does.
    version_household: str | None = None

    class Meta:
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_import_fields(self):
        # Also what the admin's import page lists as the columns it reads,
        # and what the import preview compares.
        skip = set(self.export_only_fields)
        if list(self.get_import_id_fields()) != ["id"]:
            # Rows are matched by their natural key: an ``id`` column (from
            # an export of another database, say) must not be written.
            skip.add("id")
        return [
            field for field in super().get_import_fields() if self.get_field_name(field) not in skip
        ]

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        if self.version_household and not kwargs.get("dry_run"):
            from households.services import household_version_bump

            household_version_bump(household_ids=[getattr(instance, self.version_household)])

    def filter_export(self, queryset, **kwargs):
        # Related objects written by key (a household's village name, a
        # problem's villages) are joined or prefetched, not read row by row.
        queryset = super().filter_export(queryset, **kwargs)
        if not isinstance(queryset, QuerySet):
            return queryset
        joined, prefetched = [], []
        for field in self.fields.values():
            try:
                model_field = self._meta.model._meta.get_field(field.attribute or "")
            except FieldDoesNotExist:
                continue
            if model_field.many_to_many:
                prefetched.append(model_field.name)
            elif model_field.many_to_one or model_field.one_to_one:
                joined.append(model_field.name)
        return queryset.select_related(*joined).prefetch_related(*prefetched)

    def get_export_order(self):
        # Both the export itself and the admin's field selection form use
        # this order, so an import-only field can never be selected.
        return tuple(
            name for name in super().get_export_order() if name not in self.import_only_fields
        )


def fk(model, field="pk", widget=None, **kwargs):
    """A foreign-key field of a resource, read and written by ``field`` of ``model``."""
    widget_class = widget or widgets.ForeignKeyWidget
    return fields.Field(widget=widget_class(model, field), **kwargs)


class VillageScopedWidget(widgets.ForeignKeyWidget):
    """A place named within a village (村民小组, 自然村), read by name.

    Group names ("一组") repeat from village to village, so the lookup is
    restricted to the village named in the same row's ``village`` column
    when the row has one.
    """

    village_column = "village"

    def get_queryset(self, value, row, *args, **kwargs):
        queryset = super().get_queryset(value, row, *args, **kwargs)
        village_name = (row or {}).get(self.village_column)
        if village_name:
            queryset = queryset.filter(village__name=village_name)
        return queryset


class UserWidget(widgets.ForeignKeyWidget):
    """A user account, by user name."""

    def __init__(self, **kwargs):
        super().__init__(User, User.USERNAME_FIELD, **kwargs)


def user_fk(attribute, **kwargs):
    return fields.Field(attribute=attribute, column_name=attribute, widget=UserWidget(), **kwargs)


# --------------------------------------------------------------------------
# Geography and policy parameters
# --------------------------------------------------------------------------


class CountyResource(BaseModelResource):
    class Meta(BaseModelResource.Meta):
        model = County
        import_id_fields = ["name"]
        fields = ("id", "name", "code", "city", "province")


class TownResource(BaseModelResource):
    county = fk(County, "name", attribute="county", column_name="county")

    class Meta(BaseModelResource.Meta):
        model = Town
        import_id_fields = ["county", "name"]
        fields = ("id", "county", "name", "code", "area_km2")


class VillageResource(BaseModelResource):
    town = fk(Town, "name", attribute="town", column_name="town")

    class Meta(BaseModelResource.Meta):
        model = Village
        import_id_fields = ["town", "name"]
        fields = ("id", "town", "name", "code", "poor_village_kind", "exit_year")


class VillagerGroupResource(BaseModelResource):
    village = fk(Village, "name", attribute="village", column_name="village")

    class Meta(BaseModelResource.Meta):
        model = VillagerGroup
        import_id_fields = ["village", "name"]
        fields = ("id", "village", "name", "number")


class NaturalVillageResource(BaseModelResource):
    village = fk(Village, "name", attribute="village", column_name="village")

    class Meta(BaseModelResource.Meta):
        model = NaturalVillage
        import_id_fields = ["village", "name"]
        fields = ("id", "village", "name")


class VillagePopulationResource(BaseModelResource):
    village = fk(Village, "name", attribute="village", column_name="village")

    class Meta(BaseModelResource.Meta):
        model = VillagePopulation
        import_id_fields = ["village", "year"]
        fields = (
            "id",
            "village",
            "year",
            "registered_households",
            "registered_persons",
            "resident_households",
            "resident_persons",
        )


class PolicyYearResource(BaseModelResource):
    class Meta(BaseModelResource.Meta):
        model = PolicyYear
        import_id_fields = ["province_name", "year"]
        fields = (
            "id",
            "province_name",
            "year",
            "poverty_line",
            "monitoring_line",
            "village_exit_threshold",
            "notes",
        )


# --------------------------------------------------------------------------
# Households and what hangs off them
# --------------------------------------------------------------------------


def household_fk(**kwargs):
    kwargs.setdefault("attribute", "household")
    kwargs.setdefault("column_name", "household")
    return fk(Household, "number", **kwargs)


class HouseholdResource(BaseModelResource):
    village = fk(Village, "name", attribute="village", column_name="village")
    group = fk(VillagerGroup, "name", VillageScopedWidget, attribute="group", column_name="group")
    natural_village = fk(
        NaturalVillage,
        "name",
        VillageScopedWidget,
        attribute="natural_village",
        column_name="natural_village",
    )
    residence_village = fk(
        Village, "name", attribute="residence_village", column_name="residence_village"
    )

    # Kept by the database, never taken from a file.
    export_only_fields = ("created_at", "updated_at", "version")
    version_household = "pk"

    class Meta(BaseModelResource.Meta):
        model = Household
        import_id_fields = ["number"]
        fields = (
            "id",
            "number",
            "village",
            "group",
            "natural_village",
            "residence_village",
            "residence_address",
            "phone",
            "identified_year",
            "identification_kind",
            "attribute",
            "dibao_class",
            "tekun_kind",
            "main_cause",
            "other_causes",
            "notes",
            "created_at",
            "updated_at",
            "version",
        )


class HouseholdStatusPeriodResource(BaseModelResource):
    household = household_fk()
    recorded_by = user_fk("recorded_by")

    export_only_fields = ("recorded_by", "recorded_at")

    class Meta(BaseModelResource.Meta):
        model = HouseholdStatusPeriod
        import_id_fields = ["household", "valid_from"]
        fields = (
            "id",
            "household",
            "status",
            "valid_from",
            "valid_to",
            "reason",
            "decided_by",
            "recorded_by",
            "recorded_at",
        )

    def before_save_instance(self, instance, row, **kwargs):
        # The admin passes the importing user: they recorded the new periods.
        user = kwargs.get("user")
        if instance.recorded_by_id is None and getattr(user, "pk", None):
            instance.recorded_by = user


class MaskedIdNumberDiff(Diff):
    """The import preview's before/after values, with ID numbers masked.

    The preview compares every import field of the stored member, also when
    the file has no ``id_number`` column (e.g. a re-imported export): without
    this it would print the stored full numbers on the preview page.
    (``Diff`` calls ``Diff._read_field_values`` by name, hence the overrides
    of both methods that call it.)
    """

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        self.left = self.masked_values(resource, instance)

    def compare_with(self, resource, instance):
        self.right = self.masked_values(resource, instance)

    @staticmethod
    def masked_values(resource, instance):
        values = []
        for field in resource.get_import_fields():
            value = field.export(instance)
            if field.attribute == "id_number":
                value = rules.mask_id_number(value or "")
            values.append(value)
        return values


class MemberResource(BaseModelResource):
    """Members, with the ID number masked on export.

    Resident ID numbers are sensitive, so two fields carry them:

    * ``id_number`` is **import-only**: the admin import reads full numbers
      (normalised and validated by ``Member.clean``/``save``) but the column
      is never written on export, nor offered in the export's field choice;
    * ``id_number_masked`` is **export-only** (``readonly``): the masked
      number (``150927********1234``) under its own column name, which an
      import ignores.

    Keeping the two columns apart (instead of masking ``id_number`` in a
    ``dehydrate_id_number``) means an exported sheet can be edited and
    re-imported as it is: rows are matched by ``id``, the sheet has no
    ``id_number`` column, so the stored full numbers are left untouched, and
    a masked value can never be written back over a full one.

    ``sex`` is derived from the number on save, so it is export-only. The
    birth date is not exported at all: it is the 8 digits the mask hides
    (region + birth date + last 4 digits is the whole number).
    """

    household = household_fk()
    id_number_masked = fields.Field(
        attribute="id_number",
        column_name="id_number_masked",
        readonly=True,
        dehydrate_method="dehydrate_id_number_masked",
    )

    import_only_fields = ("id_number",)
    export_only_fields = ("id_number_masked", "sex")
    version_household = "household_id"

    class Meta(BaseModelResource.Meta):
        model = Member
        fields = (
            "id",
            "household",
            "name",
            "id_number",
            "id_number_masked",
            "sex",
            "relation",
            "ethnicity",
            "phone",
            "health",
            "illness",
            "disability_kind",
            "disability_grade",
            "labour",
            "education_level",
            "school_status",
            "medical_insurance",
            "on_dibao",
            "on_tekun",
            "joined_on",
            "join_reason",
            "left_on",
            "leave_reason",
            "deceased_on",
        )

    def get_diff_class(self):
        return MaskedIdNumberDiff

    def dehydrate_id_number_masked(self, member):
        return rules.mask_id_number(member.id_number or "")


class HouseholdIncomeResource(BaseModelResource):
    household = household_fk()
    version_household = "household_id"

    class Meta(BaseModelResource.Meta):
        model = HouseholdIncome
        import_id_fields = ["household", "year"]
        fields = (
            "id",
            "household",
            "year",
            "assessed_on",
            "wage_income",
            "production_income",
            "production_cost",
            "property_income",
            "transfer_dibao",
            "transfer_tekun",
            "transfer_pension",
            "transfer_eco",
            "transfer_subsidy",
            "transfer_relief",
            "transfer_other",
            "notes",
        )


class GuaranteeAssessmentResource(BaseModelResource):
    household = household_fk()
    version_household = "household_id"

    class Meta(BaseModelResource.Meta):
        model = GuaranteeAssessment
        import_id_fields = ["household", "assessed_on"]
        fields = (
            "id",
            "household",
            "assessed_on",
            "assessed_by",
            "food_ok",
            "clothing_ok",
            "housing_grade",
            "housing_appraised_on",
            "housing_alternative",
            "water_ok",
            "water_source",
            "notes",
        )
