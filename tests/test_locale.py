"""The admin speaks Chinese where the libraries do not (locale/zh_Hans):
django-axes' login records and the two-box picker of a user's 组."""

import ast
import gettext
import json
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.accounts.personas import admin_client_for, admins  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_security_administrator_reads_the_login_records_in_chinese(admin_client_for):  # noqa: F811
    AccessAttempt.objects.create(username="cadre", ip_address="10.0.0.8", failures_since_start=3)
    client = admin_client_for("secadmin")

    index = client.get(reverse("admin:index")).content.decode()
    assert "登录防护" in index and "登录尝试" in index
    assert "Axes" not in index and "Access attempts" not in index

    page = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    for head in ("用户名", "IP 地址", "登录失败次数", "尝试时间"):
        assert head in page
    for english in ("Access attempts", "IP Address", "Failed Logins", "Attempt Time"):
        assert english not in page


def test_the_group_picker_is_in_chinese(admin_client_for):  # noqa: F811
    # The catalog is JavaScript holding JSON strings (non-ASCII escaped).
    catalog = admin_client_for("sysadmin").get(reverse("admin:jsi18n")).content.decode()
    assert json.dumps("选择全部%s") in catalog
    assert json.dumps("在左侧选中%s,然后点击“选择”箭头按钮。") in catalog


# --------------------------------------------------------------------------
# The catalog: locale/zh_Hans/LC_MESSAGES/django.po and its compiled django.mo
# (committed, so that `make run` needs no gettext tools). `make messages`
# rebuilds both from the source.
# --------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
REBUILD = "run `make messages` (needs GNU gettext: apt-get install gettext)"


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (or
    msgstr[n]) and whether it is fuzzy; obsolete entries (``#~``) left out."""
    entries: list[dict] = []
    entry: dict = {}
    key = None

    def close():
        nonlocal entry, key
        if "msgid" in entry:
            entries.append(entry)
        entry, key = {}, None

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#~"):
            if not line:
                close()
            continue
        if line.startswith("#"):
            if key is not None and key.startswith("msgstr"):
                close()
            if line.startswith("#,") and "fuzzy" in line:
                entry["fuzzy"] = True
            continue
        if line.startswith('"'):
            entry[key] += ast.literal_eval(line)
            continue
        keyword, _, text = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and key is not None and key.startswith("msgstr"):
            fuzzy = entry.get("fuzzy")
            close()
            if fuzzy and keyword == "msgctxt":
                entry["fuzzy"] = True
        key = keyword
        entry[key] = ast.literal_eval(text)
    close()
    return entries


def compiled_catalog(entries: list[dict]) -> dict:
    """What msgfmt puts in the .mo for ``entries``, keyed as Python's
    ``gettext.GNUTranslations`` keys its catalog (without the header)."""
    catalog = {}
    for e in entries:
        if e.get("fuzzy") or e["msgid"] == "":
            continue
        msgid = e["msgid"] if "msgctxt" not in e else f"{e['msgctxt']}\x04{e['msgid']}"
        if "msgid_plural" in e:
            forms = [e[k] for k in sorted(k for k in e if k.startswith("msgstr["))]
            if all(forms):
                catalog.update({(msgid, n): form for n, form in enumerate(forms)})
        elif e["msgstr"]:
            catalog[msgid] = e["msgstr"]
    return catalog


def mo_catalog(path: Path) -> dict:
    with path.open("rb") as f:
        catalog = dict(gettext.GNUTranslations(f)._catalog)
    catalog.pop("", None)
    return catalog


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_committed_mo_is_the_compiled_po(domain):
    po = compiled_catalog(po_entries(CATALOG / f"{domain}.po"))
    mo = mo_catalog(CATALOG / f"{domain}.mo")
    assert po, f"{domain}.po translates nothing"
    assert mo == po, f"{domain}.mo is not {domain}.po compiled: {REBUILD}"


def test_the_catalog_reader_sees_a_changed_translation(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        '#, python-format\nmsgctxt "history action"\nmsgid "Access Attempt"\nmsgstr "登录尝试"\n\n'
        '#, fuzzy\nmsgid "Path"\nmsgstr "路径"\n\n'
        'msgid "Username"\nmsgstr ""\n\n'
        '#~ msgid "Locked Out"\n#~ msgstr "已锁定"\n',
        encoding="utf-8",
    )
    assert compiled_catalog(po_entries(po)) == {"history action\x04Access Attempt": "登录尝试"}


#: The marking functions makemessages extracts (Django's xgettext keywords):
#: the index of the msgctxt argument (or None) and of the msgid.
MARKERS = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}


def marked_messages(path: Path):
    """(msgctxt, msgid) of every literal message ``path`` marks for translation."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        if node.func.id not in MARKERS:
            continue
        context, index = MARKERS[node.func.id]
        args = node.args
        if len(args) <= index or not isinstance(args[index], ast.Constant):
            continue
        msgctxt = args[context].value if context is not None else None
        yield msgctxt, args[index].value


def project_sources() -> list[Path]:
    """The project's Python files (not the tests, benchmarks, migrations or .venv)."""
    skip = {"tests", "bench", "migrations", "staticfiles", "node_modules"}
    tops = [p for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return [
        path
        for top in tops
        if top.name not in skip
        for path in top.rglob("*.py")
        if not skip.intersection(path.relative_to(ROOT).parts)
    ] + list(ROOT.glob("*.py"))


def test_the_catalog_holds_every_message_the_code_marks():
    catalog = {(e.get("msgctxt"), e["msgid"]) for e in po_entries(CATALOG / "django.po")}
    missing = sorted(
        f"{path.relative_to(ROOT)}: {msgid}"
        for path in project_sources()
        for msgctxt, msgid in marked_messages(path)
        if (msgctxt, msgid) not in catalog
    )
    assert not missing, f"not in locale/zh_Hans/LC_MESSAGES/django.po ({REBUILD}):\n" + "\n".join(
        missing
    )


def test_no_message_is_marked_inside_an_f_string():
    # makemessages (xgettext) does not look into f-strings: such a message
    # never reaches the catalog.
    hidden = sorted(
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path in project_sources()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.JoinedStr)
        for call in ast.walk(node)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id in MARKERS
    )
    assert not hidden, "marked for translation inside an f-string:\n" + "\n".join(hidden)


def test_the_work_reports_sentences_and_the_history_words_are_in_the_catalog():
    catalog = {(e.get("msgctxt"), e["msgid"]) for e in po_entries(CATALOG / "django.po")}
    report = set(marked_messages(ROOT / "reports" / "writing.py"))
    assert len(report) > 100
    assert (None, "%(year)s年%(month)s月%(day)s日") in report
    assert report <= catalog
    history = set(marked_messages(ROOT / "households" / "history.py"))
    assert ("history action", "修改") in history
    assert history <= catalog
