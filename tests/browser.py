"""Open a local HTML file in headless Chromium with the network blocked, for the report's
browser tests.

The browser is Debian's `chromium` (never a browser build downloaded by Playwright): without
it on PATH a test skips, or fails under CI (env CI set), whose `.ci/run` installs it. The page
is opened offline, and every request other than the file itself (or a data:/blob: URL) is
aborted and recorded, so a report that reaches for a CDN, a font or a sibling file is caught.
Console errors and warnings and uncaught page errors are collected. The page is ready when its
script has set `document.body.dataset.rendered` (after every chart settled).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

#: Seconds a page has to set body[data-rendered] after it loaded.
RENDER_TIMEOUT_S = 30
#: The window the pages are drawn in: narrow enough for small screenshots.
VIEWPORT = {"width": 900, "height": 800}
#: CSS pixels per screenshot pixel (1 keeps the PNGs small).
DEVICE_SCALE_FACTOR = 1
#: URL schemes a self-contained page may load from (it made them itself).
LOCAL_SCHEMES = ("data:", "blob:")


def chromium_path() -> str:
    """Debian's Chromium on PATH; without it the test skips, or fails under CI."""
    path = shutil.which("chromium")
    if path is None:
        reason = "chromium not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must install it (.ci/run does when it is missing)")
        pytest.skip(reason)
    return path


@contextmanager
def launch_chromium() -> Iterator:
    """A headless Chromium (playwright Browser) of the system's `chromium`, closed after."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class OpenedPage:
    """A page opened by `open_offline`: `page` for DOM queries; what it tried and said."""

    page: object  # playwright.sync_api.Page
    #: Console messages of type error or warning and uncaught page errors, in order.
    console_errors: list[str] = field(default_factory=list)
    #: URLs the page requested beyond its own file and data:/blob: URLs (all aborted).
    blocked_requests: list[str] = field(default_factory=list)

    def screenshot(self, path: Path) -> Path:
        """A PNG of the full page at `path`."""
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def view_screenshot(self, view: str, path: Path, *, above: str | None = None) -> Path:
        """A PNG of the report's view `view` (its `#view-<view>` section) at `path`; with
        `above` (a CSS selector inside the view) only the part above its first match."""
        section = self.page.locator(f"#view-{view}")
        if above is None or section.locator(above).count() == 0:
            section.screenshot(path=str(path))
            return path
        top, left, width, cut = self.page.evaluate("""([view, above]) => {
            const box = document.getElementById(`view-${view}`).getBoundingClientRect();
            const end = document.querySelector(`#view-${view} ${above}`).getBoundingClientRect();
            return [box.top + window.scrollY, box.left + window.scrollX, box.width,
                    end.top + window.scrollY];}""", [view, above])
        self.page.screenshot(path=str(path), full_page=True,
                             clip={"x": left, "y": top, "width": width, "height": cut - top})
        return path


@contextmanager
def open_offline(browser, html: Path, *, timeout_s: float = RENDER_TIMEOUT_S
                 ) -> Iterator[OpenedPage]:
    """Open the file `html` in a new offline context of `browser` and wait until its body
    carries data-rendered (failing after `timeout_s` with what the console said)."""
    own = html.resolve().as_uri()
    context = browser.new_context(offline=True, viewport=VIEWPORT,
                                  device_scale_factor=DEVICE_SCALE_FACTOR)
    page = context.new_page()
    opened = OpenedPage(page)

    def leaves_the_file(url: str) -> bool:
        return url != own and not url.startswith(LOCAL_SCHEMES)

    def route(route) -> None:
        if leaves_the_file(route.request.url):
            route.abort()
        else:
            route.continue_()

    def request(request) -> None:  # also sees requests no route is asked about
        if leaves_the_file(request.url) and request.url not in opened.blocked_requests:
            opened.blocked_requests.append(request.url)

    def console(message) -> None:
        if message.type in ("error", "warning"):
            where = message.location.get("url") or ""
            opened.console_errors.append(f"{message.type}: {message.text} ({where})")

    context.route("**/*", route)
    page.on("request", request)
    page.on("console", console)
    page.on("pageerror", lambda error: opened.console_errors.append(
        f"pageerror: {error.name}: {error.message}"))
    try:
        page.goto(own)
        try:
            page.wait_for_selector("body[data-rendered]", state="attached",
                                   timeout=timeout_s * 1000)
        except Exception as error:  # playwright's TimeoutError
            raise AssertionError(
                f"{html.name} did not set body[data-rendered] within {timeout_s} s; console: "
                f"{opened.console_errors}; blocked: {opened.blocked_requests}") from error
        page.wait_for_load_state("networkidle")  # requests made just after rendering too
        yield opened
    finally:
        context.close()
