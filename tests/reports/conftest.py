"""The small town of the page tests (two villages, one user per role)."""

from tests.households.conftest import client_for, make_household, town  # noqa: F401 (fixtures)
