"""The demo app is the top layer: it offers one interface and no app imports it."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

import demo
import demo.build


def test_the_package_offers_the_builders_interface():
    assert sorted(demo.__all__) == sorted(demo.build.__all__)
    for name in demo.__all__:
        assert getattr(demo, name) is getattr(demo.build, name)


def test_the_package_offers_nothing_outside_its_interface():
    with pytest.raises(AttributeError):
        demo.DemoBuilder  # noqa: B018


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_app_imports_the_demo():
    base = Path(settings.BASE_DIR).resolve()
    folders = [
        Path(config.path).resolve()
        for config in apps.get_app_configs()
        if config.name != "demo" and Path(config.path).resolve().is_relative_to(base)
    ] + [base / "tieshagai"]
    assert base / "households" in folders
    offenders = [
        str(path.relative_to(base))
        for folder in folders
        for path in folder.rglob("*.py")
        if any(name.split(".")[0] == "demo" for name in imported_modules(path))
    ]
    assert offenders == []
