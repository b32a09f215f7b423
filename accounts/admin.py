"""Accounts in the Django admin, with the separation of duties (三员分立).

The system administrator (系统管理员) manages accounts and gives them roles
(groups) and village scopes, but:

- sees no superuser account (so cannot reset its password or demote it);
- cannot make anyone a superuser nor give a permission outside a role;
- cannot change their own account or village scope (no one grants
  themselves a role, a village or the audit administrator's duties);
- cannot grant the protected roles (镇扶贫办管理员, 系统管理员, 安全管理员,
  审计管理员), nor change an account that holds one — its roles, flags or
  password: only a superuser can;
- cannot change what a role may do: roles are defined in
  ``households/roles.py`` and set again after every ``migrate``.

Whoever edits, one account never holds two administrators' roles, nor an
administrator's role with a business role; only the accounts whose work is in
the admin (town administrator, system and security administrators) may be
staff. A superuser may do everything else; every change of a role,
permission or flag is in the audit trail (``audit.signals``).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from households import roles
from households.admin_base import SafeHistoryMixin
from households.models import UserProfile

SELF_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


def role_names(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True)) if user.pk else set()


def may_manage(request_user, account) -> bool:
    """Whether ``request_user`` may change ``account`` (its roles, flags, password, scope)."""
    if request_user.is_superuser:
        return True
    if account is None:
        return True
    if account.pk == request_user.pk or account.is_superuser:
        return False
    return not (role_names(account) & set(roles.PROTECTED_ROLES))


class AccountForm(UserChangeForm):
    """The change form of an account: the role rules hold whoever submits it."""

    def clean(self):
        cleaned = super().clean()
        groups = cleaned.get("groups")
        names = (
            {group.name for group in groups} if groups is not None else role_names(self.instance)
        )
        conflict = roles.role_conflict(names)
        if conflict:
            self.add_error("groups" if "groups" in self.fields else None, conflict)
        is_staff = cleaned.get("is_staff", self.instance.is_staff)
        is_superuser = cleaned.get("is_superuser", self.instance.is_superuser)
        if is_staff and not is_superuser and not roles.may_be_staff(names):
            field = "is_staff" if "is_staff" in self.fields else None
            self.add_error(field, roles.ROLE_ERROR_STAFF)
        return cleaned


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AccountForm

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(is_superuser=False)
        return queryset

    def has_change_permission(self, request, obj=None):
        # Also what the password reset page (user_change_password) asks.
        if not super().has_change_permission(request, obj):
            return False
        return may_manage(request.user, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
            if obj is not None and not may_manage(request.user, obj):
                fields += [f for f in SELF_FIELDS if f not in fields]
        return fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.exclude(name__in=roles.PROTECTED_ROLES)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["name", "permissions"]


class ProfileForm(forms.ModelForm):
    request_user = None

    def clean_user(self):
        user = self.cleaned_data["user"]
        if self.request_user is not None and not may_manage(self.request_user, user):
            raise forms.ValidationError(roles.ROLE_ERROR_PROFILE)
        return user


@admin.register(UserProfile)
class UserProfileAdmin(SafeHistoryMixin, SimpleHistoryAdmin):
    """Village scopes of accounts, under the same rule as the accounts themselves:
    the system administrator sets them, but not on their own account nor on an
    account with a protected role."""

    form = ProfileForm
    list_display = ["user", "village_names", "phone"]
    search_fields = ["user__username", "user__first_name"]
    filter_horizontal = ["villages"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user").prefetch_related("villages")

    @admin.display(description=_("负责的村"))
    def village_names(self, profile):
        return "、".join(v.name for v in profile.villages.all())

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or may_manage(request.user, obj.user)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or may_manage(request.user, obj.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form


# The background tasks' pages (the system administrator's).
from accounts import tasks_admin  # noqa: E402, F401
