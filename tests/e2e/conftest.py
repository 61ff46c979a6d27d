"""Browser tests: Debian's headless Chromium driven by Playwright against pytest-django's
`live_server` (a real HTTP server on a thread, a real PostgreSQL database)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in the test's own thread. Django sees that
# running loop and refuses database access from the thread (SynchronousOnlyOperation), which
# would break the factories the tests call between browser steps. Nothing here is async
# code sharing a connection with a coroutine, so the guard is safely switched off.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS_DIR = E2E_DIR.parent.parent / "test-artifacts"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees every collected item of the session, so mark only those under tests/e2e.
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    report = yield
    # Kept on the item so the `page` fixture can tell, while tearing down, whether the test failed.
    setattr(item, f"_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing, and the browser tests need it. "
            "Install Debian's Chromium with `apt-get install -y chromium`, or run the suite with `make test`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "_report_call", None)
        if report is not None and report.failed:
            ARTIFACTS_DIR.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            try:
                page.screenshot(path=str(ARTIFACTS_DIR / f"{name}.png"), full_page=True)
            except Exception as exc:  # a screenshot is a courtesy; never hide the real failure
                print(f"Could not save a screenshot: {exc}")
        context.close()
