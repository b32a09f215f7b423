"""Digest of what the demo town's pages and files say (a script, not a test).

    .venv/bin/python bench/page_digest.py --out before.json
    ... change the code ...
    .venv/bin/python bench/page_digest.py --compare before.json

A restructuring must not change what a user sees. On a SQLite database of its
own (a temporary file: the project's database is never touched) the script
migrates, loads the demo town and, as four roles (the town's administrator,
the leader, a village cadre, a responsible person), requests every demo
household's page on three dates, the registry's list pages, the overview,
the dashboard, the work report (HTML and .docx), the measures, census and
rectification pages, and every export. It records one SHA-256 per response:
of the HTML with the per-request CSRF token taken out, of every cell value of
a workbook, of every paragraph and table cell of a Word document. With
``--compare`` it prints each response whose digest differs and exits 1.

``--sample N`` keeps every N-th household (a quicker check while working).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATES = ("2018-12-31", "2019-12-31", "2020-05-31")
ROLES = ("admin", "leader", "cadre", "helper")
CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
#: The moment figures were counted (shown beside cached figures) is not content.
COUNTED_AT = re.compile(rb"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?")


def setup(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tieshagai.settings")
    os.environ["AS_OF_DATE"] = "2020-05-31"
    import django

    django.setup()
    from django.conf import settings

    settings.REPORTS_CACHE_SECONDS = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", verbosity=0)
    # A cadre's 404 on another village's household is an expected response.
    logging.disable(logging.WARNING)


def digest(response) -> str:
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    h = hashlib.sha256(str(response.status_code).encode())
    if response.status_code in (301, 302):
        h.update(response["Location"].encode())
    elif "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        for sheet in book.worksheets:
            h.update(sheet.title.encode())
            for row in sheet.iter_rows(values_only=True):
                h.update(repr(row).encode())
    elif "wordprocessingml" in kind:
        from docx import Document

        document = Document(io.BytesIO(body))
        for paragraph in document.paragraphs:
            h.update(paragraph.style.name.encode() + b"|" + paragraph.text.encode())
        for table in document.tables:
            for row in table.rows:
                h.update(repr([cell.text for cell in row.cells]).encode())
    else:
        h.update(COUNTED_AT.sub(b"T", CSRF.sub(rb"\1\2", body)))
    return h.hexdigest()


def urls_for(sample: int) -> list[str]:
    from django.urls import reverse

    from households.models import Household

    pages = [
        reverse("home"),
        reverse("households:overview"),
        reverse("households:list"),
        reverse("households:list") + "?page=2",
        reverse("households:export"),
        reverse("reports:dashboard"),
        reverse("reports:report"),
        reverse("reports:report_docx"),
        reverse("measures:programmes"),
        reverse("measures:summary"),
        reverse("measures:my_households"),
        reverse("census:progress"),
        reverse("census:export"),
        reverse("rectification:rounds"),
        reverse("rectification:problems"),
        reverse("rectification:overdue"),
        reverse("rectification:my_tasks"),
        reverse("ledger:export"),
        reverse("ledger:registry_export"),
    ]
    urls = [f"{page}{'&' if '?' in page else '?'}on={day}" for page in pages for day in DATES]
    ids = list(Household.objects.order_by("pk").values_list("pk", flat=True))[::sample]
    detail = [reverse("households:detail", kwargs={"pk": pk}) for pk in ids]
    urls += [f"{page}?on={day}" for page in detail for day in DATES]
    return urls


def run(sample: int) -> dict[str, str]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    urls = urls_for(sample)
    found = {}
    for role in ROLES:
        client = Client()
        client.force_login(get_user_model().objects.get(username=role))
        started = time.monotonic()
        for url in urls:
            found[f"{role} {url}"] = digest(client.get(url))
        print(f"{role}: {len(urls)} responses in {time.monotonic() - started:.0f} s", flush=True)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the digests to this JSON file")
    parser.add_argument("--compare", help="compare with the digests of this JSON file")
    parser.add_argument("--sample", type=int, default=1, help="every N-th household")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup(Path(folder) / "digest.sqlite3")
        found = run(args.sample)
    if args.out:
        Path(args.out).write_text(json.dumps(found, indent=0, sort_keys=True), encoding="utf-8")
        print(f"{len(found)} digests written to {args.out}")
    if args.compare:
        before = json.loads(Path(args.compare).read_text(encoding="utf-8"))
        changed = sorted(k for k in before.keys() | found.keys() if before.get(k) != found.get(k))
        for key in changed[:200]:
            print(f"differs: {key}")
        print(f"{len(found)} responses, {len(changed)} differ from {args.compare}")
        return 1 if changed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
