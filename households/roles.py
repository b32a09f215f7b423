"""The business roles, as Django groups with their permissions.

What a user may *do* comes from these groups; which villages they see comes
from their profile (``UserProfile.villages``). ``sync_roles`` runs after
every ``migrate``, so the groups in the database always match this file.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from households.scope import VIEW_ALL

#: The county's steps of monitoring (``monitoring.services.COUNTY``): held by
#: the county administrator only, never by a town's role.
COUNTY_APPROVAL = "monitoring.approve_at_county"

DOMAIN_APPS = ("households", "measures", "rectification", "census", "monitoring")

TOWN_ADMIN = "镇扶贫办管理员"
CADRE = "村干部"
LEADER = "领导"
ENUMERATOR = "普查员"
REVIEWER = "数据审核员"
RESPONSIBLE = "帮扶责任人"
# The county (旗县) above the towns: its leader reads all of its towns, its
# administrator manages them. Which towns or county a user covers comes from
# their profile (``UserProfile.towns`` / ``UserProfile.counties``).
COUNTY_ADMIN = "旗县管理员"
COUNTY_LEADER = "旗县领导"
# The administrators of the system itself (separation of duties): none of
# them sees the registry, and none can do another's work.
SYSTEM_ADMIN = "系统管理员"
SECURITY_ADMIN = "安全管理员"
AUDIT_ADMIN = "审计管理员"

#: The three administrators of the system (三员): none may hold a business role
#: nor another administrator's role.
ADMIN_ROLES = (SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN)
BUSINESS_ROLES = (
    COUNTY_ADMIN,
    COUNTY_LEADER,
    TOWN_ADMIN,
    CADRE,
    LEADER,
    ENUMERATOR,
    REVIEWER,
    RESPONSIBLE,
)
#: The roles that see every village of the towns (or county) their profile names.
WIDE_ROLES = (COUNTY_ADMIN, COUNTY_LEADER, TOWN_ADMIN, LEADER, REVIEWER)
#: Roles only a superuser grants; the accounts holding them only a superuser
#: changes (their roles, flags, password): the system administrator cannot
#: make, nor become, the one who reads the registry or the audit trail.
PROTECTED_ROLES = (COUNTY_ADMIN, TOWN_ADMIN, *ADMIN_ROLES)
#: The roles whose work is in the Django admin: only their accounts may be staff.
STAFF_ROLES = (COUNTY_ADMIN, TOWN_ADMIN, SYSTEM_ADMIN, SECURITY_ADMIN)

ROLE_ERROR_ADMIN_AND_BUSINESS = _("“{admin}”不能与业务角色(“{business}”)由同一账号担任(三员分立)")
ROLE_ERROR_TWO_ADMINS = _("“{first}”与“{second}”不能由同一账号担任(三员分立)")
ROLE_ERROR_PROFILE = _("不能修改本人账号或受保护角色账号的村范围(只有超级管理员可以)")
ROLE_ERROR_STAFF = _("只有旗县管理员、镇扶贫办管理员、系统管理员和安全管理员的账号可以登录管理后台")


def role_conflict(names) -> str | None:
    """Why one account may not hold these roles together (in Chinese), or None."""
    names = set(names)
    admins = [role for role in ADMIN_ROLES if role in names]
    if len(admins) > 1:
        return str(ROLE_ERROR_TWO_ADMINS).format(first=admins[0], second=admins[1])
    business = [role for role in BUSINESS_ROLES if role in names]
    if admins and business:
        return str(ROLE_ERROR_ADMIN_AND_BUSINESS).format(admin=admins[0], business=business[0])
    return None


def may_be_staff(names) -> bool:
    """Whether an account holding these roles may open the Django admin."""
    return any(role in STAFF_ROLES for role in names)


ROLE_LABELS = {
    COUNTY_ADMIN: _("旗县管理员:管理本旗县各镇所有数据"),
    COUNTY_LEADER: _("旗县领导:只读查看本旗县各镇"),
    TOWN_ADMIN: _("镇扶贫办管理员:管理全镇所有数据"),
    CADRE: _("村干部:查看和编辑本村的户"),
    LEADER: _("领导:只读查看全镇"),
    ENUMERATOR: _("普查员:核查负责村的户"),
    REVIEWER: _("数据审核员:审核全镇核查结果"),
    RESPONSIBLE: _("帮扶责任人:查看自己帮扶的户"),
    SYSTEM_ADMIN: _("系统管理员:在管理后台管理用户账号和角色"),
    SECURITY_ADMIN: _("安全管理员:查看登录记录,解除账号锁定"),
    AUDIT_ADMIN: _("审计管理员:查阅审计记录,不能修改任何数据"),
}

# The registry records a cadre keeps: a cadre adds and changes them (removal
# of a member is a dated leave, not a deletion).
HOUSEHOLD_RECORDS = ("household", "member", "householdincome", "guaranteeassessment")
VIEW_HOUSEHOLD_RECORDS = [
    f"households.view_{m}"
    for m in (*HOUSEHOLD_RECORDS, "householdstatusperiod", "village", "villagergroup")
] + [
    "households.view_naturalvillage",
    "households.view_policyyear",
    "measures.view_measureapplication",
    "measures.view_programme",
    "measures.view_assignment",
    "measures.view_responsibleperson",
    "rectification.view_problem",
]
# Monitoring against return to poverty: what a village's cadre reads.
VIEW_MONITORING = [
    f"monitoring.view_{m}"
    for m in (
        "monitoringcase",
        "caserisk",
        "casestep",
        "monitoringline",
        "rigidexpenditure",
        "departmentwarning",
    )
]
# Census staff read the census organisation and checks of their scope.
VIEW_CENSUS = [
    f"census.view_{m}" for m in ("workinggroup", "groupmember", "censusstaff", "householdcheck")
]

ROLE_PERMISSIONS = {
    CADRE: [
        *VIEW_HOUSEHOLD_RECORDS,
        *(f"households.{action}_{m}" for m in HOUSEHOLD_RECORDS for action in ("add", "change")),
        "households.add_householdstatusperiod",
        "households.reveal_id_number",
        "households.export_households",
        "households.import_ledger",
        # Start the rectification of their village's problems, upload evidence.
        "rectification.rectify_problem",
        # Apply programmes to, and update the measures of, their village's households.
        "measures.add_measureapplication",
        "measures.change_measureapplication",
        # Monitoring of their village: intake, home check, village review and
        # notice, announcement, elimination proposal. The town reviews; the
        # county compares and approves (``monitoring.approve_at_county``, the
        # county administrator's only).
        *VIEW_MONITORING,
        "monitoring.add_monitoringcase",
        "monitoring.work_case",
        "monitoring.add_rigidexpenditure",
        "monitoring.change_rigidexpenditure",
    ],
    LEADER: [VIEW_ALL, "households.export_households"],
    COUNTY_LEADER: [VIEW_ALL, "households.export_households"],
    # Check the households of their villages; export the census base table.
    ENUMERATOR: [
        *VIEW_HOUSEHOLD_RECORDS,
        *VIEW_CENSUS,
        "census.check_household",
        "census.export_census_table",
    ],
    # Approve or send back the checks of the whole town.
    REVIEWER: [
        *VIEW_HOUSEHOLD_RECORDS,
        VIEW_ALL,
        *VIEW_CENSUS,
        "census.review_household",
        "census.export_census_table",
    ],
    # Work on the rectification problems they are responsible for.
    RESPONSIBLE: [
        *VIEW_HOUSEHOLD_RECORDS,
        "rectification.rectify_problem",
        "measures.view_own_households",
        *VIEW_MONITORING,
    ],
    # Accounts (no deletion: an account that leaves is deactivated, so its
    # name stays on what it did), their roles and village scopes.
    SYSTEM_ADMIN: [
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        "households.view_userprofile",
        "households.add_userprofile",
        "households.change_userprofile",
        # The background tasks (queued, running, failed), read only.
        "django_tasks_database.view_dbtaskresult",
    ],
    # Login attempts and lockouts; deleting an attempt unlocks the account.
    SECURITY_ADMIN: [
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
    ],
    AUDIT_ADMIN: ["audit.view_auditentry"],
}


def _permissions(codes):
    query = Q(pk__in=[])
    for code in codes:
        app_label, codename = code.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(query)


def sync_roles(**kwargs) -> None:
    """Create the role groups and set exactly their permissions (idempotent)."""
    # post_migrate reaches households before the apps installed after it
    # (measures, rectification, census): create every app's permissions
    # first, or their groups would silently miss them.
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))
    # Village scopes of accounts are account management: the system
    # administrator's, not the registry's.
    domain = Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS).exclude(
        content_type__model="userprofile"
    )
    # The towns and counties themselves are the county's to set up: a town
    # administrator edits their own town's record, adds no town nor county.
    geography = Q(content_type__model__in=("county", "historicalcounty")) & ~Q(
        codename__startswith="view_"
    ) | Q(codename__in=("add_town", "delete_town"))
    # The county's steps of monitoring (data comparison, approval of an
    # identification and of a risk elimination) are the county's: a town
    # reviews its own cases, it never approves them.
    county_steps = Q(content_type__app_label="monitoring", codename=COUNTY_APPROVAL.split(".")[1])
    readers = (LEADER, COUNTY_LEADER)
    wanted = {
        # Everything of the domain, the county's approval included.
        COUNTY_ADMIN: domain,
        TOWN_ADMIN: domain.exclude(geography).exclude(county_steps),
        # Leaders read everything of the domain and change nothing.
        **{
            role: domain.filter(codename__startswith="view_") | _permissions(ROLE_PERMISSIONS[role])
            for role in readers
        },
        **{
            role: _permissions(codes)
            for role, codes in ROLE_PERMISSIONS.items()
            if role not in readers
        },
    }
    for name, permissions in wanted.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
