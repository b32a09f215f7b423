"""The demo town's dashboard and work report read as the seed report does."""

import re
from datetime import date
from html import unescape
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse

from demo.build import ensure_demo_users
from households import selectors as registry
from households.choices import REGISTERED_STATUSES, PovertyStatus
from households.models import Village
from reports import selectors

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_town"), pytest.mark.slow]

AS_OF = {"on": "2020-05-31", "year": "2020"}

#: What the seed report says, as the generated report must say it.
SEED_FIGURES = [
    # 一、基本情况
    "辖12个行政村,74个村民小组",
    "户籍人口8956户18516人,常住2914户6211人",
    # 二、贫困现状
    "全镇共有4个重点贫困村,4个深度贫困村,2016年退出1个,2018年退出1个,2019年退出6个",
    "现有建档立卡贫困户1347户2829人",
    "正常脱贫1260户2624人",
    "稳定脱贫72户178人",
    "未脱贫15户27人",
    "贫困发生率0.15%",
    # 三、2020年脱贫计划及主要做法
    "2020年计划实施危房改造91户,其中修缮加固11户、置换1户、新建79户,目前已完工77户",
    "为2651名贫困人口补贴城乡居民医疗保险",
    "每人135.00元",
    "每人145.00元",
    "为2651人代缴商业补充保险每人260.00元",
    "为123人实施上门送药服务",
    "全年按270天计算,分别是1,890.00元、2,160.00元、4,050.00元",
    "资助建档立卡贫困学生197人,其中小学71人,初中51人,普通高中31人,中职27人,大专及以上17人",
    "2019年为7个村发放安装净水机478台,9个村安装自来水",
    "学田地村福乐养鸡厂带动贫困户72户,每户每年增收3,000.00元",
    "点力村永富肉牛养殖厂带动贫困户96户,每户每年增收4,000.00元",
    "阴山优麦食品有限公司带动贫困户184户,每户每年增收900.00元",
    "资金59.24万元",
    "2019年底村集体经济收入达到103.90万元",
    "8个村建设了村级光伏电站,每个村500千瓦,2019年收益共计45.00万元",
    "纳入光伏扶贫电站收益分配的贫困户134户,每户每年收益3,000.00元",
    "国家级生态护林员36人,每人每年工资10,000.00元",
    "旗级生态护林员7人,每人每年工资5,000.00元",
    "保洁员114人,每人每年工资3,600.00元",
    "有贷款意愿、符合贷款条件的贫困户402户,目前已发放贷款370户,32户正在办理",
    "享受最低生活保障944户、1716人,五保(特困供养)人员44人",
    "享受重度残疾人护理补贴110人",
    "享受困难残疾人生活补贴183人",
    # 四、未脱贫户
    "未脱贫户15户27人",
    "人均纯收入12,181.50元,住房安全无保障,享受A类低保",
    "人均纯收入9,194.88元",
    "户主已于2020年1月死亡",
    # 五、问题整改
    "共9条问题,其中涉及住房安全保障3条问题、产业指导员2条问题、饮水安全2条问题、金融扶贫2条问题",
    "共6条问题,其中涉及住房安全保障3条问题、金融扶贫1条问题、就业扶贫2条问题",
    "共15条问题,其中涉及表册7条问题、两不愁三保障2条问题、帮扶措施6条问题",
    "已完成整改14条,正在整改1条",
    "发现建新未拆旧问题13条,涉及4个行政村,已完成整改12条,正在整改1条",
    # 六、普查准备
    "镇长为组长的脱贫攻坚普查工作领导小组",
    "综合协调组、方案设计与实施组、数据处理组、宣传组、质量监督与执法检查组等5个小组",
    "每个村设置3名摸底清查人员,镇政府设置3名数据审核人员",
]


@pytest.fixture
def client_as():
    ensure_demo_users(password="demo-Password-2020")
    from django.contrib.auth import get_user_model

    def make(username):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return make


def page_text(response) -> str:
    content = response.content.decode()
    article = content[content.index('<article class="work-report"') : content.index("</article>")]
    return unescape(re.sub(r"<[^>]+>", "", article))


def docx_paragraphs(response) -> list[str]:
    from docx import Document

    return [p.text for p in Document(BytesIO(response.content)).paragraphs if p.text]


