"""The demo town's rectification: inspection rounds, problems, evidence."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from demo.base import BuilderBase
from households.choices import PovertyStatus
from households.models import Household
from rectification.models import Evidence, InspectionRound, Problem, ProblemStatus


class RectificationBuilder(BuilderBase):
    """Inspection rounds, their problems and the closed problems' evidence."""

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
