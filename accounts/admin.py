"""Accounts in the Django admin, with the separation of duties.

The system administrator (系统管理员) manages accounts and gives them roles
(groups), but:

- sees no superuser account (so cannot reset its password or demote it);
- cannot make anyone a superuser nor give a permission outside a role;
- cannot change their own roles or flags (no one grants themselves the
  audit administrator's role);
- cannot change what a role may do: roles are defined in
  ``households/roles.py`` and set again after every ``migrate``.

A superuser may do all of it; every change of a role, permission or flag is
in the audit trail (``audit.signals``).
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, User

SELF_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(is_superuser=False)
        return queryset

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
            if obj is not None and obj.pk == request.user.pk:
                fields += [f for f in SELF_FIELDS if f not in fields]
        return fields


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["name", "permissions"]
