"""Rows of the permission matrix (tests/households/test_permission_matrix.py) for census's pages.

Roles, in order: anonymous, admin, cadre, cadre2, leader, enumerator, reviewer, helper.

The household and village in the URLs are the ``town`` fixture's, in 学田地村:
the enumerator's village. Census pages need census access (403 for cadres and
the responsible person); leaders read but never act; the POST rows are empty
posts (a checklist with nothing answered, a review without a decision), so a
user who may act gets the page back with the errors (200).
"""

LOGIN = 302
#        anon   admin cadre cadre2 leader enum  review helper
READ = [LOGIN, 200, 403, 403, 200, 200, 200, 403]
POST_ONLY = [LOGIN, 405, 405, 405, 405, 405, 405, 405]

MATRIX: dict[str, list[int]] = {
    "census:progress": READ,
    "census:organisation": READ,
    "census:queue": READ,
    "census:village": READ,
    "census:worklist": READ,
    "census:household": READ,
    "census:submit": POST_ONLY,
    "census:review": POST_ONLY,
    # Leaders export households, not the census base table.
    "census:export": [LOGIN, 200, 403, 403, 403, 200, 200, 403],
}
POST_MATRIX: dict[str, list[int]] = {
    "census:submit": [LOGIN, 200, 403, 403, 403, 200, 403, 403],
    "census:review": [LOGIN, 200, 403, 403, 403, 403, 200, 403],
}


def url_kwargs(name, town):
    """The URL arguments of page ``name``, from objects of the demo ``town`` fixture."""
    household = town["household"]
    if name in ("census:village", "census:worklist"):
        return {"pk": household.village_id}
    if name in ("census:household", "census:submit", "census:review"):
        return {"pk": household.pk}
    return {}
