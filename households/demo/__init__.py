"""The demo town (fixtures/demo_town.json), built deterministically."""

from households.demo.build import DEMO_FIXTURE, build_demo_town, demo_loaded, remove_demo_town

__all__ = ["DEMO_FIXTURE", "build_demo_town", "demo_loaded", "remove_demo_town"]
