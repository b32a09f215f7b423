"""The reports' rows of the permission matrix (tests/households/test_permission_matrix.py).

Roles, in order: anonymous, admin, cadre, cadre2, leader, enumerator, reviewer, helper.

The town's version for those who see the whole town (admin, leader, reviewer);
their own village's version for village cadres; 403 for census enumerators and
responsible persons (the figures aggregate whole villages). Read-only: a POST
is refused (405) whoever sends it.
"""

LOGIN = 302
#                  anon   admin cadre cadre2 leader enum  review helper
READ = [LOGIN, 200, 200, 200, 200, 403, 200, 403]
NO_POST = [LOGIN, 405, 405, 405, 405, 405, 405, 405]

MATRIX: dict[str, list[int]] = {
    "reports:dashboard": READ,
    "reports:report": READ,
    "reports:report_docx": READ,
}
POST_MATRIX: dict[str, list[int]] = {
    "reports:dashboard": NO_POST,
    "reports:report": NO_POST,
    "reports:report_docx": NO_POST,
}


def url_kwargs(name, town):
    """The reports' URLs take no arguments (scope, date and year are query parameters)."""
    return {}
