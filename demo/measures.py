"""The demo town's assistance: programmes, responsible persons, measures,
village projects and collective incomes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from demo.base import BuilderBase
from demo.registry import _fields_of
from households import rules
from households.choices import (
    ENJOYING_POLICY_STATUSES,
    EducationLevel,
    Labour,
    PovertyStatus,
    SchoolStatus,
    Sex,
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

D = Decimal

POSTS = {"国家级生态护林员": 36, "旗级生态护林员": 7, "保洁员": 114}  # 就业扶贫 (6)
LOANS = {"eligible": 402, "granted": 370}  # 金融扶贫 (7)
LINKAGES = {"福乐养鸡厂利益联结": 72, "永富肉牛养殖厂利益联结": 96, "阴山优麦食品有限公司带动": 184}
MENU_SUBSIDY_TOTAL = D("592390")
MENU_SUBSIDY_HOUSEHOLDS = 300  # not given by the report
COLLECTIVE_INCOME_2019 = D("1039000")
PV_INCOME_2019 = D("450000")
PV_INCOME_2020_ESTIMATE = D("2400000")
PURIFIERS = 478


class MeasuresBuilder(BuilderBase):
    """Programmes, responsible persons and their assignments, measures, village
    projects and collective incomes."""

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
