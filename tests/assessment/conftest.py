"""The small town of the household page tests (``tests/households/conftest.py``):
the pages of the lifting check are tested on the same households."""

from tests.households.conftest import client_for, town  # noqa: F401 (fixtures)
