"""The demo town (fixtures/demo_town.json), built deterministically.

The top layer: it fills every app and no app imports it (tests, benchmarks
and management commands do). Its names are read lazily, so that Django can
import the app before the models are ready.
"""

from importlib import import_module

#: Public name → the module that defines it.
_EXPORTS = {
    "DEMO_FIXTURE": "demo.base",
    "load_fixture": "demo.base",
    "build_demo_town": "demo.build",
    "demo_loaded": "demo.build",
    "remove_demo_town": "demo.build",
    "DEMO_USERS": "demo.users",
    "ensure_demo_users": "demo.users",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
