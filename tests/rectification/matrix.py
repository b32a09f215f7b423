"""Rows of the permission matrix (tests/households/test_permission_matrix.py) for
rectification's pages.

Roles, in order: anonymous, admin, cadre, cadre2, leader, enumerator, reviewer, helper.
"""

MATRIX: dict[str, list[int]] = {}
POST_MATRIX: dict[str, list[int]] = {}


def url_kwargs(name, town):
    """The URL arguments of page ``name``, from objects of the demo ``town`` fixture."""
    return {}
