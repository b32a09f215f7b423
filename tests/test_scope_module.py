"""One module decides which part of the registry a user sees (``households.scope``).

No page, export, import, admin, template or selector tests the permission
that opens the whole registry itself: they ask the scope module, so a level
above the village (a county's towns) is added in one place.
"""

from pathlib import Path

from households import scope

ROOT = Path(__file__).resolve().parents[1]
#: Where the permission may be named: the scope module owns it.
OWNER = ROOT / "households" / "scope.py"
#: Not the application's code.
SKIPPED = {".venv", ".git", "tests", "node_modules", "static", "locale", "__pycache__"}


def application_files():
    tops = [p for p in ROOT.iterdir() if p.name not in SKIPPED and not p.name.startswith(".")]
    for top in tops:
        for path in [top] if top.is_file() else top.rglob("*"):
            relative = path.relative_to(ROOT)
            if SKIPPED & set(relative.parts) or "migrations" in relative.parts:
                continue
            if path.suffix in {".py", ".html", ".txt"} and path.is_file():
                yield path


def test_only_the_scope_module_names_the_whole_registry_permission():
    naming = [
        str(path.relative_to(ROOT))
        for path in application_files()
        if scope.VIEW_ALL in path.read_text(encoding="utf-8") and path != OWNER
    ]
    assert naming == []


def test_the_check_looks_at_the_application_code():
    # The scan would pass on an empty list of files: it reads the apps' views,
    # selectors and templates, and finds the permission in its owner.
    names = {str(path.relative_to(ROOT)) for path in application_files()}
    assert {"households/views.py", "census/selectors.py", "templates/base.html"} <= names
    assert scope.VIEW_ALL in OWNER.read_text(encoding="utf-8")
