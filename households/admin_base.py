"""What every admin page of the registry shares: scope, permissions, audit.

The Django admin is a second way into the registry, so it obeys the rules the
pages obey:

* **Scope.** A registry model's changelist, change pages, exports, history and
  the choices of its foreign keys hold only what the user may see
  (``households.scope``); a superuser sees everything. Each admin names how
  its rows reach a household (``household_path``) or a village
  (``village_path``); reference data (towns, policy years, programmes…) names
  neither and is not scoped.
* **Exports** need the model's view permission (and, for registry data, the
  export permission the site's exports need), are recorded in the audit trail
  like the site's own, and every cell goes through ``households.xlsx.neutralise``
  (no cell can start a formula).
* **Imports** need the model's add *and* change permissions and, for registry
  data, the whole registry in view (an import names households and villages
  by number and name, across villages); models whose rows move through a
  workflow or a checked service (status periods, census checks…) set
  ``import_allowed = False``.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from audit.models import AuditAction
from audit.services import audit_record
from households import scope
from households.xlsx import neutralise

EXPORT_PERMISSION = "households.export_households"


def _scoped_related(model, user):
    """The rows of a related registry model ``user`` may pick, or None if unscoped."""
    from households.models import Household, Member, NaturalVillage, Village, VillagerGroup

    if model is Household:
        return scope.households_visible_to(user)
    if model is Member:
        return Member.objects.filter(household__in=scope.households_visible_to(user).values("pk"))
    if model is Village:
        return scope.villages_visible_to(user)
    if model in (VillagerGroup, NaturalVillage):
        return model.objects.filter(village__in=scope.villages_visible_to(user).values("pk"))
    return None


class SafeHistoryMixin:
    """A history page of an id that cannot be one (``'``, ``abc``) is not found,
    not a server error (django-simple-history filters by it unchecked)."""

    def _valid_object_id(self, object_id) -> None:
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None

    def history_view(self, request, object_id, extra_context=None):
        self._valid_object_id(object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._valid_object_id(object_id)
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )


class RegistryScopeMixin:
    """Scopes querysets and foreign-key choices of an admin (or inline) to the user.

    ``household_path``: the lookup from the model to its household ("" for
    the household itself); ``village_path``: to its village ("" for the
    village itself). Neither: not registry data, not scoped.
    """

    household_path: str | None = None
    village_path: str | None = None
    #: Registry data scoped by ``scope_visible`` (an override) rather than a path.
    registry_data = False

    @property
    def is_registry(self) -> bool:
        return (
            self.registry_data or self.household_path is not None or self.village_path is not None
        )

    def scope_visible(self, queryset, user):
        """The part of ``queryset`` a user who sees only some villages may see."""
        if self.household_path is not None:
            path, source = self.household_path, scope.households_visible_to(user)
        else:
            path, source = self.village_path, scope.villages_visible_to(user)
        lookup = f"{path}__in" if path else "pk__in"
        return queryset.filter(**{lookup: source.values("pk")})

    def scope_queryset(self, queryset, user):
        if user.is_superuser or not self.is_registry:
            return queryset
        if not scope.reads_registry(user):
            return queryset.none()
        if scope.sees_every_town(user):
            return queryset
        return self.scope_visible(queryset, user)

    def get_queryset(self, request):
        return self.scope_queryset(super().get_queryset(request), request.user)

    def history_view(self, request, object_id, extra_context=None):
        # The permission first, as the change page does: who may not read the
        # model is refused, not told whether the object exists.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context=extra_context)

    def _limit_choices(self, db_field, request, kwargs):
        user = request.user
        if scope.sees_every_town(user):
            return
        allowed = _scoped_related(db_field.related_model, user)
        if allowed is not None:
            kwargs["queryset"] = allowed

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedInline(RegistryScopeMixin, admin.TabularInline):
    """A tabular inline whose rows and choices are scoped like its parent."""


class ScopedStackedInline(RegistryScopeMixin, admin.StackedInline):
    """A stacked inline whose rows and choices are scoped like its parent."""


class HistoryImportExportAdmin(
    SafeHistoryMixin, RegistryScopeMixin, ImportExportModelAdmin, SimpleHistoryAdmin
):
    """Import/export buttons on the changelist, change history on each object.

    The MRO is the scope mixin → ``ImportExportModelAdmin`` → its mixins →
    ``SimpleHistoryAdmin`` → ``ModelAdmin``: the import-export mixins replace
    the changelist template (adding the 导入/导出 buttons on top of Django's
    own ``admin/change_list.html``) and add their URLs through ``super()``;
    simple-history adds the history views and URLs and records the request's
    user in ``save_model``. Neither overrides what the other one uses.
    """

    #: False for models whose rows change only through a checked service.
    import_allowed = True

    # ------------------------------------------------------------------
    # Permissions
    # ------------------------------------------------------------------

    def has_export_permission(self, request):
        if not self.has_view_permission(request):
            return False
        return not self.is_registry or request.user.has_perm(EXPORT_PERMISSION)

    def has_import_permission(self, request):
        if not self.import_allowed:
            return False
        user, opts = request.user, self.opts
        for action in ("add", "change"):
            if not user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}"):
                return False
        # Rows of an import name villages and households across the scope,
        # unchecked: registry data is imported by a superuser only (the
        # towns' staff import their ledgers through the ledger import).
        return not self.is_registry or scope.sees_every_town(user)

    # ------------------------------------------------------------------
    # History: in scope, and read only
    # ------------------------------------------------------------------

    def _check_history_scope(self, request, object_id):
        """django-simple-history finds a history by id, past ``get_queryset``
        (a deleted object's too): only what the user may see is shown."""
        user = request.user
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if not self.is_registry or scope.sees_every_town(user):
            return
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._check_history_scope(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A past version is shown, never saved back: a "revert" would write
        # past the services and checks (a status, a member's leave...).
        if request.method != "GET":
            raise PermissionDenied
        self._check_history_scope(request, object_id)
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )

    # ------------------------------------------------------------------
    # Exports: neutralised cells, one audit entry each
    # ------------------------------------------------------------------

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        for index, row in enumerate(list(dataset)):
            cleaned = [neutralise(value) for value in row]
            if cleaned != list(row):
                dataset[index] = cleaned
        return dataset

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        audit_record(
            action=AuditAction.EXPORT,
            user=request.user,
            object_type=self.opts.label_lower,
            object_label=_("管理后台导出:%(model)s") % {"model": self.opts.verbose_name_plural},
            detail={
                "view": f"admin:{self.opts.app_label}_{self.opts.model_name}_export",
                "format": file_format.get_title(),
                "filter": request.GET.dict(),
            },
            count=queryset.count(),
            request=request,
        )
        return data
