"""The demo logins: one per role."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count

from demo.base import load_fixture
from households import roles
from households.models import County, Town, UserProfile, Village
from measures.models import ResponsiblePerson
from rectification.models import Problem, ProblemStatus

#: Demo logins: username → (role group, villages in scope, full name).
DEMO_USERS = {
    "admin": (roles.TOWN_ADMIN, [], "镇扶贫办管理员"),
    "cadre": (roles.CADRE, ["学田地村"], "学田地村村干部"),
    "cadre2": (roles.CADRE, ["点力村"], "点力村村干部"),
    "leader": (roles.LEADER, [], "镇领导"),
    "enumerator": (roles.ENUMERATOR, ["学田地村"], "学田地村普查员"),
    "reviewer": (roles.REVIEWER, [], "镇数据审核员"),
    "helper": (roles.RESPONSIBLE, [], "帮扶责任人"),
    # The county above the town: its leader reads, its administrator manages.
    "countyleader": (roles.COUNTY_LEADER, [], "旗领导"),
    "countyadmin": (roles.COUNTY_ADMIN, [], "旗扶贫办管理员"),
    # The administrators of the system itself (separation of duties).
    "sysadmin": (roles.SYSTEM_ADMIN, [], "系统管理员"),
    "secadmin": (roles.SECURITY_ADMIN, [], "安全管理员"),
    "auditor": (roles.AUDIT_ADMIN, [], "审计管理员"),
}
#: Roles that work in the Django admin (registry data; users and roles; login attempts).
ADMIN_SITE_ROLES = roles.STAFF_ROLES


def ensure_demo_users(*, password: str | None) -> list[tuple[str, str]]:
    """Create one login per role (idempotent); returns (username, role) pairs.

    ``password=None`` creates the accounts without a usable password (the
    demo's build does, for the people who took its monitoring steps); a later
    call with a password gives it to such accounts, never changing one set.

    The town administrator works in the admin site too (staff), scoped and
    permissioned like everyone else: no demo login is a superuser (separation
    of duties; a deployment's superuser comes from ``createsuperuser``). The
    responsible person is linked to the person with the most households.
    """
    User = get_user_model()
    created = []
    # The demo town's logins cover the demo town; on a database holding one
    # other town (a test's), that town.
    towns = list(Town.objects.filter(name=load_fixture()["town"]["name"]))
    if not towns:
        towns = list(Town.objects.all()[:2])
        towns = towns if len(towns) == 1 else []
    for username, (role, village_names, full_name) in DEMO_USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                password=password,
                first_name=full_name,
                is_staff=role in ADMIN_SITE_ROLES,
            )
        elif password is not None and not user.has_usable_password():
            # Created by the demo's build (the actors of its monitoring steps).
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
        profile, _ = UserProfile.objects.get_or_create(user=user)
        profile.villages.set(Village.objects.filter(name__in=village_names))
        # Town-wide roles cover the demo town, county roles its county.
        if role in (roles.COUNTY_ADMIN, roles.COUNTY_LEADER):
            profile.counties.set(County.objects.filter(towns__in=towns).distinct())
        elif role in roles.WIDE_ROLES:
            profile.towns.set(towns)
        if role == roles.RESPONSIBLE and not hasattr(user, "responsible_person"):
            person = (
                ResponsiblePerson.objects.filter(user__isnull=True, position="干部")
                .annotate(n=Count("assignments"))
                .order_by("-n", "pk")
                .first()
            )
            if person:
                person.user = user
                person.save(update_fields=["user"])
        created.append((username, role))
    # The town office verified and closed the demo's finished problems.
    closer = User.objects.filter(username="admin").first()
    if closer is not None:
        Problem.objects.filter(status=ProblemStatus.DONE, closed_by__isnull=True).update(
            closed_by=closer
        )
    return created
