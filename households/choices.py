"""Enumerations of the household domain.

They live apart from the models so that the pure rules in ``households.rules``
can use them without touching the database. Values of national-registry codes
are the registry's own codes, so Excel round trips keep them verbatim.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PoorVillageKind(models.TextChoices):
    NOT_POOR = "none", _("非贫困村")
    KEY = "key", _("重点贫困村")
    DEEP = "deep", _("深度贫困村")


class IdentificationKind(models.TextChoices):
    KEPT = "kept", _("保留户")
    NEW = "new", _("新识别户")


class HouseholdAttribute(models.TextChoices):
    """The household's attribute, independent of whether it has been lifted.

    The national registry folds attribute and poverty status into one code
    (01–08); ``households.rules.registry_attribute_code`` derives that code.
    """

    GENERAL = "general", _("一般贫困户")
    DIBAO = "dibao", _("低保贫困户")
    TEKUN = "tekun", _("特困供养(五保)贫困户")
    DIBAO_TEKUN = "dibao_tekun", _("低保特困供养贫困户")


class DibaoClass(models.TextChoices):
    A = "A", "A类"
    B = "B", "B类"
    C1 = "C1", "C1类"
    C2 = "C2", "C2类"


class TekunKind(models.TextChoices):
    DISPERSED = "dispersed", _("分散供养")
    CONCENTRATED = "concentrated", _("集中供养")


class PovertyCause(models.TextChoices):
    ILLNESS = "illness", _("因病")
    DISABILITY = "disability", _("因残")
    SCHOOLING = "schooling", _("因学")
    DISASTER = "disaster", _("因灾")
    LACK_LABOUR = "lack_labour", _("缺劳力")
    LACK_SKILLS = "lack_skills", _("缺技术")
    LACK_FUNDS = "lack_funds", _("缺资金")
    LACK_LAND = "lack_land", _("缺土地")
    LACK_WATER = "lack_water", _("缺水")
    TRANSPORT = "transport", _("交通条件落后")
    LOW_MOTIVATION = "low_motivation", _("自身发展动力不足")
    OTHER = "other", _("其他")


class PovertyStatus(models.TextChoices):
    """Status of a registered household over a period of time.

    The numeric values are the national registry's codes; the two removal
    kinds end the household's registration (it no longer counts as poor).
    """

    NOT_LIFTED = "0", _("未脱贫")
    LIFTED = "1", _("已脱贫(享受政策)")
    RETURNED = "3", _("返贫")
    STABLE = "4", _("已脱贫(不再享受政策)")
    REMOVED_NATURAL = "natural", _("自然减少")
    REMOVED_CLEARED = "cleared", _("清退")


#: Statuses in which a household is still a registered poor household.
REGISTERED_STATUSES = (
    PovertyStatus.NOT_LIFTED,
    PovertyStatus.LIFTED,
    PovertyStatus.RETURNED,
    PovertyStatus.STABLE,
)
#: Statuses of households not (or no longer) lifted: they make the incidence.
POOR_STATUSES = (PovertyStatus.NOT_LIFTED, PovertyStatus.RETURNED)
#: Statuses of households whose members still enjoy the assistance policies.
ENJOYING_POLICY_STATUSES = (
    PovertyStatus.NOT_LIFTED,
    PovertyStatus.LIFTED,
    PovertyStatus.RETURNED,
)
LIFTED_STATUSES = (PovertyStatus.LIFTED, PovertyStatus.STABLE)


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    GRANDCHILD = "grandchild", _("孙子女/外孙子女")
    PARENT = "parent", _("父母")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    CHRONIC = "chronic", _("长期慢性病")
    SERIOUS = "serious", _("患有大病")
    DISABLED = "disabled", _("残疾")


class DisabilityKind(models.TextChoices):
    PHYSICAL = "physical", _("肢体残疾")
    VISUAL = "visual", _("视力残疾")
    HEARING = "hearing", _("听力残疾")
    SPEECH = "speech", _("言语残疾")
    INTELLECTUAL = "intellectual", _("智力残疾")
    MENTAL = "mental", _("精神残疾")
    MULTIPLE = "multiple", _("多重残疾")


class DisabilityGrade(models.IntegerChoices):
    GRADE_1 = 1, _("一级")
    GRADE_2 = 2, _("二级")
    GRADE_3 = 3, _("三级")
    GRADE_4 = 4, _("四级")


class Labour(models.TextChoices):
    ORDINARY = "ordinary", _("普通劳动力")
    SKILLED = "skilled", _("技能劳动力")
    WEAK = "weak", _("弱劳动力或半劳动力")
    LOST = "lost", _("丧失劳动力")
    NONE = "none", _("无劳动力")


class EducationLevel(models.TextChoices):
    """Highest level reached, or the level currently attended by a student."""

    PRESCHOOL = "preschool", _("学龄前")
    ILLITERATE = "illiterate", _("文盲或半文盲")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("普通高中")
    VOCATIONAL = "vocational", _("中职")
    COLLEGE = "college", _("大专及以上")


class SchoolStatus(models.TextChoices):
    NOT_STUDENT = "not_student", _("非在校生")
    IN_SCHOOL = "in_school", _("在校生")
    DROPPED_OUT = "dropped_out", _("辍学")
    HOME_TAUGHT = "home_taught", _("送教上门")
    CERTIFIED_UNABLE = "certified_unable", _("经认定无法就学")


class MedicalInsurance(models.TextChoices):
    RESIDENT = "resident", _("城乡居民基本医疗保险")
    EMPLOYEE = "employee", _("职工基本医疗保险")
    NEWBORN_PENDING = "newborn_pending", _("新生儿正在办理")
    SOLDIER = "soldier", _("现役军人")
    NONE = "none", _("未参保")


#: Insurance states the basic-medical guarantee accepts (census rule).
MEDICAL_INSURANCE_OK = (
    MedicalInsurance.RESIDENT,
    MedicalInsurance.EMPLOYEE,
    MedicalInsurance.NEWBORN_PENDING,
    MedicalInsurance.SOLDIER,
)


class JoinReason(models.TextChoices):
    IDENTIFIED = "identified", _("识别建档")
    BIRTH = "birth", _("出生")
    MARRIAGE_IN = "marriage_in", _("婚入")
    MOVE_IN = "move_in", _("迁入")
    OTHER = "other", _("其他")


class LeaveReason(models.TextChoices):
    DEATH = "death", _("死亡")
    MARRIAGE_OUT = "marriage_out", _("婚出")
    MOVE_OUT = "move_out", _("迁出")
    SEPARATE_HOUSEHOLD = "separate", _("分户")
    CLEARED = "cleared", _("清退")
    OTHER = "other", _("其他")


class HousingGrade(models.TextChoices):
    """Appraisal of the house's safety (住房安全性等级鉴定)."""

    A = "A", _("A级(安全)")
    B = "B", _("B级(基本安全)")
    C = "C", _("C级(局部危房)")
    D = "D", _("D级(整栋危房)")


SAFE_HOUSING_GRADES = (HousingGrade.A, HousingGrade.B)


class HousingAlternative(models.TextChoices):
    """A way other than renovation in which an unsafe house stops mattering.

    A completed 危房改造 is not recorded here: it is the completion of the
    household's housing measure (``measures``), the one place it is kept.
    """

    NONE = "none", _("无")
    RELOCATION = "relocation", _("易地扶贫搬迁")
    OTHER_SAFE = "other_safe", _("其他方式保障(投亲/租住安全住房)")


class RenovationKind(models.TextChoices):
    REPAIR = "repair", _("修缮加固")
    REPLACEMENT = "replacement", _("置换")
    NEW_BUILD = "new_build", _("新建")
