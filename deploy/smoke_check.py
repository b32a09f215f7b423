"""Checks of a running production server (called by deploy/smoke.sh).

Plain HTTP to gunicorn on the loopback; requests that stand for the browser
say ``X-Forwarded-Proto: https`` as the TLS proxy in front would. Prints what
it measured; exits non-zero at the first failed check.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


#: Cookies by name, kept by hand: they are Secure (HTTPS only) and urllib's
#: cookie jar would not send them back over the loopback's plain HTTP.
COOKIES: dict[str, str] = {}


def fetch(opener, url, *, data=None, headers=None):
    headers = dict(headers or {})
    if COOKIES:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in COOKIES.items())
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310
    started = time.perf_counter()
    try:
        response = opener.open(request, timeout=10)
    except urllib.error.HTTPError as error:  # 3xx/4xx/5xx: still a response to look at
        response = error
    body = response.read()
    for header in response.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            COOKIES[name] = morsel.value
    return response.status, response.headers, body, (time.perf_counter() - started) * 1000


def check(condition: bool, message: str) -> None:
    if not condition:
        print(f"FAIL: {message}")
        sys.exit(1)
    print(f"ok   {message}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--static-root", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    base = args.base.rstrip("/")
    https = {"X-Forwarded-Proto": "https"}
    opener = urllib.request.build_opener(NoRedirect)

    status, headers, body, ms = fetch(opener, f"{base}/healthz")
    check(
        status == 200 and json.loads(body) == {"status": "ok", "database": "ok"},
        f"/healthz 200 over plain HTTP with the database answering ({ms:.0f} ms)",
    )

    status, headers, _body, _ms = fetch(opener, f"{base}/accounts/login/")
    check(
        status == 301 and headers["Location"].startswith("https://"),
        f"plain HTTP to a page is redirected to HTTPS ({status} {headers['Location']})",
    )

    status, headers, body, ms = fetch(opener, f"{base}/accounts/login/", headers=https)
    policy = headers.get("Content-Security-Policy", "")
    check(status == 200 and "登录" in body.decode(), f"login page renders ({ms:.0f} ms)")
    check("default-src 'self'" in policy, f"Content-Security-Policy: {policy}")
    check(
        headers.get("Strict-Transport-Security", "").startswith("max-age=31536000"),
        f"Strict-Transport-Security: {headers.get('Strict-Transport-Security')}",
    )
    check(headers.get("X-Frame-Options") == "DENY", "X-Frame-Options: DENY")
    check(headers.get("Referrer-Policy") == "same-origin", "Referrer-Policy: same-origin")
    check("Server" not in headers, f"no Server header ({headers.get('Server')})")
    check(
        "no-store" in headers.get("Cache-Control", ""),
        f"pages are not kept: Cache-Control: {headers.get('Cache-Control')}",
    )
    check(
        "camera=()" in headers.get("Permissions-Policy", ""),
        f"Permissions-Policy: {headers.get('Permissions-Policy', '')[:40]}…",
    )

    manifest = json.loads((Path(args.static_root) / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/app.css"]
    check(
        re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", hashed) is not None,
        f"collectstatic gave app.css a hashed name: {hashed}",
    )
    link = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', body.decode())
    check(
        link is not None and link.group(1) == f"/static/{hashed}", "the page links the hashed name"
    )
    status, headers, css, ms = fetch(
        opener, f"{base}/static/{hashed}", headers={**https, "Accept-Encoding": "gzip"}
    )
    check(
        status == 200 and "immutable" in headers.get("Cache-Control", ""),
        f"WhiteNoise serves {hashed}: {headers.get('Cache-Control')} ({ms:.0f} ms)",
    )
    check(
        headers.get("Content-Encoding") == "gzip",
        f"compressed: {headers.get('Content-Encoding')}, {len(css)} bytes",
    )

    # Log in through the form (CSRF and all), then read pages: whichever
    # worker answers finds the session in the database.
    csrf = COOKIES["csrftoken"]
    form = urllib.parse.urlencode(
        {"username": args.username, "password": args.password, "csrfmiddlewaretoken": csrf}
    ).encode()
    status, headers, _body, ms = fetch(
        opener,
        f"{base}/accounts/login/",
        data=form,
        headers={
            **https,
            "Referer": f"https://{urllib.parse.urlsplit(base).netloc}/accounts/login/",
        },
    )
    check(status == 302, f"login succeeds ({status} -> {headers.get('Location')}, {ms:.0f} ms)")
    times = []
    for _ in range(20):
        status, headers, body, ms = fetch(opener, f"{base}/households/", headers=https)
        if status != 200:
            break
        times.append(ms)
    check(len(times) == 20, f"20 pages after login all 200, any worker (last {status})")
    times.sort()
    print(f"     page times: median {times[10]:.0f} ms, max {times[-1]:.0f} ms")
    check(
        "default-src 'self'" in headers.get("Content-Security-Policy", ""),
        "logged-in pages carry the policy too",
    )
    print("smoke checks passed")


if __name__ == "__main__":
    main()