def test_the_report_states_the_seed_figures_in_html_and_docx(client_as):
    client = client_as("leader")
    html = page_text(client.get(reverse("reports:report"), AS_OF))
    paragraphs = docx_paragraphs(client.get(reverse("reports:report_docx"), AS_OF))
    docx = "\n".join(paragraphs)
    missing = [f for f in SEED_FIGURES if f not in html or f not in docx]
    assert missing == []
    # The same text, paragraph by paragraph.
    assert paragraphs[0] == "铁沙盖镇脱贫攻坚工作情况汇报"
    assert all(p in html for p in paragraphs)
    # Fifteen households, each with its measures.
    assert re.findall(r"\((\d+)\)\S+?\((?:保留户|新识别户)\)", docx) == [
        str(i) for i in range(1, 16)
    ]
    assert docx.count("措施:") == 15


def test_the_report_follows_the_as_of_date(client_as):
    client = client_as("leader")
    # In July the newborn of report household 15 is a member: 28 persons not lifted.
    html = page_text(client.get(reverse("reports:report"), {"on": "2020-07-31"}))
    assert "未脱贫15户28人" in html
    assert "截至2020年7月31日" in html


def test_a_village_cadre_gets_their_villages_report(client_as):
    village = Village.objects.get(name="学田地村")
    response = client_as("cadre").get(reverse("reports:report"), AS_OF)
    html = page_text(response)
    assert "铁沙盖镇学田地村脱贫攻坚工作情况汇报" in html
    tallies = registry.town_status_tallies(on=date(2020, 5, 31), village_ids=[village.pk])
    registered = registry.sum_tallies(tallies, REGISTERED_STATUSES)
    assert f"现有建档立卡贫困户{registered.households}户{registered.persons}人" in html
    not_lifted = tallies[PovertyStatus.NOT_LIFTED]
    assert f"学田地村未脱贫户{not_lifted.households}户{not_lifted.persons}人" in html
    section = html[html.index("四、") : html.index("五、")]
    others = Village.objects.exclude(pk=village.pk).values_list("name", flat=True)
    assert not any(f",{name}," in section for name in others)


def test_the_dashboard_shows_the_towns_figures(client_as):
    content = client_as("leader").get(reverse("reports:dashboard"), AS_OF).content.decode()
    assert 'id="registered">1347户 2829人<' in content
    assert 'id="incidence">0.15%<' in content
    assert 'id="enjoying">2651人<' in content
    assert 'id="dibao">944户 1716人<' in content
    assert 'id="tekun">44人<' in content
    assert 'id="students">197人<' in content
    table = content[content.index('id="measures"') :]
    assert "住房安全" in table and "就业" in table


def test_village_rows_add_up_to_the_town(client_as):
    dashboard = selectors.dashboard(on=date(2020, 5, 31), year=2020, scope=selectors.town_scope())
    assert len(dashboard.rows) == 12
    assert sum((row.registered for row in dashboard.rows), registry.Tally()) == registry.Tally(
        1347, 2829
    )
    assert sum(row.poor.persons for row in dashboard.rows) == 27
    # No registered population in the history before 2020: incidence unknown, not zero.
    assert [y.incidence.display for y in dashboard.history[:-1]] == ["—"] * 6
    assert dashboard.history[-1].incidence.display == "0.15%"


def test_the_demo_dashboard_runs_the_small_towns_number_of_queries(
    client_as, django_assert_num_queries
):
    client = client_as("leader")
    url = reverse("reports:dashboard")
    client.get(url, AS_OF)
    with django_assert_num_queries(19):  # computed
        client.get(url, {**AS_OF, "refresh": "1"})
    with django_assert_num_queries(6):  # kept
        client.get(url, AS_OF)


def test_open_problems_link_to_the_problems_they_count(client_as):
    client = client_as("leader")
    content = client.get(reverse("reports:dashboard"), AS_OF).content.decode()
    links = re.findall(r'<a href="(/rectification/problems/\?village=[^"]+)">(\d+)</a>', content)
    assert len(links) == 12
    assert sum(int(n) for _link, n in links) >= 2  # a problem may concern several villages
    for link, n in links:
        listing = client.get(unescape(link)).content.decode()
        listed = set(re.findall(r'href="/rectification/problems/(\d+)/[?"]', listing))
        assert len(listed) == int(n), link
