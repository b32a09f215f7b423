"""The demo town's registry: geography, households and their plans, members,
status periods, incomes and guarantees."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal

from simple_history.utils import bulk_create_with_history

from demo.base import SURNAMES, BuilderBase
from households import rules
from households.choices import (
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
    Village,
    VillagePopulation,
    VillagerGroup,
)
from measures.models import ResponsiblePerson

D = Decimal

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
PV_HOUSEHOLDS = 134
REMOVED = {"natural": 6, "cleared": 4}  # history only: not registered in 2020


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


class RegistryBuilder(BuilderBase):
    """Geography, households, members, status periods, incomes and guarantees."""

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
            PolicyYear(province_name=self.county.province, year=int(year), poverty_line=D(line))
            for year, line in data["poverty_lines"].items()
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
