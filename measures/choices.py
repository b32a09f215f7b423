"""Enumerations of the assistance measures.

They live apart from the models so that the pure rules in ``measures.rules``
use them without touching the database; ``measures.models`` re-exports them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    HOUSING = "housing", _("住房安全")
    MEDICAL = "medical", _("基本医疗")
    EDUCATION = "education", _("教育")
    WATER = "water", _("饮水安全")
    INDUSTRY = "industry", _("产业")
    EMPLOYMENT = "employment", _("就业")
    FINANCE = "finance", _("金融")
    SOCIAL_SECURITY = "social_security", _("兜底保障")
    CIVIL_RELIEF = "civil_relief", _("民政救助")
    OTHER = "other", _("其他")


class Kind(models.TextChoices):
    """Finer kind of programme, where reports count them separately."""

    GENERAL = "general", _("一般")
    RENOVATION = "renovation", _("危房改造")
    RELOCATION = "relocation", _("易地扶贫搬迁")
    ENTERPRISE_LINKAGE = "enterprise_linkage", _("农企利益联结")
    MENU_SUBSIDY = "menu_subsidy", _("菜单式奖补")
    COLLECTIVE_DIVIDEND = "collective_dividend", _("集体经济分红")
    PHOTOVOLTAIC = "photovoltaic", _("光伏收益")
    PUBLIC_WELFARE_POST = "public_post", _("公益岗位")
    MICROCREDIT = "microcredit", _("扶贫小额信贷")
    INSURANCE_SUBSIDY = "insurance_subsidy", _("医疗保险补贴")
    COMMERCIAL_INSURANCE = "commercial_insurance", _("商业补充保险")
    MEDICINE_DELIVERY = "medicine_delivery", _("上门送药")
    DISABILITY_SUBSIDY = "disability_subsidy", _("残疾人补贴")
    STUDENT_SUBSIDY = "student_subsidy", _("学生生活补助")
    DIBAO_UPGRADE = "dibao_upgrade", _("低保提标")
    RELIEF = "relief", _("临时救助")


class Unit(models.TextChoices):
    PER_HOUSEHOLD = "household", _("每户")
    PER_PERSON = "person", _("每人")
    PER_DAY = "day", _("每人每天")
    PER_POST_YEAR = "post_year", _("每岗每年")
    LUMP_SUM = "lump", _("按实际金额")


class Target(models.TextChoices):
    HOUSEHOLD = "household", _("到户")
    PERSON = "person", _("到人")


class ApplicationStatus(models.TextChoices):
    PLANNED = "planned", _("计划")
    IN_PROGRESS = "in_progress", _("实施中")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已取消")


#: Measures that have not landed yet: their income is still to come.
PENDING_STATUSES = (ApplicationStatus.PLANNED, ApplicationStatus.IN_PROGRESS)
#: Every status but cancelled: the applications that count in any total.
LIVE_STATUSES = (*PENDING_STATUSES, ApplicationStatus.COMPLETED)
