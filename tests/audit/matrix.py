"""Rows of the permission matrix (tests/households/test_permission_matrix.py) for audit's pages.

Roles, in order: anonymous, admin, cadre, cadre2, leader, enumerator, reviewer, helper.
Only the audit administrator (审计管理员) and superusers read the trail: every
business role gets 403, the town's administrator (the demo ``admin``) included.
"""

LOGIN = 302

MATRIX: dict[str, list[int]] = {
    "audit:list": [LOGIN, 403, 403, 403, 403, 403, 403, 403],
    "audit:export": [LOGIN, 403, 403, 403, 403, 403, 403, 403],
}
POST_MATRIX: dict[str, list[int]] = {
    # Read-only pages: nothing to post.
    "audit:list": [LOGIN, 405, 405, 405, 405, 405, 405, 405],
}


def url_kwargs(name, town):
    """The URL arguments of page ``name``, from objects of the demo ``town`` fixture."""
    return {}
