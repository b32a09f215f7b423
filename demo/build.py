"""Build the demo town of ``fixtures/demo_town.json`` deterministically.

The report (mid-2020) gives town totals and the 15 households not yet lifted;
everything else is generated from a fixed random seed so that the totals
come out exactly as reported when they are *counted* from the rows: 1,347
households / 2,829 persons on 2020-05-31, the medical subsidy to the 2,651
persons still enjoying policies, 197 students by level, and so on. Nothing
here stores a total; ``tests/households/test_demo.py`` counts them.

Names are pseudonyms. Where the report gives no amount (renovation subsidies,
disability subsidies, loans), the amounts are illustrative.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.utils import timezone
from simple_history.manager import HistoryManager
from simple_history.utils import bulk_create_with_history

from census.models import CensusStaff, GroupMember, WorkingGroup
from households import roles, rules
from households.choices import (
    ENJOYING_POLICY_STATUSES,
    DisabilityKind,
    EducationLevel,
    Health,
    HouseholdAttribute,
    HousingAlternative,
    HousingGrade,
    IdentificationKind,
    JoinReason,
    Labour,
    LeaveReason,
    MedicalInsurance,
    PovertyCause,
    PovertyStatus,
    Relation,
    SchoolStatus,
    Sex,
)
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
    UserProfile,
    Village,
    VillagePopulation,
    VillagerGroup,
)
from measures.models import (
    ApplicationStatus,
    Assignment,
    CollectiveIncome,
    Kind,
    MeasureApplication,
    Programme,
    ProjectIncome,
    ResponsiblePerson,
    Target,
    VillageProject,
)
from rectification.models import Evidence, InspectionRound, Problem, ProblemStatus

DEMO_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "demo_town.json"
SEED = 20200531
DOMAIN_APPS = ("households", "measures", "rectification", "census")
D = Decimal

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"  # noqa: E501
GIVEN_MALE = "永福德旺守业长青建国有田宝山志强万财福来国庆立新振华海军文明玉林俊杰春生秋生东升满仓富贵存厚正海"  # noqa: E501
GIVEN_FEMALE = "桂兰玉梅金花秀英凤英淑珍桂芝翠花丽娟红梅秀兰春梅海燕晓燕美玲小红艳芳丽华冬梅"

# Report figures (section numbers of the report in comments).
LIFTED = {"households": 1260, "persons": 2624}  # 正常脱贫 (二)
STABLE = {"households": 72, "persons": 178}  # 稳定脱贫 (二)
DIBAO = {"households": 944, "persons": 1716}  # 社会保障兜底 (8)
TEKUN_PERSONS = 44
STUDENTS = {  # 教育扶贫 (3), spring 2020
    EducationLevel.PRIMARY: 71,
    EducationLevel.JUNIOR: 51,
    EducationLevel.SENIOR: 31,
    EducationLevel.VOCATIONAL: 27,
    EducationLevel.COLLEGE: 17,
}
STUDENT_AGES = {
    EducationLevel.PRIMARY: (7, 12),
    EducationLevel.JUNIOR: (13, 15),
    EducationLevel.SENIOR: (16, 18),
    EducationLevel.VOCATIONAL: (16, 19),
    EducationLevel.COLLEGE: (19, 22),
}
SEVERE_DISABILITY = 110  # 重度残疾人护理补贴
OTHER_DISABILITY = 183  # 其他残疾人事业补贴
MEDICINE_DELIVERY = 123  # 上门送药
RENOVATIONS = {"repair": 11, "replacement": 1, "new_build": 79}  # 住房安全 (1)
RENOVATIONS_COMPLETED = 77
POSTS = {"国家级生态护林员": 36, "旗级生态护林员": 7, "保洁员": 114}  # 就业扶贫 (6)
LOANS = {"eligible": 402, "granted": 370}  # 金融扶贫 (7)
LINKAGES = {"福乐养鸡厂利益联结": 72, "永富肉牛养殖厂利益联结": 96, "阴山优麦食品有限公司带动": 184}
PV_HOUSEHOLDS = 134
MENU_SUBSIDY_TOTAL = D("592390")
MENU_SUBSIDY_HOUSEHOLDS = 300  # not given by the report
COLLECTIVE_INCOME_2019 = D("1039000")
PV_INCOME_2019 = D("450000")
PV_INCOME_2020_ESTIMATE = D("2400000")
PURIFIERS = 478
REMOVED = {"natural": 6, "cleared": 4}  # history only: not registered in 2020


def load_fixture(path: Path = DEMO_FIXTURE) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def demo_loaded() -> bool:
    return Town.objects.filter(name=load_fixture()["town"]["name"]).exists()


def remove_demo_town() -> None:
    """Delete every row of the registry, measures, rectification and census.

    The demo owns the whole database it is loaded into; the management
    command refuses this outside DEBUG.
    """
    # A demo reset wipes the history too: no deletion entries are written
    # for rows that only ever were demo data.
    with transaction.atomic(), override_settings(SIMPLE_HISTORY_ENABLED=False):
        for evidence in Evidence.objects.all():
            evidence.file.delete(save=False)
        for model in (
            Problem,
            InspectionRound,
            MeasureApplication,
            Assignment,
            ResponsiblePerson,
            ProjectIncome,
            VillageProject,
            CollectiveIncome,
            Programme,
            GroupMember,
            CensusStaff,
        ):
            model.objects.all().delete()
        # Census checks cascade with households; working groups reference
        # their parent, so children go first.
        WorkingGroup.objects.filter(parent__isnull=False).delete()
        WorkingGroup.objects.all().delete()
        Household.objects.all().delete()
        for model in (
            VillagePopulation,
            NaturalVillage,
            VillagerGroup,
            Village,
            Town,
            County,
            PolicyYear,
        ):
            model.objects.all().delete()
        for model in apps.get_models():
            history = getattr(model, "history", None)
            if model._meta.app_label in DOMAIN_APPS and isinstance(history, HistoryManager):
                history.all().delete()


# --------------------------------------------------------------------------
# Plans: what each household and member will be, before any row is written
# --------------------------------------------------------------------------


@dataclass
class MemberPlan:
    name: str
    relation: str
    sex: str
    birth_date: date
    health: str = Health.HEALTHY
    illness: str = ""
    disability_kind: str = ""
    disability_grade: int | None = None
    labour: str = Labour.ORDINARY
    education_level: str = ""
    school_status: str = SchoolStatus.NOT_STUDENT
    on_dibao: bool = False
    on_tekun: bool = False
    joined_on: date | None = None
    join_reason: str = JoinReason.IDENTIFIED
    left_on: date | None = None
    leave_reason: str = ""
    deceased_on: date | None = None
    medicine_delivery: bool = False
    post: str = ""  # public-welfare post held
    row: Member | None = None


def _fields_of(member: MemberPlan) -> tuple:
    """What two equal ``MemberPlan`` share: its fields, as a hashable key."""
    return tuple(getattr(member, f.name) for f in fields(member))


@dataclass
class HouseholdPlan:
    village: str
    status: str  # the status on the as-of date
    attribute: str = HouseholdAttribute.GENERAL
    dibao_class: str = ""
    tekun_kind: str = ""
    size: int = 1
    identified_on: date = date(2014, 10, 15)
    kind: str = IdentificationKind.KEPT
    periods: list[tuple[str, date, str]] = field(default_factory=list)
    members: list[MemberPlan] = field(default_factory=list)
    per_capita: Decimal | None = None
    seed: dict | None = None  # the report's entry, for the 15 not lifted
    elderly: bool = False  # no labour capacity (PV beneficiaries)
    housing_grade: str = HousingGrade.A
    housing_alternative: str = HousingAlternative.NONE
    renovation: tuple[str, str] | None = None  # (kind, status)
    natural_village: str = ""
    residence_village: str = ""
    residence_address: str = ""
    responsible: ResponsiblePerson | None = None
    row: Household | None = None


class DemoBuilder:
    def __init__(self, data: dict):
        self.data = data
        self.rng = random.Random(SEED)
        self.as_of = date.fromisoformat(data["as_of"])
        self.adjustment = date.fromisoformat(data["adjustment_date"])
        self.year = data["report_year"]
        self.region = data["region_code"]
        self.used_ids: set[str] = set()
        self.plans: list[HouseholdPlan] = []
        self.reserved_names = {spec["head"] for spec in data["not_lifted"]}

    # -- small helpers ----------------------------------------------------

    def name(self, sex: str, surname: str | None = None) -> str:
        """A pseudonym; never one of the report's households' heads, which tests look up."""
        given = GIVEN_MALE if sex == Sex.MALE else GIVEN_FEMALE
        while True:
            start = self.rng.randrange(0, len(given) // 2) * 2
            name = (surname or self.rng.choice(SURNAMES)) + given[start : start + 2]
            if name not in self.reserved_names:
                return name

    def birth_for_age(self, age: int) -> date:
        """A birth date such that the person is ``age`` on the as-of date."""
        latest = self.as_of.replace(year=self.as_of.year - age)
        return latest - timedelta(days=self.rng.randrange(1, 360))

    def id_number(self, birth: date, sex: str) -> str:
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if sex == Sex.MALE else 0)
            body = f"{self.region}{birth:%Y%m%d}{seq:03d}"
            number = body + rules.id_check_digit(body)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def split(self, households: int, persons: int, lo: int, hi: int) -> list[int]:
        """Household sizes in [lo, hi] adding up exactly to ``persons``."""
        sizes = [lo] * households
        extra = persons - lo * households
        assert 0 <= extra <= (hi - lo) * households, (households, persons, lo, hi)
        while extra:
            i = self.rng.randrange(households)
            if sizes[i] < hi:
                sizes[i] += 1
                extra -= 1
        return sizes

    def spread(self, total: int, weights: list[int]) -> list[int]:
        """Split ``total`` in proportion to ``weights``, exactly (largest remainder)."""
        whole = sum(weights)
        shares = [total * w // whole for w in weights]
        remainders = sorted(
            range(len(weights)), key=lambda i: (total * weights[i]) % whole, reverse=True
        )
        for i in remainders[: total - sum(shares)]:
            shares[i] += 1
        return shares

    # -- geography and parameters -------------------------------------------

    def build_geography(self):
        data = self.data
        self.county, _ = County.objects.get_or_create(
            code=data["county"]["code"], defaults=data["county"]
        )
        self.town = Town.objects.create(county=self.county, **data["town"])
        self.villages: dict[str, Village] = {}
        self.groups: dict[str, list[VillagerGroup]] = {}
        self.natural: dict[str, NaturalVillage] = {}
        for number, spec in enumerate(data["villages"], start=1):
            # The seed lists the villages in the town's own order.
            village = Village.objects.create(
                town=self.town,
                name=spec["name"],
                number=number,
                poor_village_kind=spec["kind"],
                exit_year=spec["exit_year"],
            )
            self.villages[spec["name"]] = village
            self.groups[spec["name"]] = VillagerGroup.objects.bulk_create(
                VillagerGroup(village=village, name=f"{n}组", number=n)
                for n in range(1, spec["groups"] + 1)
            )
            for nat in spec["natural_villages"]:
                self.natural[nat] = NaturalVillage.objects.create(village=village, name=nat)
        weights = [spec["weight"] for spec in data["villages"]]
        totals = data["population_totals"]
        columns = {key: self.spread(value, weights) for key, value in totals.items()}
        VillagePopulation.objects.bulk_create(
            VillagePopulation(
                village=self.villages[spec["name"]],
                year=data["population_year"],
                **{key: columns[key][i] for key in totals},
            )
            for i, spec in enumerate(data["villages"])
        )
        PolicyYear.objects.bulk_create(
            PolicyYear(year=int(year), poverty_line=D(line))
            for year, line in data["poverty_lines"].items()
        )

    def build_programmes(self):
        self.programmes: dict[str, Programme] = {}
        for spec in self.data["programmes"]:
            spec = dict(spec)
            village = spec.pop("village", None)
            self.programmes[spec["name"]] = Programme.objects.create(
                year=self.year,
                village=self.villages[village] if village else None,
                **{
                    **spec,
                    "standard_amount": D(spec["standard_amount"]),
                    "income_per_year": D(spec.get("income_per_year", "0")),
                },
            )

    # -- households ---------------------------------------------------------

    def plan_not_lifted(self):
        for spec in self.data["not_lifted"]:
            identified = (
                date(spec["year"], 10, 15) if spec["kind"] == "kept" else date(2019, 11, 15)
            )
            plan = HouseholdPlan(
                village=spec["village"],
                status=PovertyStatus.NOT_LIFTED,
                attribute=spec["attribute"],
                dibao_class=spec.get("dibao_class", ""),
                tekun_kind=spec.get("tekun_kind", ""),
                size=spec["size"],
                identified_on=identified,
                kind=spec["kind"],
                periods=[(PovertyStatus.NOT_LIFTED, identified, "识别为贫困户")],
                per_capita=D(spec["per_capita"]),
                seed=spec,
                natural_village=spec.get("natural_village", ""),
                residence_village=spec.get("residence_village", ""),
                residence_address=spec.get("residence_address", ""),
            )
            if spec.get("dangerous_house"):
                plan.housing_grade = HousingGrade.D
                plan.renovation = (spec["renovation"]["kind"], spec["renovation"]["status"])
                if spec["renovation"]["kind"] == "repair":
                    plan.housing_grade = HousingGrade.C
            self.plans.append(plan)

    def plan_registered(self):
        """The lifted (正常脱贫) and stable (稳定脱贫) households, to the report's totals."""
        rng = self.rng
        seeded = self.plans
        dibao_left = {
            "households": DIBAO["households"]
            - sum(1 for p in seeded if p.attribute == HouseholdAttribute.DIBAO),
            "persons": DIBAO["persons"]
            - sum(p.size for p in seeded if p.attribute == HouseholdAttribute.DIBAO),
        }
        tekun_left = TEKUN_PERSONS - sum(
            1 for p in seeded if p.attribute == HouseholdAttribute.TEKUN
        )
        # Lifted households: 特困 singles, 低保 households, general households.
        general_households = LIFTED["households"] - dibao_left["households"] - tekun_left
        general_persons = LIFTED["persons"] - dibao_left["persons"] - tekun_left
        sizes = {
            "tekun": [1] * tekun_left,
            "dibao": self.split(dibao_left["households"], dibao_left["persons"], 1, 4),
            "general": self.split(general_households, general_persons, 2, 6),
            "stable": self.split(STABLE["households"], STABLE["persons"], 1, 5),
        }
        villages = [spec["name"] for spec in self.data["villages"]]
        weights = [spec["weight"] for spec in self.data["villages"]]
        classes = ["A"] * 2 + ["B"] * 3 + ["C1"] * 3 + ["C2"] * 2
        new = []
        for group, group_sizes in sizes.items():
            for size in group_sizes:
                identified_year = rng.choice([2014] * 5 + [2015, 2015, 2016, 2017, 2018])
                identified = date(identified_year, 10, 15)
                if group == "stable":
                    identified_year = min(identified_year, 2016)
                    identified = date(identified_year, 10, 15)
                    exit_year = rng.randint(identified_year + 1, 2017)
                else:
                    exit_year = rng.randint(max(identified_year + 1, 2015), 2019)
                lifted_on = date(exit_year, 12, 10)
                periods = [
                    (PovertyStatus.NOT_LIFTED, identified, "识别为贫困户"),
                    (PovertyStatus.LIFTED, lifted_on, f"{exit_year}年达到脱贫标准,经公示退出"),
                ]
                if group == "stable":
                    periods.append(
                        (PovertyStatus.STABLE, self.adjustment, "2020年5月动态调整,不再享受政策")
                    )
                plan = HouseholdPlan(
                    village=rng.choices(villages, weights)[0],
                    status=PovertyStatus.STABLE if group == "stable" else PovertyStatus.LIFTED,
                    size=size,
                    identified_on=identified,
                    periods=periods,
                )
                if group == "tekun":
                    plan.attribute = HouseholdAttribute.TEKUN
                    plan.tekun_kind = "dispersed"
                    plan.elderly = True
                elif group == "dibao":
                    plan.attribute = HouseholdAttribute.DIBAO
                    plan.dibao_class = rng.choice(classes)
                low, high = (8000, 18000) if group == "stable" else (4600, 14000)
                plan.per_capita = D(rng.randrange(low * 2, high * 2)) / 2
                new.append(plan)
        # The 福乐 and 永富 linkages need enough lifted households in their villages.
        for village, needed in (("学田地村", 80), ("点力村", 100)):
            have = [p for p in new if p.village == village and p.status == PovertyStatus.LIFTED]
            others = [p for p in new if p.village not in ("学田地村", "点力村")]
            for plan in rng.sample(others, max(0, needed - len(have))):
                plan.village = village
        # 92 small 低保 households of elderly people without labour, with the
        # 特困 singles: the 134 PV beneficiaries.
        small_dibao = [p for p in new if p.attribute == HouseholdAttribute.DIBAO and p.size <= 2]
        tekun_count = sum(1 for p in new if p.attribute == HouseholdAttribute.TEKUN)
        for plan in rng.sample(small_dibao, PV_HOUSEHOLDS - tekun_count):
            plan.elderly = True
        self.plans.extend(new)

    def plan_removed(self):
        """Households registered once and removed before 2020 (history only)."""
        villages = [spec["name"] for spec in self.data["villages"]]
        for kind, count in REMOVED.items():
            for n in range(count):
                identified = date(2014, 10, 15)
                if kind == "natural":
                    removed_on = date(2017 + n % 3, 3 + n, 1)
                    status, reason = PovertyStatus.REMOVED_NATURAL, "户内唯一成员死亡,自然减少"
                else:
                    removed_on = date(2017, 6, 30)
                    status, reason = PovertyStatus.REMOVED_CLEARED, "动态调整核查为错评户,予以清退"
                self.plans.append(
                    HouseholdPlan(
                        village=self.rng.choice(villages),
                        status=status,
                        size=1,
                        identified_on=identified,
                        periods=[
                            (PovertyStatus.NOT_LIFTED, identified, "识别为贫困户"),
                            (status, removed_on, reason),
                        ],
                    )
                )

    def plan_members(self):
        rng = self.rng
        registered = [p for p in self.plans if p.status != PovertyStatus.NOT_LIFTED]
        lifted = [p for p in registered if p.status == PovertyStatus.LIFTED]
        # Students: child slots of lifted households of three or more.
        slots = [(p, i) for p in lifted if not p.elderly for i in range(2, p.size)]
        rng.shuffle(slots)
        seeded_students = [
            level for p in self.plans if p.seed for level in p.seed.get("students", [])
        ]
        students: dict[tuple[int, int], str] = {}
        for level, total in STUDENTS.items():
            for _ in range(total - seeded_students.count(level)):
                plan, index = slots.pop()
                students[(id(plan), index)] = level
        for plan in self.plans:
            if plan.seed:
                self.members_of_seeded(plan)
            else:
                self.members_of_generated(plan, students)

    def members_of_generated(self, plan: HouseholdPlan, students: dict):
        rng = self.rng
        child_ages = []
        levels = {}
        for index in range(2, plan.size):
            level = students.get((id(plan), index))
            if level:
                lo, hi = STUDENT_AGES[level]
                child_ages.append(rng.randint(lo, hi))
                levels[index] = level
            elif rng.random() < 0.15:
                child_ages.append(rng.randint(0, 5))  # pre-school
            else:
                child_ages.append(rng.randint(19, 32))
        if plan.elderly:
            head_age = rng.randint(66, 88)
        elif child_ages:
            head_age = min(max(child_ages) + rng.randint(22, 34), 80)
        else:
            head_age = rng.randint(28, 80)
        if plan.status in (PovertyStatus.REMOVED_NATURAL,):
            head_age = rng.randint(70, 88)
        head_sex = Sex.MALE if rng.random() < 0.8 else Sex.FEMALE
        surname = rng.choice(SURNAMES)
        specs = [(Relation.HEAD, head_sex, head_age, None)]
        if plan.size >= 2:
            spouse_sex = Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE
            spouse_age = max(20, head_age + rng.randint(-4, 3))
            specs.append((Relation.SPOUSE, spouse_sex, spouse_age, None))
        for index, age in enumerate(child_ages, start=2):
            specs.append(
                (Relation.CHILD, rng.choice([Sex.MALE, Sex.FEMALE]), age, levels.get(index))
            )
        for relation, sex, age, level in specs:
            member = MemberPlan(
                name=self.name(sex, surname if relation != Relation.SPOUSE else None),
                relation=relation,
                sex=sex,
                birth_date=self.birth_for_age(age),
            )
            if level:
                member.education_level = level
                member.school_status = SchoolStatus.IN_SCHOOL
                member.labour = Labour.NONE
            elif age < 6:
                member.education_level = EducationLevel.PRESCHOOL
                member.labour = Labour.NONE
            else:
                member.education_level = rng.choice(
                    [EducationLevel.PRIMARY, EducationLevel.JUNIOR, EducationLevel.ILLITERATE]
                    if age > 50
                    else [EducationLevel.JUNIOR, EducationLevel.SENIOR, EducationLevel.PRIMARY]
                )
                if plan.elderly or age >= 70:
                    member.labour = rng.choice([Labour.LOST, Labour.NONE])
                elif age >= 60:
                    member.labour = Labour.WEAK
                else:
                    member.labour = rng.choice([Labour.ORDINARY] * 4 + [Labour.SKILLED])
            member.on_dibao = plan.attribute == HouseholdAttribute.DIBAO
            member.on_tekun = plan.attribute == HouseholdAttribute.TEKUN
            self.join(plan, member)
            if plan.status in (PovertyStatus.REMOVED_NATURAL, PovertyStatus.REMOVED_CLEARED):
                removed_on = plan.periods[-1][1]
                member.left_on = removed_on
                if plan.status == PovertyStatus.REMOVED_NATURAL:
                    member.leave_reason = LeaveReason.DEATH
                    member.deceased_on = removed_on - timedelta(days=20)
                else:
                    member.leave_reason = LeaveReason.CLEARED
            plan.members.append(member)

    def members_of_seeded(self, plan: HouseholdPlan):
        rng = self.rng
        spec = plan.seed
        head_sex = spec.get("head_sex", Sex.MALE)
        student_levels = list(spec.get("students", []))
        head_age = spec.get("head_age") or (
            rng.randint(36, 45) if student_levels else rng.randint(48, 72)
        )
        surname = spec["head"][0]
        people = [(Relation.HEAD, head_sex, head_age, spec["head"], spec.get("head_health"), None)]
        if plan.size >= 2:
            spouse_sex = Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE
            spouse_age = max(22, head_age - 2)
            people.append(
                (Relation.SPOUSE, spouse_sex, spouse_age, None, spec.get("spouse_health"), None)
            )
        for index in range(2, plan.size):
            level = student_levels.pop(0) if student_levels else None
            age = rng.randint(*STUDENT_AGES[level]) if level else rng.randint(24, 34)
            sex = Sex.MALE if index % 2 else Sex.FEMALE
            people.append((Relation.CHILD, sex, age, None, None, level))
        for relation, sex, age, name, health, level in people:
            member = MemberPlan(
                name=name or self.name(sex, surname if relation != Relation.SPOUSE else None),
                relation=relation,
                sex=sex,
                birth_date=self.birth_for_age(age),
                labour=Labour.WEAK if age < 60 else Labour.LOST,
                education_level=EducationLevel.PRIMARY,
            )
            health = health or {}
            if level:
                member.education_level = level
                member.school_status = SchoolStatus.IN_SCHOOL
                member.labour = Labour.NONE
            elif health:
                member.health = health["health"]
                member.illness = health.get("illness", "")
                member.disability_kind = health.get("disability_kind", "")
                member.disability_grade = health.get("disability_grade")
                if member.health in (Health.SERIOUS, Health.DISABLED):
                    member.labour = Labour.LOST
            member.on_dibao = plan.attribute == HouseholdAttribute.DIBAO
            member.on_tekun = (
                plan.attribute == HouseholdAttribute.TEKUN and relation == Relation.HEAD
            )
            if relation == Relation.HEAD:
                member.medicine_delivery = bool(spec.get("medicine_delivery"))
                if spec.get("head_deceased_on"):
                    member.deceased_on = date.fromisoformat(spec["head_deceased_on"])
            elif relation == Relation.SPOUSE:
                member.medicine_delivery = bool(spec.get("spouse_medicine_delivery"))
            self.join(plan, member)
            plan.members.append(member)
        if spec.get("newborn"):
            born = date.fromisoformat(spec["newborn"]["joined_on"]) - timedelta(days=5)
            plan.members.append(
                MemberPlan(
                    name=spec["newborn"]["name"],
                    relation=Relation.CHILD,
                    sex=Sex.MALE,
                    birth_date=born,
                    labour=Labour.NONE,
                    education_level=EducationLevel.PRESCHOOL,
                    joined_on=date.fromisoformat(spec["newborn"]["joined_on"]),
                    join_reason=JoinReason.BIRTH,
                )
            )

    def join(self, plan: HouseholdPlan, member: MemberPlan):
        if member.birth_date > plan.identified_on:
            member.joined_on, member.join_reason = member.birth_date, JoinReason.BIRTH
        else:
            member.joined_on, member.join_reason = plan.identified_on, JoinReason.IDENTIFIED

    def assign_health(self):
        """Disabilities and illnesses among lifted adults, to the report's counts."""
        rng = self.rng
        seeded = [m for p in self.plans if p.seed for m in p.members]
        adults = [
            m
            for p in self.plans
            if p.status == PovertyStatus.LIFTED
            for m in p.members
            if m.school_status == SchoolStatus.NOT_STUDENT
            and rules.age_on(m.birth_date, self.as_of) >= 18
        ]
        rng.shuffle(adults)
        severe_seeded = sum(1 for m in seeded if m.disability_grade in (1, 2))
        kinds = [k for k in DisabilityKind.values if k != DisabilityKind.MULTIPLE]
        for _ in range(SEVERE_DISABILITY - severe_seeded):
            m = adults.pop()
            m.health, m.disability_kind = Health.DISABLED, rng.choice(kinds)
            m.disability_grade, m.labour = rng.choice([1, 2]), Labour.LOST
        for _ in range(OTHER_DISABILITY):
            m = adults.pop()
            m.health, m.disability_kind = Health.DISABLED, rng.choice(kinds)
            m.disability_grade = rng.choice([3, 4])
        illnesses = ["高血压", "糖尿病", "慢性支气管炎", "类风湿性关节炎", "腰椎间盘突出"]
        serious = ["脑梗塞", "冠心病", "慢性肾衰竭", "恶性肿瘤"]
        ill = []
        for _ in range(220):
            m = adults.pop()
            m.health, m.illness = Health.CHRONIC, rng.choice(illnesses)
            ill.append(m)
        for _ in range(60):
            m = adults.pop()
            m.health, m.illness, m.labour = Health.SERIOUS, rng.choice(serious), Labour.WEAK
            ill.append(m)
        delivered = sum(1 for m in seeded if m.medicine_delivery)
        for m in rng.sample(ill, MEDICINE_DELIVERY - delivered):
            m.medicine_delivery = True
        self.spare_adults = adults  # healthy lifted adults, for public posts

    def main_cause(self, plan: HouseholdPlan) -> str:
        if any(m.health == Health.DISABLED for m in plan.members):
            return PovertyCause.DISABILITY
        if any(m.health in (Health.CHRONIC, Health.SERIOUS) for m in plan.members):
            return PovertyCause.ILLNESS
        if any(m.school_status == SchoolStatus.IN_SCHOOL for m in plan.members):
            return PovertyCause.SCHOOLING
        if plan.elderly:
            return PovertyCause.LACK_LABOUR
        return self.rng.choice(
            [
                PovertyCause.LACK_SKILLS,
                PovertyCause.LACK_FUNDS,
                PovertyCause.LACK_FUNDS,
                PovertyCause.LACK_LAND,
                PovertyCause.LACK_WATER,
                PovertyCause.LOW_MOTIVATION,
            ]
        )

    def plan_housing(self):
        """The 2020 renovations: the seeded ones, then lifted households to the totals.

        Repairs and replacements were all completed; the new builds not yet
        finished belong to households that live in safe housing meanwhile
        (rented, or with relatives), which is why they could be lifted.
        """
        rng = self.rng
        seeded = [p for p in self.plans if p.renovation]
        lifted = [p for p in self.plans if p.status == PovertyStatus.LIFTED]
        candidates = rng.sample(lifted, sum(RENOVATIONS.values()) - len(seeded))
        completed = sum(1 for p in seeded if p.renovation[1] == "completed")
        for kind, total in RENOVATIONS.items():
            for _ in range(total - sum(1 for p in seeded if p.renovation[0] == kind)):
                plan = candidates.pop()
                done = kind != "new_build" or completed < RENOVATIONS_COMPLETED
                if kind == "new_build" and not done:
                    plan.housing_alternative = HousingAlternative.OTHER_SAFE
                completed += done
                plan.renovation = (kind, "completed" if done else "in_progress")
                plan.housing_grade = HousingGrade.C if kind == "repair" else HousingGrade.D
        assert completed == RENOVATIONS_COMPLETED, completed
        for plan in self.plans:
            if not plan.renovation:
                plan.housing_grade = rng.choice([HousingGrade.A, HousingGrade.B, HousingGrade.B])

    # -- writing ------------------------------------------------------------

    def write_households(self):
        rng = self.rng
        counters: dict[str, int] = {}
        households = []
        village_index = {spec["name"]: i for i, spec in enumerate(self.data["villages"])}
        for plan in self.plans:
            village = self.villages[plan.village]
            counters[plan.village] = counters.get(plan.village, 0) + 1
            number = (
                f"{self.region}{village_index[plan.village] + 1:03d}{counters[plan.village]:05d}"
            )
            other_causes = []
            main = self.main_cause(plan)
            if rng.random() < 0.4:
                other_causes = [rng.choice([PovertyCause.LACK_FUNDS, PovertyCause.LACK_SKILLS])]
                other_causes = [c for c in other_causes if c != main]
            plan.row = Household(
                number=number,
                village=village,
                group=rng.choice(self.groups[plan.village]),
                natural_village=self.natural.get(plan.natural_village),
                residence_village=self.villages.get(plan.residence_village),
                residence_address=plan.residence_address,
                notes=(
                    f"2020年5月动态调整后未脱贫户(工作汇报第9部分第{plan.seed['seq']}户)"
                    if plan.seed
                    else ""
                ),
                phone=f"13{rng.randrange(10**8, 10**9)}",
                identified_year=plan.identified_on.year,
                identification_kind=plan.kind,
                attribute=plan.attribute,
                dibao_class=plan.dibao_class,
                tekun_kind=plan.tekun_kind,
                main_cause=main,
                other_causes=other_causes,
            )
            households.append(plan.row)
        bulk_create_with_history(
            households, Household, batch_size=500, default_change_reason="导入演示数据"
        )
        # bulk_create_with_history returns objects with primary keys on
        # PostgreSQL but not on SQLite: read them back by number.
        by_number = dict(Household.objects.values_list("number", "id"))
        for plan in self.plans:
            plan.row.pk = plan.row.id = by_number[plan.row.number]

        periods = []
        for plan in self.plans:
            for i, (status, start, reason) in enumerate(plan.periods):
                end = plan.periods[i + 1][1] if i + 1 < len(plan.periods) else None
                periods.append(
                    HouseholdStatusPeriod(
                        household=plan.row,
                        status=status,
                        valid_from=start,
                        valid_to=end,
                        reason=reason,
                        decided_by=self.decided_by(status, start),
                    )
                )
        bulk_create_with_history(
            periods, HouseholdStatusPeriod, batch_size=1000, default_change_reason="导入演示数据"
        )

        members = []
        for plan in self.plans:
            for m in plan.members:
                info = rules.parse_id_number(self.id_number(m.birth_date, m.sex))
                m.row = Member(
                    household=plan.row,
                    name=m.name,
                    id_number=info.number,
                    sex=info.sex,
                    birth_date=info.birth_date,
                    relation=m.relation,
                    health=m.health,
                    illness=m.illness,
                    disability_kind=m.disability_kind,
                    disability_grade=m.disability_grade,
                    labour=m.labour,
                    education_level=m.education_level,
                    school_status=m.school_status,
                    medical_insurance=(
                        MedicalInsurance.NEWBORN_PENDING
                        if m.join_reason == JoinReason.BIRTH and m.joined_on > self.as_of
                        else MedicalInsurance.RESIDENT
                    ),
                    on_dibao=m.on_dibao,
                    on_tekun=m.on_tekun,
                    joined_on=m.joined_on,
                    join_reason=m.join_reason,
                    left_on=m.left_on,
                    leave_reason=m.leave_reason,
                    deceased_on=m.deceased_on,
                )
                members.append(m.row)
        bulk_create_with_history(
            members, Member, batch_size=1000, default_change_reason="导入演示数据"
        )
        by_id = dict(Member.objects.values_list("id_number", "id"))
        for m in members:
            m.pk = m.id = by_id[m.id_number]

    def decided_by(self, status: str, start: date) -> str:
        if start == self.adjustment or (start.month, start.day) == (11, 15):
            return "动态调整"
        if status == PovertyStatus.NOT_LIFTED:
            return "建档立卡识别"
        if status == PovertyStatus.LIFTED:
            return "村两委民主评议、公示后退出"
        return "动态调整核查"

    def write_incomes_and_guarantees(self):
        rng = self.rng
        incomes, guarantees = [], []
        assessed = self.as_of
        for plan in self.plans:
            if plan.status not in (
                PovertyStatus.NOT_LIFTED,
                PovertyStatus.LIFTED,
                PovertyStatus.STABLE,
            ):
                continue
            size = sum(1 for m in plan.members if m.row.present_on(assessed))
            net = plan.per_capita * size
            incomes.append(
                HouseholdIncome(
                    household=plan.row,
                    year=self.year,
                    assessed_on=assessed,
                    **self.components(net, plan),
                )
            )
            guarantees.append(
                GuaranteeAssessment(
                    household=plan.row,
                    assessed_on=date(2020, 5, 15),
                    assessed_by="驻村工作队",
                    food_ok=True,
                    clothing_ok=True,
                    housing_grade=plan.housing_grade,
                    housing_appraised_on=date(2019, 9, rng.randint(1, 28)),
                    housing_alternative=plan.housing_alternative,
                    water_ok=True,
                    water_source=rng.choice(["自来水入户", "净水机", "集中供水点"]),
                )
            )
        HouseholdIncome.objects.bulk_create(incomes, batch_size=1000)
        GuaranteeAssessment.objects.bulk_create(guarantees, batch_size=1000)

    def components(self, net: Decimal, plan: HouseholdPlan) -> dict:
        """Split a net income into components that add up to it exactly.

        Shares are at most 92% together; wages take the rest.
        """
        rng = self.rng
        cent = D("0.01")

        def share(lo, hi):
            return (net * D(rng.randint(lo, hi)) / 100).quantize(cent)

        parts = {}
        if plan.attribute == HouseholdAttribute.DIBAO:
            parts["transfer_dibao"] = share(20, 40)
        elif plan.attribute == HouseholdAttribute.TEKUN:
            parts["transfer_tekun"] = share(40, 50)
        parts["transfer_pension"] = share(5, 10)
        parts["transfer_subsidy"] = share(3, 6)
        parts["property_income"] = share(2, 6)
        production_net = share(10, 20)
        parts["wage_income"] = net - sum(parts.values()) - production_net
        parts["production_cost"] = (production_net * D(rng.randint(20, 45)) / 100).quantize(cent)
        parts["production_income"] = production_net + parts["production_cost"]
        return parts

    def write_measures(self):
        rng = self.rng
        p = self.programmes
        apps: list[MeasureApplication] = []
        registered = [
            plan
            for plan in self.plans
            if plan.status in (PovertyStatus.NOT_LIFTED, PovertyStatus.LIFTED, PovertyStatus.STABLE)
        ]
        enjoying = [plan for plan in registered if plan.status in ENJOYING_POLICY_STATUSES]
        lifted = [plan for plan in registered if plan.status == PovertyStatus.LIFTED]
        seeded = [plan for plan in registered if plan.seed]

        def add(
            programme,
            plan,
            member=None,
            status=ApplicationStatus.COMPLETED,
            amount=None,
            added_income=None,
            completed_on=None,
            **extra,
        ):
            programme = p[programme]
            if amount is None:
                amount = programme.standard_per_beneficiary
            if added_income is None:
                added_income = programme.income_per_year
            done = status == ApplicationStatus.COMPLETED
            completed_on = (completed_on or date(2020, 3, 20)) if done else None
            started_on = None
            if status != ApplicationStatus.PLANNED:
                started_on = min(date(2020, 1, 2), completed_on or date(2020, 1, 2))
            apps.append(
                MeasureApplication(
                    programme=programme,
                    household=plan.row,
                    member=member.row if member else None,
                    status=status,
                    amount=D(amount),
                    added_income=D(added_income),
                    planned_on=date(2020, 1, 6),
                    started_on=started_on,
                    completed_on=completed_on,
                    responsible=plan.responsible,
                    **extra,
                )
            )

        # 基本医疗: every person of a household enjoying policies on the as-of date.
        for plan in enjoying:
            for m in plan.members:
                if not m.row.present_on(self.as_of):
                    continue
                child = (
                    rules.age_on(m.birth_date, self.as_of) < 18
                    or m.school_status == SchoolStatus.IN_SCHOOL
                )
                subsidy = "城乡居民医疗保险个人缴费补贴(" + ("学生儿童" if child else "成人") + ")"
                add(subsidy, plan, m, completed_on=date(2020, 1, 10))
                add("商业补充保险", plan, m, completed_on=date(2020, 1, 10))
                if m.medicine_delivery:
                    add("上门送药服务", plan, m, status=ApplicationStatus.IN_PROGRESS)
                if m.disability_grade in (1, 2):
                    add("重度残疾人护理补贴", plan, m)
                elif m.disability_grade in (3, 4):
                    add("困难残疾人生活补贴", plan, m)
                level_programme = {
                    EducationLevel.PRIMARY: "学生生活补助(小学)",
                    EducationLevel.JUNIOR: "学生生活补助(初中)",
                    EducationLevel.SENIOR: "学生生活补助(高中)",
                }
                if (
                    m.school_status == SchoolStatus.IN_SCHOOL
                    and m.education_level in level_programme
                ):
                    add(
                        level_programme[m.education_level],
                        plan,
                        m,
                        status=ApplicationStatus.IN_PROGRESS,
                    )

        # 住房安全
        for plan in registered:
            if plan.renovation:
                kind, status = plan.renovation
                note = plan.seed["renovation"]["note"] if plan.seed else ""
                add(
                    "危房改造",
                    plan,
                    status=status,
                    amount=D(self.data["renovation_amounts"][kind]),
                    renovation_kind=kind,
                    progress_note=note,
                    completed_on=date(2020, rng.randint(4, 5), rng.randint(1, 28)),
                )

        # 就业: public-welfare posts, held by healthy working-age lifted adults.
        # (Membership as ``in self.spare_adults`` decides it — by equal fields —
        # in one set lookup instead of a scan of the list per member.)
        spare = {_fields_of(a) for a in self.spare_adults}
        workers = [
            (plan, m)
            for plan in lifted
            if not plan.elderly
            for m in plan.members
            if _fields_of(m) in spare
            and 25 <= rules.age_on(m.birth_date, self.as_of) <= 58
            and m.labour in (Labour.ORDINARY, Labour.SKILLED, Labour.WEAK)
        ]
        rng.shuffle(workers)
        seeded_posts = {
            name: sum(1 for plan in seeded for s in plan.seed["measures"] if s["programme"] == name)
            for name in POSTS
        }
        for name, total in POSTS.items():
            for _ in range(total - seeded_posts[name]):
                plan, m = workers.pop()
                add(name, plan, m, completed_on=date(2020, 1, 2))

        # 产业: enterprise linkages, PV, menu-style subsidy.
        for name, total in LINKAGES.items():
            village = p[name].village
            pool = [plan for plan in lifted if village is None or plan.row.village_id == village.pk]
            for plan in rng.sample(pool, total):
                add(name, plan, completed_on=date(2020, 1, 15))
        for plan in [plan for plan in lifted if plan.elderly]:
            add("光伏扶贫电站收益分配", plan, completed_on=date(2020, 1, 20))
        menu = [
            plan
            for plan in seeded
            if any(s["programme"] == "菜单式产业奖补(第一批)" for s in plan.seed["measures"])
        ]
        menu += rng.sample(
            [plan for plan in lifted if not plan.elderly], MENU_SUBSIDY_HOUSEHOLDS - len(menu)
        )
        amounts = self.split_amount(MENU_SUBSIDY_TOTAL, len(menu))
        for plan, amount in zip(menu, amounts, strict=True):
            note = ""
            if plan.seed:
                note = next(
                    s.get("note", "")
                    for s in plan.seed["measures"]
                    if s["programme"] == "菜单式产业奖补(第一批)"
                )
            add(
                "菜单式产业奖补(第一批)",
                plan,
                status=ApplicationStatus.IN_PROGRESS,
                amount=amount,
                progress_note=note,
            )

        # 金融: microcredit, one seeded household granted.
        borrowers = rng.sample([plan for plan in lifted if not plan.elderly], LOANS["eligible"] - 1)
        for i, plan in enumerate(borrowers):
            granted = i < LOANS["granted"] - 1
            add(
                "扶贫小额信贷",
                plan,
                status=ApplicationStatus.COMPLETED if granted else ApplicationStatus.IN_PROGRESS,
                amount=D(rng.choice([10000, 20000, 30000, 50000])),
            )

        # The measures of the 15 households not lifted (report section 9).
        for plan in seeded:
            for spec in plan.seed["measures"]:
                name = spec["programme"]
                if name in ("菜单式产业奖补(第一批)",):
                    continue
                programme = p[name]
                member = plan.members[0] if programme.target == Target.PERSON else None
                status = spec.get("status", ApplicationStatus.PLANNED)
                amount = spec.get("amount")
                added = spec.get("added_income")
                if programme.kind == Kind.RELIEF:
                    added = amount  # relief is transfer income once paid
                if name == "扶贫小额信贷":
                    added = 0
                add(
                    name,
                    plan,
                    member,
                    status=status,
                    amount=amount if amount is not None else None,
                    added_income=added,
                    progress_note=spec.get("note", ""),
                    completed_on=date(2020, 4, 20),
                )
        MeasureApplication.objects.bulk_create(apps, batch_size=2000)

    def split_amount(self, total: Decimal, n: int) -> list[Decimal]:
        """``n`` amounts in whole tens of yuan adding up exactly to ``total``."""
        tens = int(total / 10)
        base, extra = divmod(tens, n)
        amounts = [base + (1 if i < extra else 0) for i in range(n)]
        for _ in range(n * 3):
            i, j = self.rng.randrange(n), self.rng.randrange(n)
            shift = self.rng.randint(0, 60)
            if amounts[j] - shift >= 100:
                amounts[i] += shift
                amounts[j] -= shift
        return [D(a * 10) for a in amounts]

    def write_responsible_persons(self):
        rng = self.rng
        leaders = [
            ResponsiblePerson(
                name=self.name(Sex.MALE), organisation="铁沙盖镇人民政府", position=position
            )
            for position in [
                "党委书记",
                "镇长",
                "党委副书记",
                "副镇长",
                "副镇长",
                "武装部长",
                "纪委书记",
                "组织委员",
            ]
        ]
        secretaries = [
            ResponsiblePerson(
                name=self.name(rng.choice([Sex.MALE, Sex.FEMALE])),
                organisation=f"旗直单位(驻{name})",
                position="驻村第一书记",
            )
            for name in self.villages
        ]
        cadres = [
            ResponsiblePerson(
                name=self.name(rng.choice([Sex.MALE, Sex.FEMALE])),
                organisation=rng.choice(
                    ["铁沙盖镇人民政府", "旗教育局", "旗卫健委", "旗农牧局", "旗民政局"]
                ),
                position="干部",
            )
            for _ in range(60)
        ]
        ResponsiblePerson.objects.bulk_create(leaders + secretaries + cadres)
        by_village = dict(zip(self.villages, secretaries, strict=True))
        assignments = []
        for plan in self.plans:
            if plan.status not in (
                PovertyStatus.NOT_LIFTED,
                PovertyStatus.LIFTED,
                PovertyStatus.STABLE,
            ):
                plan.responsible = None
                continue
            if plan.seed:
                plan.responsible = leaders[plan.seed["seq"] % len(leaders)]
                assignments.append(
                    Assignment(
                        household=plan.row,
                        person=by_village[plan.village],
                        started_on=date(2020, 1, 6),
                    )
                )
            else:
                plan.responsible = rng.choice(cadres)
            assignments.append(
                Assignment(
                    household=plan.row,
                    person=plan.responsible,
                    started_on=max(plan.identified_on, date(2016, 1, 1)),
                )
            )
        Assignment.objects.bulk_create(assignments, batch_size=2000)

    def write_village_projects(self):
        rng = self.rng
        specs = self.data["villages"]
        pv = [s for s in specs if s["pv"]]
        incomes_2019 = self.split_amount(PV_INCOME_2019, len(pv))
        incomes_2020 = self.split_amount(PV_INCOME_2020_ESTIMATE, len(pv))
        for spec, income_2019, income_2020 in zip(pv, incomes_2019, incomes_2020, strict=True):
            station = VillageProject.objects.create(
                village=self.villages[spec["name"]],
                year=2018,
                name="村级光伏电站",
                kind=VillageProject.ProjectKind.PHOTOVOLTAIC,
                funds=D("3500000"),
                funding_source="光伏扶贫专项资金",
                capacity_kw=D("500"),
                completed_on=date(2018, 12, 20),
            )
            ProjectIncome.objects.create(project=station, year=2019, income=income_2019)
            ProjectIncome.objects.create(
                project=station, year=2020, income=income_2020, is_estimate=True
            )
        for spec in specs:
            village = self.villages[spec["name"]]
            if spec["purifiers"]:
                VillageProject.objects.create(
                    village=village,
                    year=2019,
                    name="饮水安全净水机",
                    kind=VillageProject.ProjectKind.WATER_PURIFIER,
                    quantity=spec["purifiers"],
                    funds=D(spec["purifiers"] * 2800),
                    completed_on=date(2019, 10, 30),
                )
            if spec["tap_water"]:
                VillageProject.objects.create(
                    village=village,
                    year=2019,
                    name="自来水入户工程",
                    kind=VillageProject.ProjectKind.TAP_WATER,
                    funds=D(rng.randrange(300, 900) * 1000),
                    completed_on=date(2019, 11, 15),
                )
        cold = VillageProject.objects.create(
            village=self.villages["九股泉村"],
            year=2019,
            name="九股泉恒温库",
            kind=VillageProject.ProjectKind.COLD_STORAGE,
            funds=D("2600000"),
            funding_source="太平洋保险公司援建",
            completed_on=date(2019, 10, 1),
            description="预计直接带动农户200余户,户均增收3000多元,带动20名贫困户就近就业",
        )
        ProjectIncome.objects.create(project=cold, year=2020, income=D("260000"), is_estimate=True)
        VillageProject.objects.create(
            village=self.villages["义发泉村"],
            year=2019,
            name="众信农牧业合作社生态观光园",
            kind=VillageProject.ProjectKind.COOPERATIVE,
            funds=D("1650000"),
            funding_source="村委会扶贫资金注资",
            description="合作社+农户经营,带动30多名有劳动能力的贫困户就业",
        )
        machinery = VillageProject.objects.create(
            village=self.villages["西圪塄村"],
            year=2020,
            name="农机合作社大型农机具",
            kind=VillageProject.ProjectKind.MACHINERY,
            funds=D("540000"),
            funding_source="申请扶贫资金",
            description="以资产出租形式租赁给合作社",
        )
        ProjectIncome.objects.create(
            project=machinery, year=2020, income=D("30000"), is_estimate=True
        )
        shares = self.split_amount(COLLECTIVE_INCOME_2019, len(specs))
        CollectiveIncome.objects.bulk_create(
            CollectiveIncome(village=self.villages[spec["name"]], year=2019, amount=share)
            for spec, share in zip(specs, shares, strict=True)
        )

    def completed_on(self, found_on: date, deadline: date, days_early: int) -> date:
        """When a closed problem was done: ``days_early`` before its deadline,
        never after the demo's as-of date nor before it was found."""
        done = min(deadline, self.as_of) - timedelta(days=days_early)
        return max(done, found_on + timedelta(days=1))

    def add_evidence(self, problem: Problem) -> None:
        """The evidence a closed problem needs (a one-page PDF), stamped with
        the problem's completion date."""
        body = f"%PDF-1.4\n% {problem.pk} {problem.completed_on}\n%%EOF\n".encode()
        evidence = Evidence.objects.create(
            problem=problem,
            file=ContentFile(body, name="整改佐证.pdf"),
            original_name="整改佐证材料.pdf",
            content_type="application/pdf",
            size=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            description="整改完成佐证材料",
        )
        at = datetime.combine(problem.completed_on, time(16, 0))
        Evidence.objects.filter(pk=evidence.pk).update(
            uploaded_at=timezone.make_aware(at) if settings.USE_TZ else at
        )

    def write_rectification(self):
        rng = self.rng
        texts = {
            "housing": "部分农户住房安全鉴定资料不全,危房改造验收手续不规范",
            "industry_advisor": "产业指导员对贫困户产业发展指导不到位",
            "water": "部分自然村饮水水质检测不及时",
            "finance": "扶贫小额信贷到期还款和续贷工作跟进不及时",
            "employment": "公益岗位人员管理考核不规范",
            "records": "贫困户明白卡、收入台账等表册信息不一致",
            "guarantees": "个别户两不愁三保障情况掌握不准确",
            "measures": "帮扶措施与致贫原因不对应、落实情况记录不全",
        }
        plans_by_seq = {plan.seed["seq"]: plan for plan in self.plans if plan.seed}
        cadres = ["刘志远", "马建军", "孟庆华", "白玉山"]
        for spec in self.data["rounds"]:
            feedback = date.fromisoformat(spec["feedback_on"])
            deadline = date.fromisoformat(spec["deadline"])
            round_ = InspectionRound.objects.create(
                name=spec["name"],
                kind=spec["kind"],
                year=spec["year"],
                feedback_on=feedback,
                summary=spec["summary"],
            )
            open_spec = spec.get("open_problem")
            for category, count in spec.get("problems", {}).items():
                for n in range(count):
                    is_open = open_spec and open_spec["category"] == category and n == count - 1
                    villages = rng.sample(list(self.villages.values()), rng.randint(1, 3))
                    households = []
                    if is_open:
                        households = [plans_by_seq[s] for s in open_spec["households"]]
                        villages = sorted(
                            {self.villages[h.village] for h in households}, key=lambda v: v.pk
                        )
                    problem = Problem.objects.create(
                        inspection_round=round_,
                        category=category,
                        text=open_spec["text"] if is_open else f"{texts[category]}(第{n + 1}条)",
                        responsible_name=rng.choice(cadres),
                        found_on=feedback,
                        deadline=deadline,
                        status=ProblemStatus(open_spec["status"])
                        if is_open
                        else ProblemStatus.DONE,
                        measures_taken="逐户核查,建立整改台账,明确责任人和时限",
                        completed_on=None
                        if is_open
                        else self.completed_on(feedback, deadline, rng.randint(1, 40)),
                        completion_note="" if is_open else "已整改到位,佐证材料已归档",
                    )
                    if not is_open:
                        self.add_evidence(problem)
                    problem.villages.set(villages)
                    problem.households.set([h.row for h in households])
            old = spec.get("old_houses")
            if old:
                lifted = [p for p in self.plans if p.status == PovertyStatus.LIFTED]
                chosen = []
                for i in range(old["households"]):
                    village = old["villages"][i % len(old["villages"])]
                    pool = [p for p in lifted if p.village == village and p not in chosen]
                    chosen.append(rng.choice(pool))
                # The open case lives in 西梁, a natural village of the first
                # village listed (东梁村).
                open_plan = chosen[0]
                Household.objects.filter(pk=open_plan.row.pk).update(
                    natural_village=self.natural[old["open_in_natural_village"]]
                )
                for i, plan in enumerate(chosen):
                    is_open = i == 0
                    problem = Problem.objects.create(
                        inspection_round=round_,
                        category="old_house",
                        text=f"{plan.members[0].name}户建新未拆旧",
                        responsible_name=rng.choice(cadres),
                        found_on=feedback,
                        deadline=deadline,
                        status=ProblemStatus.RECTIFYING if is_open else ProblemStatus.DONE,
                        measures_taken="督促农户拆除旧房",
                        completed_on=None
                        if is_open
                        else self.completed_on(feedback, deadline, rng.randint(5, 40)),
                        completion_note=old["open_note"] if is_open else "旧房已拆除",
                    )
                    if not is_open:
                        self.add_evidence(problem)
                    problem.villages.set([self.villages[plan.village]])
                    problem.households.set([plan.row])

    def write_census(self):
        spec = self.data["census"]
        established = date.fromisoformat(spec["established_on"])
        leading = WorkingGroup.objects.create(
            town=self.town,
            name="脱贫攻坚普查工作领导小组",
            kind=WorkingGroup.GroupKind.LEADING_GROUP,
            duties="统一领导和组织全镇脱贫攻坚普查工作",
            established_on=established,
            order=0,
        )
        GroupMember.objects.create(
            group=leading,
            name=spec["leader"]["name"],
            position=spec["leader"]["position"],
            role=GroupMember.Role.LEADER,
        )
        office = WorkingGroup.objects.create(
            town=self.town,
            name="脱贫攻坚普查工作领导小组办公室",
            kind=WorkingGroup.GroupKind.OFFICE,
            parent=leading,
            duties=spec["office_duties"],
            established_on=established,
            order=1,
        )
        GroupMember.objects.create(
            group=office, name=self.name(Sex.MALE), position="副镇长", role=GroupMember.Role.LEADER
        )
        GroupMember.objects.create(
            group=office,
            name=self.name(Sex.FEMALE),
            position="扶贫办主任",
            role=GroupMember.Role.CONTACT,
        )
        for order, group_spec in enumerate(spec["groups"], start=2):
            group = WorkingGroup.objects.create(
                town=self.town,
                name=group_spec["name"],
                kind=WorkingGroup.GroupKind.WORKING_GROUP,
                parent=leading,
                duties=group_spec["duties"],
                established_on=established,
                order=order,
            )
            GroupMember.objects.create(
                group=group,
                name=self.name(Sex.MALE),
                position="镇班子成员",
                role=GroupMember.Role.LEADER,
            )
            GroupMember.objects.create(
                group=group,
                name=self.name(Sex.FEMALE),
                position="干部",
                role=GroupMember.Role.CONTACT,
            )
        staff = [
            CensusStaff(
                name=self.name(self.rng.choice([Sex.MALE, Sex.FEMALE])),
                role=CensusStaff.Role.ENUMERATOR,
                village=village,
            )
            for village in self.villages.values()
            for _ in range(spec["enumerators_per_village"])
        ]
        staff += [
            CensusStaff(name=self.name(Sex.FEMALE), role=CensusStaff.Role.REVIEWER)
            for _ in range(spec["reviewers"])
        ]
        CensusStaff.objects.bulk_create(staff)

    def build(self):
        self.build_geography()
        self.build_programmes()
        self.plan_not_lifted()
        self.plan_registered()
        self.plan_removed()
        self.plan_members()
        self.assign_health()
        self.plan_housing()
        self.write_households()
        self.write_responsible_persons()
        self.write_incomes_and_guarantees()
        self.write_measures()
        self.write_village_projects()
        self.write_rectification()
        self.write_census()


def build_demo_town(*, path: Path = DEMO_FIXTURE) -> None:
    """Build the demo town in one transaction. The caller checks it is not loaded yet."""
    with transaction.atomic():
        DemoBuilder(load_fixture(path)).build()


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


def ensure_demo_users(*, password: str) -> list[tuple[str, str]]:
    """Create one login per role (idempotent); returns (username, role) pairs.

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
