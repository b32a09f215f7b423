"""Rows of the permission matrix (tests/households/test_permission_matrix.py) for
the measures' pages.

Roles, in order: anonymous, admin, cadre, cadre2, leader, enumerator, reviewer, helper.

The measure in the URLs belongs to the household of 学田地村 (``cadre`` and
``enumerator`` have it, ``cadre2`` has 点力村 and gets 404; ``helper`` is its
responsible person and reads it). Programmes are town-wide: everyone reads
them, the administrator edits them; applying needs the cadre's permission,
and the households it reaches are the user's own (scoped in the view).
"""

from decimal import Decimal

LOGIN = 302
ALL = [LOGIN, 200, 200, 200, 200, 200, 200, 200]
ADMIN_ONLY = [LOGIN, 200, 403, 403, 403, 403, 403, 403]
# Writes to the household's measures: admin and the village's cadre.
HOUSEHOLD_WRITE = [LOGIN, 200, 200, 404, 403, 403, 403, 403]
#                anon   admin cadre cadre2 leader enum  review helper
MATRIX: dict[str, list[int]] = {
    "measures:programmes": ALL,
    "measures:programme_add": ADMIN_ONLY,
    "measures:programme_detail": ALL,
    "measures:programme_edit": ADMIN_ONLY,
    "measures:programme_apply": [LOGIN, 200, 200, 200, 403, 403, 403, 403],
    "measures:summary": [LOGIN, 200, 403, 403, 200, 403, 200, 403],
    "measures:my_households": ALL,
    "measures:application_add": HOUSEHOLD_WRITE,
    "measures:application_edit": HOUSEHOLD_WRITE,
    "measures:application_status": HOUSEHOLD_WRITE,
}
# Writes checked with an empty POST: the form comes back with its errors
# (200); nothing is written.
POST_MATRIX: dict[str, list[int]] = {
    "measures:programme_add": ADMIN_ONLY,
    "measures:programme_edit": ADMIN_ONLY,
    # Without a preview: refused with a message on the page.
    "measures:programme_apply": [LOGIN, 200, 200, 200, 403, 403, 403, 403],
    "measures:application_add": HOUSEHOLD_WRITE,
    "measures:application_edit": HOUSEHOLD_WRITE,
    "measures:application_status": HOUSEHOLD_WRITE,
}


def _programme():
    from measures.models import Category, Programme, Unit

    return Programme.objects.get_or_create(
        year=2020,
        name="矩阵测试项目",
        defaults={
            "category": Category.INDUSTRY,
            "unit": Unit.PER_HOUSEHOLD,
            "standard_amount": Decimal("1000"),
            "income_per_year": Decimal("1000"),
        },
    )[0]


def _application(town):
    from measures.models import MeasureApplication

    programme = _programme()
    return MeasureApplication.objects.get_or_create(
        programme=programme,
        household=town["household"],
        defaults={"amount": programme.standard_amount},
    )[0]


def url_kwargs(name, town):
    """The URL arguments of page ``name``, from objects of the ``town`` fixture."""
    if name in ("measures:programme_detail", "measures:programme_edit", "measures:programme_apply"):
        return {"pk": _programme().pk}
    if name == "measures:application_add":
        return {"pk": town["household"].pk}
    if name in ("measures:application_edit", "measures:application_status"):
        return {"pk": _application(town).pk}
    return {}
