"""The work report's section 防止返贫动态监测和帮扶: the .docx, opened back with
python-docx, states the monitoring dashboard's figures for the report's scope."""

import re
from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document

from households.models import VillagePopulation
from monitoring.choices import CaseState, Category, RiskType, StepKind
from monitoring.dashboard import summary
from monitoring.models import MonitoringCase
from tests.households.conftest import make_household
from tests.monitoring.test_views import add_step, make_case

pytestmark = pytest.mark.django_db

ON = date(2024, 6, 28)
HEADING = "七、防止返贫动态监测和帮扶"


def monitored(household, category, on, risks=(RiskType.ILLNESS,)):
    case = make_case(household, category=category, risks=risks)
    add_step(case, StepKind.SYSTEM_ENTRY, on, CaseState.MONITORED, by="admin")
    return case


@pytest.fixture
def cases(town):
    own = town["household"].village
    monitored(town["household"], Category.UNSTABLE, date(2024, 3, 1), (RiskType.ILLNESS,))
    monitored(
        make_household(own, "甲户"),
        Category.EDGE,
        date(2024, 4, 1),
        (RiskType.ILLNESS, RiskType.SCHOOLING),
    )
    gone = monitored(make_household(own, "乙户"), Category.EDGE, date(2023, 9, 1))
    add_step(gone, StepKind.ELIMINATION_ANNOUNCEMENT, date(2024, 5, 6), CaseState.ELIMINATED)
    make_case(make_household(own, "丙户"), category=Category.SUDDEN)  # overdue home check
    monitored(town["other_household"], Category.SUDDEN, date(2024, 2, 1))  # another village
    VillagePopulation.objects.create(
        village=own,
        year=2024,
        registered_households=150,
        registered_persons=400,
        resident_households=140,
        resident_persons=380,
    )
    return town


def docx_section(response) -> tuple[list[str], list[list[str]]]:
    """The section's paragraphs and its table's rows, read back from the .docx."""
    document = Document(BytesIO(response.content))
    paragraphs = [p.text for p in document.paragraphs]
    start = paragraphs.index(HEADING)
    section = [p for p in paragraphs[start + 1 :] if p]
    (table,) = [t for t in document.tables if t.cell(0, 0).text == "类别" and len(t.columns) == 5]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    return section, rows


def test_the_docx_section_states_the_dashboards_figures(cases, client_for):
    village = cases["household"].village
    response = client_for("cadre").get(
        reverse("reports:report_docx"), {"on": ON.isoformat(), "year": "2024"}
    )
    assert response.status_code == 200
    paragraphs, rows = docx_section(response)
    figures = summary(cases=MonitoringCase.objects.all(), villages=[village], on=ON, year=2024)
    total = figures.total
    assert (total.monitored_total, total.monitored_persons, total.identifying) == (2, 4, 1)

    first = paragraphs[0]
    assert f"共有防返贫监测对象{total.monitored_total}户{total.monitored_persons}人" in first
    for label, n in figures.category_totals:
        assert f"{label}{n}户" in first
    assert f"监测对象发生率{total.incidence_display}" in first
    assert total.incidence_display == "1.00%"  # 4 ÷ 400
    assert "400人" in first

    flow = paragraphs[1]
    numbers = dict(
        re.findall(r"(新识别监测对象|风险消除|正在识别|超过办理期限|尚未办结)(\d+)户", flow)
    )
    assert numbers == {
        "新识别监测对象": str(figures.identified_in_year),
        "风险消除": str(figures.eliminated_in_year),
        "尚未办结": str(total.open_total),
        "正在识别": str(total.identifying),
        "超过办理期限": str(total.overdue),
    }
    assert (figures.identified_in_year, figures.eliminated_in_year, total.overdue) == (2, 1, 1)

    risks = paragraphs[2]
    for label, n in figures.risks:
        assert (f"{label}{n}户" in risks) == bool(n)
    assert "因病2户" in risks and "因学1户" in risks

    assert rows[0] == ["类别", "监测对象", "正在识别", "已消除风险", "未纳入监测"]
    by_label = {row[0]: row[1:] for row in rows[1:]}
    assert by_label["脱贫不稳定户"] == ["1", "0", "0", "0"]
    assert by_label["边缘易致贫户"] == ["1", "0", "1", "0"]
    assert by_label["突发严重困难户"] == ["0", "1", "0", "0"]
    assert by_label["合计"] == [
        str(total.monitored_total),
        str(total.identifying),
        str(total.eliminated),
        str(total.rejected),
    ]


def test_the_towns_version_counts_every_village_and_the_html_says_the_same(cases, client_for):
    client = client_for("leader")
    params = {"on": ON.isoformat(), "year": "2024"}
    paragraphs, rows = docx_section(client.get(reverse("reports:report_docx"), params))
    assert "全镇共有防返贫监测对象3户6人" in paragraphs[0]
    assert rows[-1] == ["合计", "3", "1", "1", "0"]
    html = client.get(reverse("reports:report"), params).content.decode()
    assert HEADING in html
    for paragraph in paragraphs:
        assert paragraph in html


def test_a_scope_without_cases_says_so(town, client_for):
    response = client_for("leader").get(reverse("reports:report_docx"), {"on": ON.isoformat()})
    paragraphs = [p.text for p in Document(BytesIO(response.content)).paragraphs]
    after = paragraphs[paragraphs.index(HEADING) + 1]
    assert after == "截至2024年6月28日,全镇尚无防返贫监测记录。"
