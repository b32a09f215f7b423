"""End-to-end fixtures: a real headless Chromium (Playwright, sync API) against
pytest-django's ``live_server``.

The browser is the system's Chromium (``CHROMIUM_PATH``, else
``/usr/bin/chromium``, else ``chromium`` on ``PATH``); Playwright never
downloads one. Without a browser the tests are skipped, except on CI
(``CI`` set), where a missing browser is a broken setup and fails.
"""

import os

# Playwright's sync API runs an asyncio event loop in the test thread and
# leaves it marked as running between calls. Django then believes the ORM is
# called from async code and raises SynchronousOnlyOperation in every fixture
# and assertion that reads the database. Those calls are plain sequential
# code in the one test thread (the live server has its own threads), so the
# safety check is a false positive here: switch it off before Django runs
# any query.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import shutil
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect, sync_playwright

from demo.build import ensure_demo_users
from households import roles
from households.choices import HousingGrade, PovertyStatus, Relation
from households.models import County, Household, Town
from tests.factories import (
    GuaranteeFactory,
    HouseholdFactory,
    IncomeFactory,
    MemberFactory,
    PolicyYearFactory,
    StatusFactory,
    VillageFactory,
    id_number,
)

PASSWORD = "e2e-only-password-2020"
AS_OF = date(2020, 5, 31)
TIMEOUT_MS = 10_000
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SYSTEM_CHROMIUM = "/usr/bin/chromium"


# --------------------------------------------------------------------------
# Browser
# --------------------------------------------------------------------------


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_chromium() -> str:
    """The Chromium to drive; skips the test (fails it on CI) if there is none."""
    configured = os.environ.get("CHROMIUM_PATH", "").strip()
    if configured:
        if _is_executable(configured):
            return configured
        # Pointed at explicitly: a wrong path is a broken setup, never a skip.
        pytest.fail(f"CHROMIUM_PATH={configured!r} is not an executable file")
    if _is_executable(SYSTEM_CHROMIUM):
        return SYSTEM_CHROMIUM
    found = shutil.which("chromium")
    if found:
        return found
    reason = (
        "no Chromium for the end-to-end tests: set CHROMIUM_PATH, or install the "
        f"system package so that {SYSTEM_CHROMIUM} or `chromium` on PATH exists "
        "(Playwright's own browser download is not used)"
    )
    if _on_ci():
        pytest.fail(f"{reason}; CI must provide it")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    executable = find_chromium()
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except BaseException:
        playwright.stop()
        raise
    expect.set_options(timeout=TIMEOUT_MS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def new_page(browser):
    """Make a page in a fresh browser context (own cookies: another user)."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def login(page: Page, live_server, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page and wait until it has been left."""
    page.goto(f"{live_server.url}/accounts/login/")
    submit_login(page, username, password)


def submit_login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill in and submit the login form the page shows."""
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def as_of_2020(settings):
    # The live server thread reads the same settings object.
    settings.DEFAULT_AS_OF = AS_OF


@dataclass(frozen=True)
class Case:
    """One village's registered household, as the tests know it."""

    household: Household
    village_name: str
    head_name: str
    spouse_name: str

    @property
    def pk(self) -> int:
        return self.household.pk

    @property
    def number(self) -> str:
        return self.household.number


@dataclass(frozen=True)
class Registry:
    xuetiandi: Case  # 学田地村: the village of the user ``cadre``
    dianli: Case  # 点力村: another village


def _household(town, village_name, number, head_name, spouse_name) -> Case:
    village = VillageFactory(town=town, name=village_name)
    household = HouseholdFactory(village=village, number=number)
    MemberFactory(
        household=household,
        name=head_name,
        relation=Relation.HEAD,
        id_number=id_number(date(1978, 3, 12), male=True),
    )
    MemberFactory(
        household=household,
        name=spouse_name,
        relation=Relation.SPOUSE,
        id_number=id_number(date(1980, 9, 2), male=False),
    )
    StatusFactory(household=household, status=PovertyStatus.NOT_LIFTED)
    # 7,000 for 2 persons: 3,500 per capita, below the 2020 line of 4,000.
    IncomeFactory(household=household, year=2020, assessed_on=AS_OF, wage_income=Decimal(7000))
    GuaranteeFactory(
        household=household,
        food_ok=True,
        clothing_ok=True,
        housing_grade=HousingGrade.B,
        water_ok=True,
    )
    return Case(household, village_name, head_name, spouse_name)


def add_household(
    village,
    number: str,
    names: list[str],
    *,
    wage_income: Decimal = Decimal(7000),
    statuses: tuple[tuple[str, date], ...] = ((PovertyStatus.NOT_LIFTED, date(2019, 11, 15)),),
) -> Household:
    """One more household in an existing village: ``names[0]`` is the head,
    ``statuses`` its status periods as (status, from) in order (each ends
    where the next begins), its 2020 income assessed on ``AS_OF``."""
    household = HouseholdFactory(village=village, number=number)
    for i, name in enumerate(names):
        MemberFactory(
            household=household,
            name=name,
            relation=Relation.HEAD if i == 0 else Relation.CHILD,
            id_number=id_number(date(1975 + 12 * min(i, 1) + i, 5, 1), male=i % 2 == 0),
        )
    for (status, valid_from), following in zip(statuses, [*statuses[1:], None], strict=True):
        StatusFactory(
            household=household,
            status=status,
            valid_from=valid_from,
            valid_to=following[1] if following else None,
        )
    IncomeFactory(household=household, year=2020, assessed_on=AS_OF, wage_income=wage_income)
    GuaranteeFactory(
        household=household,
        food_ok=True,
        clothing_ok=True,
        housing_grade=HousingGrade.B,
        water_ok=True,
    )
    return household


@pytest.fixture
def registry(transactional_db, live_server) -> Registry:
    """Two villages with one household each, the policy of 2020 and the demo users.

    Committed (``transactional_db``) so that the live server sees it; the
    flush after each test removes it again.
    """
    if Town.objects.exists():
        # A transactional test starts from an empty database; rows here were
        # committed by an earlier test that did not clean up after itself.
        pytest.fail(
            "committed registry data left behind by an earlier test (e.g. the demo_town "
            f"fixture's teardown failed): towns {list(Town.objects.values_list('name', flat=True))}"
        )
    # The role groups come from post_migrate (households.roles.sync_roles),
    # which Django also emits after the flush between transactional tests;
    # make sure of them rather than depend on that.
    if Group.objects.filter(name__in=roles.ROLE_LABELS).count() != len(roles.ROLE_LABELS):
        roles.sync_roles()
    county = County.objects.create(
        name="察哈尔右翼中旗", code="150927000000", province="内蒙古自治区"
    )
    town = Town.objects.create(name="铁沙盖镇", county=county)
    PolicyYearFactory(year=2020, poverty_line=Decimal(4000))
    result = Registry(
        xuetiandi=_household(town, "学田地村", "150927001000101", "王建国", "李秀英"),
        dianli=_household(town, "点力村", "150927002000201", "张有才", "赵桂兰"),
    )
    ensure_demo_users(password=PASSWORD)
    return result
