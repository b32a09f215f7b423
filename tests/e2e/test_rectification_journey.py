"""Rectification in a real browser: the town administrator records an
inspection round and a problem of 学田地村; the village cadre responsible for
it starts the rectification and uploads a photo as evidence, and cannot close
it; the administrator closes it and downloads the evidence; the cadre of
点力村 never sees it. An administrator responsible for a problem is refused
its closing too (separation of duties).

Driven as a user would: fields by their labels, links and buttons by their
names, the upload through the file input, every wait one of Playwright's
auto-waiting assertions.
"""

import re
import struct
import zlib
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from households import roles
from rectification import services
from rectification.models import InspectionRound, Problem, ProblemStatus
from tests.e2e.conftest import PASSWORD, login

ROUND = "2020年脱贫攻坚成效考核反馈(测试)"
PROBLEM = "学田地村部分农户住房安全等级鉴定表缺少鉴定人签字"
SEPARATION = "您是该问题的整改责任人,不能为自己负责的问题销号;须由其他人员核实佐证材料后销号"


def png(red: int = 255) -> bytes:
    """A real one-pixel PNG (signature, IHDR, IDAT, IEND with their CRCs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8 bits, RGB
    pixels = zlib.compress(bytes([0, red, 128, 0]))  # filter byte, then R, G, B
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_problem_recorded_rectified_with_evidence_and_closed_by_someone_else(
    new_page, live_server, registry, tmp_path
):
    photo = tmp_path / "整改照片.png"
    photo.write_bytes(png())

    # -- The administrator records the round and its problem, responsible: the cadre.
    admin = new_page()
    login(admin, live_server, "admin")
    admin.get_by_role("navigation", name="主菜单").get_by_role("link", name="问题整改").click()
    admin.get_by_role("link", name="新增检查反馈").click()
    admin.get_by_label("检查名称").fill(ROUND)
    admin.get_by_label("检查类型").select_option(label="国家成效考核")
    admin.get_by_label("年度").fill("2020")
    admin.get_by_label("反馈日期").fill("2020-04-15")
    admin.get_by_role("button", name="保存").click()
    expect(admin.locator(".messages")).to_contain_text("检查反馈已保存")
    expect(admin.locator("h1")).to_have_text(ROUND)

    admin.get_by_role("link", name="新增问题").click()
    expect(admin.get_by_label("发现日期")).to_have_value("2020-04-15")
    admin.get_by_label("问题类别").select_option(label="住房安全保障")
    admin.get_by_label("问题描述").fill(PROBLEM)
    admin.get_by_label("学田地村", exact=True).check()
    admin.get_by_label("整改责任人").fill("学田地村村干部")
    admin.get_by_label("责任人账号").select_option(label="学田地村村干部(cadre)")
    admin.get_by_label("整改时限").fill("2020-06-30")
    admin.get_by_role("button", name="保存").click()
    expect(admin.locator(".messages")).to_contain_text("问题已保存")
    expect(admin.locator("#status")).to_have_text("待整改")
    problem = Problem.objects.get(text=PROBLEM)
    assert list(problem.villages.values_list("name", flat=True)) == ["学田地村"]
    assert problem.responsible_user.username == "cadre"
    problem_url = f"{live_server.url}/rectification/problems/{problem.pk}/"

    # -- The responsible cadre finds it among their tasks, starts it, uploads evidence.
    cadre = new_page()
    login(cadre, live_server, "cadre")
    cadre.get_by_role("navigation", name="主菜单").get_by_role("link", name="问题整改").click()
    cadre.get_by_role("link", name="我的整改任务").click()
    expect(cadre.locator("#task-summary")).to_contain_text("待完成 1 项")
    cadre.locator("#open-tasks").get_by_role("link", name=PROBLEM).click()
    expect(cadre).to_have_url(re.compile(rf"/rectification/problems/{problem.pk}/"))
    cadre.get_by_role("link", name="开始整改").click()
    cadre.get_by_label("整改措施").fill("逐户补签鉴定人签字并重新归档")
    cadre.get_by_role("button", name="保存").click()
    expect(cadre.locator(".messages")).to_contain_text("已开始整改")
    expect(cadre.locator("#status")).to_have_text("正在整改")

    cadre.get_by_label("佐证材料").set_input_files(photo)
    cadre.get_by_label("说明").fill("补签后的鉴定表")
    cadre.get_by_role("button", name="上传").click()
    expect(cadre.locator(".messages")).to_contain_text("佐证材料已上传")
    evidence_rows = cadre.locator("#evidence-files tbody tr")
    expect(evidence_rows).to_have_count(1)
    expect(evidence_rows).to_contain_text("整改照片.png")
    expect(evidence_rows).to_contain_text("补签后的鉴定表")
    evidence = problem.evidence.get()
    assert (evidence.content_type, evidence.size) == ("image/png", len(png()))

    # The responsible person cannot close their own problem: told so, no button,
    # and the closing page is refused.
    expect(cadre.locator("main")).to_contain_text(
        "您是该问题的整改责任人:上传佐证材料后,由其他人员核实销号。"
    )
    expect(cadre.get_by_role("link", name="核实销号")).to_have_count(0)
    response = cadre.goto(f"{problem_url}close/")
    assert response is not None and response.status == 403
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RECTIFYING

    # -- The administrator closes it: the note is required, then it is done.
    admin.goto(problem_url)
    expect(admin.locator("#status")).to_have_text("正在整改")
    admin.get_by_role("link", name="核实销号").click()
    admin.get_by_label("完成日期").fill("2020-06-20")
    admin.get_by_role("button", name="保存").click()
    expect(admin.locator("#field-completion_note")).to_contain_text("请填写完成情况说明")
    admin.get_by_label("完成情况说明").fill("已核实:鉴定表均已补签,材料齐全")
    admin.get_by_role("button", name="保存").click()
    expect(admin.locator(".messages")).to_contain_text("问题已销号")
    expect(admin.locator("#status")).to_have_text("已完成")
    expect(admin.locator("main")).to_contain_text("已核实:鉴定表均已补签,材料齐全")
    expect(admin.locator("#history")).to_contain_text("开始整改")
    expect(admin.locator("#history")).to_contain_text("核实销号")
    problem.refresh_from_db()
    assert (problem.status, problem.completed_on, problem.closed_by.username) == (
        ProblemStatus.DONE,
        date(2020, 6, 20),
        "admin",
    )

    # The evidence downloads, as the very file uploaded.
    with admin.expect_download() as downloading:
        admin.locator("#evidence-files").get_by_role("link", name="整改照片.png").click()
    download = downloading.value
    assert download.suggested_filename == "整改照片.png"
    assert download.path().read_bytes() == png()

    # -- The cadre of 点力村 sees neither the problem nor its evidence.
    other = new_page()
    login(other, live_server, "cadre2")
    other.get_by_role("navigation", name="主菜单").get_by_role("link", name="问题整改").click()
    expect(other.locator('[data-count="found"]')).to_have_text("0")
    other.get_by_role("link", name="全部问题").click()
    expect(other.locator("#problem-count")).to_have_text("共 0 个问题")
    expect(other.locator("#problems")).not_to_contain_text(PROBLEM)
    for path in (
        f"/rectification/problems/{problem.pk}/",
        f"/rectification/evidence/{evidence.pk}/download/",
    ):
        response = other.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 404, path
        expect(other.locator("main")).not_to_contain_text(PROBLEM)


def test_administrator_responsible_for_a_problem_cannot_close_it(new_page, live_server, registry):
    colleague = get_user_model().objects.create_user(
        username="admin2", password=PASSWORD, first_name="镇扶贫办副主任"
    )
    colleague.groups.add(Group.objects.get(name=roles.TOWN_ADMIN))
    problem = Problem.objects.create(
        inspection_round=InspectionRound.objects.create(
            name=ROUND, kind="assessment", year=2020, feedback_on=date(2020, 4, 15)
        ),
        category="housing",
        text=PROBLEM,
        responsible_name="镇扶贫办副主任",
        responsible_user=colleague,
        found_on=date(2020, 4, 15),
        deadline=date(2020, 6, 30),
        status=ProblemStatus.RECTIFYING,
        measures_taken="逐户补签",
    )
    problem.villages.set([registry.xuetiandi.household.village])
    services.evidence_add(
        problem=problem,
        upload=SimpleUploadedFile("鉴定表.png", png(), content_type="image/png"),
        user=colleague,
    )

    page = new_page()
    login(page, live_server, "admin2")
    page.goto(f"{live_server.url}/rectification/problems/{problem.pk}/")
    expect(page.locator("#status")).to_have_text("正在整改")
    expect(page.locator("#evidence-files")).to_contain_text("鉴定表.png")
    # No button for it; the closing page itself (the permission is theirs)
    # refuses the responsible person, whatever they fill in.
    expect(page.get_by_role("link", name="核实销号")).to_have_count(0)
    page.goto(f"{live_server.url}/rectification/problems/{problem.pk}/close/")
    page.get_by_label("完成日期").fill("2020-06-20")
    page.get_by_label("完成情况说明").fill("已整改")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text(SEPARATION)
    problem.refresh_from_db()
    assert (problem.status, problem.closed_by) == (ProblemStatus.RECTIFYING, None)

    # Another administrator may.
    other = new_page()
    login(other, live_server, "admin")
    other.goto(f"{live_server.url}/rectification/problems/{problem.pk}/close/")
    other.get_by_label("完成日期").fill("2020-06-20")
    other.get_by_label("完成情况说明").fill("已核实")
    other.get_by_role("button", name="保存").click()
    expect(other.locator("#status")).to_have_text("已完成")
