"""Rows of the permission matrix (tests/households/test_permission_matrix.py) for the
account pages and the health check.

Roles, in order: anonymous, admin, cadre, cadre2, leader, enumerator, reviewer, helper.
"""

LOGIN = 302

MATRIX: dict[str, list[int]] = {
    "password_change": [LOGIN, 200, 200, 200, 200, 200, 200, 200],
    "password_change_done": [LOGIN, 200, 200, 200, 200, 200, 200, 200],
    # For load balancers: no login, no data.
    "healthz": [200, 200, 200, 200, 200, 200, 200, 200],
}
POST_MATRIX: dict[str, list[int]] = {
    # An empty form: shown again with its errors, nothing changed.
    "password_change": [LOGIN, 200, 200, 200, 200, 200, 200, 200],
    "healthz": [405, 405, 405, 405, 405, 405, 405, 405],
}


def url_kwargs(name, town):
    """The URL arguments of page ``name``, from objects of the demo ``town`` fixture."""
    return {}
