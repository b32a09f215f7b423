"""In a real Chromium: the pages load under the Content-Security-Policy without a
single violation (an inline style or script would be refused and reported).

The browser runs in a thread of its own, with its own Playwright: the
end-to-end tests keep one Playwright for the whole session in the main
thread, and two sync Playwrights cannot share a thread.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse
from playwright.sync_api import sync_playwright

from tests.e2e.conftest import (  # noqa: F401 (fixtures)
    CHROMIUM_ARGS,
    PASSWORD,
    TIMEOUT_MS,
    as_of_2020,
    find_chromium,
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


def browse(executable: str, base: str, username: str, paths: list[str]) -> dict:
    """Log in as ``username`` and open ``paths``; per path, the policy header and
    the violations (recorded by the page, and as Chromium reports them)."""
    found = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="zh-CN")
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.add_init_script(RECORD_VIOLATIONS)
            reported = []
            page.on(
                "console",
                lambda message: (
                    reported.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )

            def visit(path):
                reported.clear()
                response = page.goto(f"{base}{path}")
                page.wait_for_load_state("load")
                found[path] = {
                    "status": response.status,
                    "policy": response.headers.get("content-security-policy", ""),
                    "violations": page.evaluate("window.__cspViolations") + list(reported),
                }

            visit("/accounts/login/")
            page.get_by_label("用户名").fill(username)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
            for path in paths:
                visit(path)
            found["header display"] = page.evaluate(
                "getComputedStyle(document.querySelector('header.top')).display"
            )
        finally:
            browser.close()
    return found


def test_pages_load_without_any_csp_violation(live_server, registry):  # noqa: F811
    executable = find_chromium()
    household = registry.xuetiandi.household
    paths = [
        reverse(name, args=args)
        for name, args in (
            ("households:overview", []),
            ("households:list", []),
            ("households:detail", [household.pk]),
            ("households:edit", [household.pk]),
            ("ledger:list", []),
            ("password_change", []),
        )
    ]
    audit = [reverse("audit:list")]
    with ThreadPoolExecutor(max_workers=1) as pool:
        found = pool.submit(browse, executable, live_server.url, "admin", paths).result(timeout=120)
        # The audit trail is the audit administrator's (separation of duties).
        found.update(
            pool.submit(browse, executable, live_server.url, "auditor", audit).result(timeout=120)
        )

    for path in ["/accounts/login/", *paths, *audit]:
        assert found[path]["status"] == 200, path
        assert "default-src 'self'" in found[path]["policy"], path
        assert found[path]["violations"] == [], path
    # The stylesheets did apply (app.css lays the header out).
    assert found["header display"] == "flex"
