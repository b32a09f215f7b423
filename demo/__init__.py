"""The demo town (fixtures/demo_town.json), built deterministically.

The top layer: it fills every app and no app imports it (tests, benchmarks
and management commands do). Its interface is that of ``demo.build``, read
lazily so that Django can import the app before the models are ready.
"""

from importlib import import_module

__all__ = [
    "DEMO_FIXTURE",
    "DEMO_USERS",
    "build_demo_town",
    "demo_loaded",
    "ensure_demo_users",
    "load_fixture",
    "remove_demo_town",
]


def __getattr__(name: str):
    if name in __all__:
        return getattr(import_module("demo.build"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
