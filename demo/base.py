"""The demo builder's shared state: the fixture, the seeded generator, pseudonyms."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from households.choices import Sex

if TYPE_CHECKING:
    from demo.registry import HouseholdPlan

DEMO_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "demo_town.json"
SEED = 20200531

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"  # noqa: E501
GIVEN_MALE = "永福德旺守业长青建国有田宝山志强万财福来国庆立新振华海军文明玉林俊杰春生秋生东升满仓富贵存厚正海"  # noqa: E501
GIVEN_FEMALE = "桂兰玉梅金花秀英凤英淑珍桂芝翠花丽娟红梅秀兰春梅海燕晓燕美玲小红艳芳丽华冬梅"


def load_fixture(path: Path = DEMO_FIXTURE) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


class BuilderBase:
    """What every part of the builder shares: the fixture's data, the one seeded
    generator (every draw in the order of :meth:`demo.build.DemoBuilder.build`),
    the household plans and the pseudonyms."""

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
