"""The ledger import pages: upload, preview, error workbook, confirm; who may
see and do what."""

import re
from datetime import date
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from households.ledger import annotate, services
from households.ledger.models import LedgerImport, LedgerImportStatus
from households.ledger.plan import messages
from households.models import Household, Member
from tests.factories import id_number
from tests.households.ledger.helpers import (
    FIRST_ROW,
    household,
    ledger_xlsx,
    letter,
    preview,
    setup_ledger_town,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger_town(town, settings, tmp_path):
    return setup_ledger_town(town, settings, tmp_path)


def upload(client, data, name="学田地村台账.xlsx"):
    return client.post(reverse("ledger:list"), {"file": SimpleUploadedFile(name, data)})


def detail_url(record):
    return reverse("ledger:detail", kwargs={"pk": record.pk})


def confirm_url(record):
    return reverse("ledger:confirm", kwargs={"pk": record.pk})


def cadre():
    return get_user_model().objects.get(username="cadre")


def test_cadre_uploads_previews_and_confirms_a_small_ledger(ledger_town, client_for):
    client = client_for("cadre")
    response = upload(client, ledger_xlsx(household("150927000200001")))

    record = LedgerImport.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(record)
    assert record.status == LedgerImportStatus.PREVIEWED  # previewed within the request
    page = client.get(detail_url(record))
    content = page.content.decode()
    assert "Refresh" not in page  # finished: no reloading
    assert 'id="confirm"' in content and "新增户" in content
    assert not Household.objects.filter(number="150927000200001").exists()

    response = client.post(confirm_url(record), follow=True)

    assert "导入完成" in response.content.decode()
    record.refresh_from_db()
    assert record.status == LedgerImportStatus.APPLIED
    imported = Household.objects.get(number="150927000200001")
    assert imported.history.first().history_user == cadre()
    assert 'id="confirm"' not in response.content.decode()


def test_the_list_shows_the_users_imports_newest_first(ledger_town, client_for):
    older = preview(ledger_xlsx(household("150927000200002")), cadre(), filename="一月.xlsx")
    newer = preview(ledger_xlsx(household("150927000200003")), cadre(), filename="二月.xlsx")
    content = client_for("cadre").get(reverse("ledger:list")).content.decode()
    assert content.index("二月.xlsx") < content.index("一月.xlsx")
    assert detail_url(older) in content and detail_url(newer) in content


def test_preview_lists_every_error_and_offers_no_confirm(ledger_town, client_for):
    rows = household("150927000200004", village="点力村") + household("150927000200005", size=5)
    client = client_for("cadre")
    upload(client, ledger_xlsx(rows))
    record = LedgerImport.objects.get()

    content = client.get(detail_url(record)).content.decode()

    assert 'id="confirm"' not in content
    # The cadre's own village is the upload's: another in the 行政村 column is an error.
    assert messages.ERROR_VILLAGE_DISAGREES.format(village="学田地村") in content
    assert messages.ERROR_SIZE.format(given=5, actual=2) in content
    assert reverse("ledger:errors", kwargs={"pk": record.pk}) in content
    response = client.post(confirm_url(record), follow=True)
    assert "不能导入" in response.content.decode()
    assert not Household.objects.filter(number="150927000200005").exists()


def test_error_workbook_marks_the_bad_cell_with_a_comment(ledger_town, client_for):
    rows = household("150927000200006", village="点力村")
    client = client_for("cadre")
    upload(client, ledger_xlsx(rows))
    record = LedgerImport.objects.get()

    response = client.get(reverse("ledger:errors", kwargs={"pk": record.pk}))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames[0] == annotate.SUMMARY_SHEET
    assert "1处错误" in workbook[annotate.SUMMARY_SHEET]["A1"].value
    sheet = workbook["台账"]
    cell = sheet[f"{letter('行政村')}{FIRST_ROW}"]
    assert cell.value == "点力村"  # the user's data, as uploaded
    assert messages.ERROR_VILLAGE_DISAGREES.format(village="学田地村") in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["A1"].value == "学田地村建档立卡贫困户花名册"  # layout kept
    assert sheet[f"{letter('姓名')}{FIRST_ROW}"].comment is None


def test_row_errors_are_marked_on_the_rows_first_cell(ledger_town, settings):
    orphan = {"姓名": "无户人", "身份证号": id_number(date(1990, 1, 1)), "与户主关系": "户主"}
    record = preview(ledger_xlsx([orphan, *household("150927000200007")]), cadre())
    with record.file.open("rb") as stream:
        data = stream.read()
    for rows in (0, 10**6):  # loaded whole, and streamed
        content = annotate.error_workbook(data=data, preview=record.preview, rows=rows)
        sheet = load_workbook(BytesIO(content))["台账"]
        assert str(messages.ERROR_NO_HOUSEHOLD) in sheet[f"A{FIRST_ROW}"].comment.text
        assert sheet[f"{letter('姓名')}{FIRST_ROW}"].value == "无户人"


def test_posting_confirm_twice_imports_once(ledger_town, client_for):
    client = client_for("cadre")
    upload(client, ledger_xlsx(household("150927000200008")))
    record = LedgerImport.objects.get()

    client.post(confirm_url(record))
    second = client.post(confirm_url(record), follow=True)

    assert str(services.LEDGER_ERROR_ALREADY_APPLIED) in second.content.decode()
    assert Household.objects.filter(number="150927000200008").count() == 1
    assert Member.history.filter(history_change_reason=f"台账导入#{record.pk}").count() == 2


def test_a_large_ledger_runs_in_the_background_with_a_progress_bar(
    ledger_town, client_for, settings
):
    settings.LEDGER_SYNC_ROWS = 1
    client = client_for("cadre")
    upload(client, ledger_xlsx(household("150927000200009")))
    record = LedgerImport.objects.get()
    assert record.status == LedgerImportStatus.QUEUED

    page = client.get(detail_url(record))

    assert page["Refresh"] == "2"
    content = page.content.decode()
    # The page refreshes itself without a script of its own (app.js is every page's).
    assert "<progress" in content
    assert re.findall(r"<script\b[^>]*>", content) == ['<script src="/static/js/app.js" defer>']
    base = (settings.BASE_DIR / "templates" / "base.html").read_text(encoding="utf-8")
    if "{% block head %}" in base:
        assert '<meta http-equiv="refresh" content="2">' in content

    from tests.households.ledger.worker import run_worker

    assert run_worker() == 1  # the library's worker runs the preview task
    page = client.get(detail_url(record))
    assert "Refresh" not in page and 'id="confirm"' in page.content.decode()
    # Confirming a large import queues the write as a task too.
    client.post(confirm_url(record))
    record.refresh_from_db()
    assert record.status == LedgerImportStatus.APPLYING
    assert client.get(detail_url(record))["Refresh"] == "2"
    assert run_worker() == 1
    record.refresh_from_db()
    assert record.status == LedgerImportStatus.APPLIED
    assert Household.objects.filter(number="150927000200009").exists()


def test_upload_too_large_is_an_error_on_the_form(ledger_town, client_for, settings):
    settings.LEDGER_MAX_BYTES = 1000
    response = upload(client_for("cadre"), ledger_xlsx(household("150927000200010")))
    assert response.status_code == 200
    assert "文件太大" in response.content.decode()
    assert not LedgerImport.objects.get().file  # refused: only the record is kept


def test_cancel_gives_up_a_previewed_import(ledger_town, client_for):
    client = client_for("cadre")
    upload(client, ledger_xlsx(household("150927000200011")))
    record = LedgerImport.objects.get()
    client.post(reverse("ledger:cancel", kwargs={"pk": record.pk}))
    record.refresh_from_db()
    assert record.status == LedgerImportStatus.CANCELLED
    client.post(confirm_url(record))
    assert not Household.objects.filter(number="150927000200011").exists()


# -- who may --------------------------------------------------------------------------


def test_leader_may_not_import(ledger_town, client_for):
    record = preview(ledger_xlsx(household("150927000200012")), cadre())
    leader = client_for("leader")
    assert leader.get(reverse("ledger:list")).status_code == 403
    assert leader.get(detail_url(record)).status_code == 403
    assert leader.post(confirm_url(record)).status_code == 403


def test_another_cadre_does_not_find_someone_elses_import(ledger_town, client_for):
    record = preview(ledger_xlsx(household("150927000200013")), cadre())
    other = client_for("cadre2")
    assert other.get(detail_url(record)).status_code == 404
    assert other.get(reverse("ledger:errors", kwargs={"pk": record.pk})).status_code == 404
    assert other.post(confirm_url(record)).status_code == 404
    assert "150927000200013" not in other.get(reverse("ledger:list")).content.decode()
    record.refresh_from_db()
    assert record.status == LedgerImportStatus.PREVIEWED


def test_administrator_sees_and_may_confirm_every_import(ledger_town, client_for):
    record = preview(ledger_xlsx(household("150927000200014")), cadre())
    admin = client_for("admin")
    assert record.file_name in admin.get(reverse("ledger:list")).content.decode()
    admin.post(confirm_url(record))
    record.refresh_from_db()
    assert record.status == LedgerImportStatus.APPLIED


def test_confirm_is_post_only(ledger_town, client_for):
    record = preview(ledger_xlsx(household("150927000200015")), cadre())
    assert client_for("cadre").get(confirm_url(record)).status_code == 405


def test_anonymous_is_sent_to_login(ledger_town, client_for):
    response = client_for(None).get(reverse("ledger:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# -- the round trip from the 台账导入 page ----------------------------------------


def test_the_import_page_links_the_template_and_the_exports(ledger_town, client_for):
    from households.models import Village

    own = Village.objects.get(name="学田地村")
    content = client_for("cadre").get(reverse("ledger:list")).content.decode()
    assert f"{reverse('ledger:template')}?village={own.pk}" in content
    assert f'{reverse("ledger:export")}?village={own.pk}"' in content
    assert f"{reverse('ledger:registry_export')}?village={own.pk}" in content
    # The cadre's own village is preselected and the only choice.
    assert f'<option value="{own.pk}" selected>学田地村</option>' in content
    assert "点力村" not in content


def test_the_full_id_export_is_linked_only_for_those_allowed(ledger_town, client_for):
    from django.contrib.auth.models import Permission

    cadre_content = client_for("cadre").get(reverse("ledger:list")).content.decode()
    allowed = cadre().has_perm("households.reveal_id_number")
    assert ("ids=full" in cadre_content) == allowed
    if not allowed:
        user = cadre()
        user.user_permissions.add(Permission.objects.get(codename="reveal_id_number"))
        content = client_for("cadre").get(reverse("ledger:list")).content.decode()
        assert "ids=full" in content


def test_an_administrator_chooses_the_village_or_the_column(ledger_town, client_for):
    content = client_for("admin").get(reverse("ledger:list")).content.decode()
    assert "按文件中的“行政村”列" in content
    assert "学田地村</option>" in content and "点力村</option>" in content


def test_a_cadre_cannot_post_another_village(ledger_town, client_for):
    from households.models import Village

    other = Village.objects.get(name="点力村")
    response = client_for("cadre").post(
        reverse("ledger:list"),
        {"village": other.pk, "file": SimpleUploadedFile("a.xlsx", ledger_xlsx(household("X1")))},
    )
    assert response.status_code == 200  # the form refuses the choice
    assert not LedgerImport.objects.exists()


def test_a_file_refused_before_parsing_is_deleted_and_its_record_kept(
    ledger_town, client_for, tmp_path
):
    client = client_for("cadre")
    upload(client, b"PK\x03\x04" + b"\x00" * 200, name="坏文件.xlsx")
    record = LedgerImport.objects.get()
    assert record.status == LedgerImportStatus.FAILED
    assert not record.file and record.file_name == "坏文件.xlsx" and len(record.sha256) == 64
    assert not any(path.is_file() for path in tmp_path.rglob("*.xlsx"))
    content = client.get(reverse("ledger:list")).content.decode()
    assert "失败" in content


def test_an_unconfirmed_preview_is_shown_abandoned(ledger_town, client_for, settings):
    from datetime import timedelta

    from django.utils import timezone

    client = client_for("cadre")
    upload(client, ledger_xlsx(household("150927000200099")))
    record = LedgerImport.objects.get()
    settings.LEDGER_PREVIEW_HOURS = 24
    LedgerImport.objects.filter(pk=record.pk).update(
        previewed_at=timezone.now() - timedelta(hours=25)
    )
    content = client.get(reverse("ledger:list")).content.decode()
    assert "已放弃" in content and "已预览,待确认" not in content
    detail = client.get(detail_url(record)).content.decode()
    assert 'id="abandoned"' in detail and 'id="confirm"' not in detail
    response = client.post(confirm_url(record), follow=True)
    assert "已放弃" in response.content.decode()
    assert not Household.objects.filter(number="150927000200099").exists()


def test_errors_are_grouped_by_kind_with_counts(ledger_town, client_for):
    rows = []
    for n in range(7):
        rows += household(f"15092700030{n:04d}", village="点力村")
    client = client_for("cadre")
    upload(client, ledger_xlsx(rows))
    record = LedgerImport.objects.get()
    (group,) = [g for g in record.preview["error_groups"] if g["title"] == "行政村"]
    assert group["count"] == 7 and len(group["cells"]) == 5
    content = client.get(detail_url(record)).content.decode()
    assert 'id="error-groups"' in content
