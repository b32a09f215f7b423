"""What writes the audit trail by itself: logins and logouts, failed and
locked-out logins, every single create/update/delete of a model with a
change history, accounts, roles and permissions.

Bulk writes (ledger imports, bulk measures) bypass these receivers on
purpose: their services write one entry with the count.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from audit.models import AuditAction
from audit.services import audit_record

User = get_user_model()

HISTORY_ACTIONS = {"+": AuditAction.CREATE, "~": AuditAction.UPDATE, "-": AuditAction.DELETE}
#: The flags of an account that are a grant of power: a change is a permission change.
USER_FLAGS = ("is_superuser", "is_staff", "is_active")
#: Written at every login by Django itself: the login entry says it already.
USER_QUIET_FIELDS = {"last_login"}


# --------------------------------------------------------------------------
# Logins
# --------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="audit.login")
def on_login(sender, request, user, **kwargs):
    audit_record(action=AuditAction.LOGIN, user=user, obj=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit.logout")
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, user=user, obj=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit.login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    # The attempt is anonymous: the name typed is recorded, not an account.
    username = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        username=username,
        object_type=User._meta.label_lower,
        object_label=username,
        detail={"path": getattr(request, "path", "")},
        request=request,
    )


@receiver(user_locked_out, dispatch_uid="audit.locked_out")
def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    audit_record(
        action=AuditAction.LOCKED_OUT,
        username=str(username or ""),
        object_type=User._meta.label_lower,
        object_label=str(username or ""),
        request=request,
    )


# --------------------------------------------------------------------------
# Single writes of models with a change history
# --------------------------------------------------------------------------


@receiver(post_create_historical_record, dispatch_uid="audit.history")
def on_history_record(sender, instance, history_instance, history_user=None, **kwargs):
    action = HISTORY_ACTIONS[history_instance.history_type]
    detail = {"history_id": history_instance.pk}
    reason = history_instance.history_change_reason
    if reason:
        detail["reason"] = reason
    if action == AuditAction.UPDATE:
        previous = history_instance.prev_record
        if previous is not None:
            # Field names only: the values stay in the change history, where
            # ID numbers are masked when shown.
            detail["fields"] = sorted(history_instance.diff_against(previous).changed_fields)
    audit_record(action=action, user=history_user, obj=instance, detail=detail)


# --------------------------------------------------------------------------
# Accounts, roles and permissions
# --------------------------------------------------------------------------


@receiver(pre_save, sender=User, dispatch_uid="audit.user_before")
def remember_user_before(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and set(update_fields) <= USER_QUIET_FIELDS:
        return
    instance._audit_before = User.objects.filter(pk=instance.pk).values(*_user_fields()).first()


@receiver(post_save, sender=User, dispatch_uid="audit.user_saved")
def on_user_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if created:
        audit_record(
            action=AuditAction.CREATE,
            obj=instance,
            detail={flag: getattr(instance, flag) for flag in USER_FLAGS},
        )
        return
    before = instance.__dict__.pop("_audit_before", None)
    if not before:
        return
    changed = sorted(
        name for name, old in before.items() if getattr(instance, _attname(name)) != old
    )
    flags = {
        flag: [before[flag], getattr(instance, flag)] for flag in USER_FLAGS if flag in changed
    }
    if flags:
        audit_record(action=AuditAction.PERMISSION, obj=instance, detail={"flags": flags})
    others = [name for name in changed if name not in USER_FLAGS]
    if others:
        audit_record(action=AuditAction.UPDATE, obj=instance, detail={"fields": others})


def _user_fields() -> list[str]:
    return [
        f.name
        for f in User._meta.concrete_fields
        if f.name not in USER_QUIET_FIELDS and not f.primary_key
    ]


def _attname(name: str) -> str:
    return User._meta.get_field(name).attname


@receiver(post_delete, sender=User, dispatch_uid="audit.user_deleted")
def on_user_deleted(sender, instance, **kwargs):
    audit_record(action=AuditAction.DELETE, obj=instance)


@receiver(post_save, sender=Group, dispatch_uid="audit.group_saved")
def on_group_saved(sender, instance, created, raw=False, **kwargs):
    if not raw:
        audit_record(action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=instance)


@receiver(post_delete, sender=Group, dispatch_uid="audit.group_deleted")
def on_group_deleted(sender, instance, **kwargs):
    audit_record(action=AuditAction.DELETE, obj=instance)


PERMISSION_RELATIONS = {
    User.groups.through: "groups",
    User.user_permissions.through: "user_permissions",
    Group.permissions.through: "permissions",
}


def _names(model, pks) -> list[str]:
    if model is Permission:
        rows = Permission.objects.filter(pk__in=pks).values_list(
            "content_type__app_label", "codename"
        )
        return sorted(f"{app}.{codename}" for app, codename in rows)
    if model is User:
        return sorted(User.objects.filter(pk__in=pks).values_list("username", flat=True))
    return sorted(model.objects.filter(pk__in=pks).values_list("name", flat=True))


@receiver(m2m_changed, dispatch_uid="audit.permissions")
def on_permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    relation = PERMISSION_RELATIONS.get(sender)
    if relation is None:
        return
    if action == "pre_clear":
        # What is about to go: post_clear no longer knows.
        related = getattr(instance, _accessor(sender, reverse))
        instance._audit_cleared = _names(model, related.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_clear":
        names = instance.__dict__.pop("_audit_cleared", [])
    else:
        names = _names(model, pk_set or ())
    if not names:
        return
    audit_record(
        action=AuditAction.PERMISSION,
        obj=instance,
        detail={
            "relation": relation,
            "operation": action.removeprefix("post_"),
            "items": names,
        },
        count=len(names),
    )


def _accessor(through, reverse: bool) -> str:
    """The attribute of the instance that holds the relation ``through`` stands for."""
    if through is Group.permissions.through:
        return "group_set" if reverse else "permissions"
    if through is User.groups.through:
        return "user_set" if reverse else "groups"
    return "user_set" if reverse else "user_permissions"
