"""The small town of the page tests (two villages, one user per role).

The cache the pages keep their figures in is emptied before every test
(``empty_cache`` in tests/conftest.py: other apps' tests open them too).
"""

from tests.households.conftest import client_for, make_household, town  # noqa: F401 (fixtures)
