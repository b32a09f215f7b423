"""In a real Chromium: the pages load under the Content-Security-Policy without a
single violation (an inline style or script would be refused and reported)."""

import pytest
from django.urls import reverse

from tests.e2e.conftest import (  # noqa: F401 (fixtures)
    as_of_2020,
    browser,
    login,
    new_page,
    page,
    registry,
)

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


def visit(page, url) -> list[str]:  # noqa: F811 (the fixture)
    """Open ``url``; the CSP violations it caused (recorded, and as Chromium reports them)."""
    errors = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    response = page.goto(url)
    assert response.status == 200, url
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    return page.evaluate("window.__cspViolations") + errors


def test_pages_load_without_any_csp_violation(page, live_server, registry):  # noqa: F811
    page.add_init_script(RECORD_VIOLATIONS)
    assert visit(page, f"{live_server.url}/accounts/login/") == []
    login(page, live_server, "admin")
    household = registry.xuetiandi.household
    for name, args in (
        ("households:overview", []),
        ("households:list", []),
        ("households:detail", [household.pk]),
        ("households:edit", [household.pk]),
        ("ledger:list", []),
        ("audit:list", []),
        ("password_change", []),
    ):
        url = f"{live_server.url}{reverse(name, args=args)}"
        assert visit(page, url) == [], name
    # The stylesheets did apply (the header is laid out by app.css).
    display = page.evaluate("getComputedStyle(document.querySelector('header.top')).display")
    assert display == "flex"
