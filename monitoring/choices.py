"""Enumerations of monitoring against return to poverty (防止返贫动态监测).

Apart from the models so that the pure rules (``monitoring.rules``) use them
without the database.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """The three kinds of monitoring object (监测对象)."""

    UNSTABLE = "unstable", _("脱贫不稳定户")
    EDGE = "edge", _("边缘易致贫户")
    SUDDEN = "sudden", _("突发严重困难户")


class RiskType(models.TextChoices):
    ILLNESS = "illness", _("因病")
    DISABILITY = "disability", _("因残")
    SCHOOLING = "schooling", _("因学")
    DISASTER = "disaster", _("因灾")
    ACCIDENT = "accident", _("因意外事故")
    UNSTABLE_JOB = "unstable_job", _("因务工就业不稳")
    INDUSTRY_FAILURE = "industry_failure", _("因产业项目失败")
    LACK_LABOUR = "lack_labour", _("缺劳动力")
    HOUSING = "housing", _("住房安全")
    WATER = "water", _("饮水安全")
    OTHER = "other", _("其他")


#: Risks that open the fast track (绿色通道): help first, procedure after.
FAST_TRACK_RISKS = (RiskType.DISASTER, RiskType.ACCIDENT)


class Channel(models.TextChoices):
    """How a case was found."""

    SELF_REPORT = "self_report", _("农户自主申报")
    VISIT = "visit", _("乡村干部走访排查")
    DEPARTMENT = "department", _("部门筛查预警")


class SelfReportKind(models.TextChoices):
    PAPER = "paper", _("纸质申请")
    APP = "app", _("手机应用申报")
    HOTLINE = "hotline", _("12317热线")
    QR = "qr", _("扫码申报")


class Department(models.TextChoices):
    """Departments that send warning lists of ID numbers."""

    MEDICAL_INSURANCE = "medical_insurance", _("医保部门")
    HEALTH = "health", _("卫生健康部门")
    EDUCATION = "education", _("教育部门")
    CIVIL_AFFAIRS = "civil_affairs", _("民政部门")
    DISABLED = "disabled", _("残疾人联合会")
    HOUSING = "housing", _("住房和城乡建设部门")
    HUMAN_RESOURCES = "human_resources", _("人力资源和社会保障部门")
    EMERGENCY = "emergency", _("应急管理部门")
    OTHER = "other", _("其他部门")


class CaseState(models.TextChoices):
    """Where a case stands: identification's seven steps, then elimination's.

    Each step of ``StepKind`` moves a case from one state to the next
    (``monitoring.services.TRANSITIONS``).
    """

    INTAKE = "intake", _("待入户核实")
    HOME_CHECKED = "home_checked", _("待县级数据比对")
    COMPARED = "compared", _("待村级民主评议")
    NOTICE = "notice", _("评议公示中")
    TOWN_REVIEWED = "town_reviewed", _("乡镇已审核,待县级审批")
    APPROVED = "approved", _("县级已审批,待公告")
    ANNOUNCED = "announced", _("已公告,待录入系统")
    MONITORED = "monitored", _("监测帮扶中")
    ELIMINATION_NOTICE = "elimination_notice", _("风险消除评议公示中")
    ELIMINATION_TOWN_REVIEWED = "elimination_town", _("风险消除乡镇已审核,待县级审批")
    ELIMINATION_APPROVED = "elimination_approved", _("风险消除县级已审批,待公告")
    ELIMINATED = "eliminated", _("已消除风险")
    REJECTED = "rejected", _("未纳入监测")


#: States of cases still being identified (before entry into the national system).
IDENTIFICATION_STATES = (
    CaseState.INTAKE,
    CaseState.HOME_CHECKED,
    CaseState.COMPARED,
    CaseState.NOTICE,
    CaseState.TOWN_REVIEWED,
    CaseState.APPROVED,
    CaseState.ANNOUNCED,
)
#: States of cases whose risk elimination is in procedure.
ELIMINATION_STATES = (
    CaseState.ELIMINATION_NOTICE,
    CaseState.ELIMINATION_TOWN_REVIEWED,
    CaseState.ELIMINATION_APPROVED,
)
#: Closed cases: a household has at most one case in any other state.
CLOSED_STATES = (CaseState.ELIMINATED, CaseState.REJECTED)
#: Cases whose household is a monitoring object (helped and watched).
MONITORED_STATES = (CaseState.MONITORED, *ELIMINATION_STATES)


class StepKind(models.TextChoices):
    # Identification (识别), in order.
    HOME_CHECK = "home_check", _("入户核实(排查表、签字承诺授权书)")
    DATA_COMPARISON = "data_comparison", _("县级部门数据比对")
    VILLAGE_REVIEW = "village_review", _("村级民主评议并公示")
    TOWN_REVIEW = "town_review", _("乡镇审核")
    COUNTY_APPROVAL = "county_approval", _("县级审批")
    ANNOUNCEMENT = "announcement", _("公告")
    SYSTEM_ENTRY = "system_entry", _("录入全国防返贫监测信息系统")
    REJECTION = "rejection", _("不予纳入监测")
    # Risk elimination (风险消除), in order.
    ELIMINATION_REVIEW = "elimination_review", _("风险消除村级评议并公示")
    ELIMINATION_TOWN_REVIEW = "elimination_town", _("风险消除乡镇审核")
    ELIMINATION_COUNTY_APPROVAL = "elimination_county", _("风险消除县级审批")
    ELIMINATION_ANNOUNCEMENT = "elimination_announcement", _("风险消除公告并在系统中标注")
    ELIMINATION_RETURN = "elimination_return", _("风险消除未通过,继续监测")
