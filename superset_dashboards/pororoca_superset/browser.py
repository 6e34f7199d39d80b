"""Open Superset dashboards in headless Chromium (Debian's) as a real user and report, per chart, whether it
drew something, is still loading, failed or came back empty, and how long the whole dashboard took."""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from pororoca_core.errors import NotReady, OperationFailed

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Per chart on the page: its title, and whether it drew (a big number, an ECharts canvas or a table with rows),
# is loading, shows an error, or says there is no data.
_CHART_STATES = """() => [...document.querySelectorAll('[data-test="chart-grid-component"]')].map(h => {
  const body = h.querySelector('[data-test="slice-container"]');
  const text = h.innerText || '';
  const bigNumber = body && body.querySelector('.header-line');
  return {
    name: (h.querySelector('[data-test="editable-title"]') || {}).innerText || '?',
    drawn: !!body && !!(body.querySelector('canvas') || body.querySelector('table tbody tr')
                        || (bigNumber && bigNumber.innerText.trim())),
    loading: !!h.querySelector('[aria-label="Loading"], [data-test="loading-indicator"], .loading'),
    error: !!h.querySelector('[data-test="error-alert"], [data-test="chart-error"], .alert-danger, [role="alert"]'),
    empty: /No results were returned|Nenhum resultado|No data/i.test(text),
    text: text.slice(0, 300),
  };
})"""
SETTLED = f"""n => {{
  const s = ({_CHART_STATES})();
  return s.length >= n && s.every(c => c.drawn || c.error || c.empty) && !s.some(c => c.loading && !c.drawn);
}}"""


# A dashboard's top-level tabs, in the order shown.
TAB = '[data-test="dashboard-component-tabs"] [role="tab"]'

# Where the charts are on the screen: the smallest box holding every chart card, in CSS pixels.
_CHARTS_BOX = """() => {
  const r = [...document.querySelectorAll('[data-test="chart-grid-component"]')].map(h => h.getBoundingClientRect());
  if (!r.length) return null;
  const left = Math.min(...r.map(b => b.left)), top = Math.min(...r.map(b => b.top));
  return [left, top, Math.max(...r.map(b => b.right)), Math.max(...r.map(b => b.bottom))];
}"""

# Charts whose pixels are nearly all one or two colours (the grid's grey, the cards' white) show nothing.
MIN_INK = 0.02


def ink_fraction(png: bytes, box: tuple[float, float, float, float] | None = None) -> float:
    """The share of pixels that are neither of the two commonest grey levels, within `box` (left, top, right,
    bottom) if given: near 0 for a blank page. Measured over the charts only, since the filter bar and the
    empty page below a short dashboard would dilute a sparse but drawn one below the threshold."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as shot:
        img: Image.Image = shot
        if box:  # cards may reach below the viewport: only what the screenshot holds
            left, top, right, bottom = box
            img = img.crop((max(0, round(left)), max(0, round(top)),
                            min(img.width, round(right)), min(img.height, round(bottom))))  # fmt: skip
        hist = img.convert("L").histogram()
    top_two = sum(sorted(hist)[-2:])
    return 1 - top_two / sum(hist)


@dataclass(frozen=True)
class ChartState:
    name: str
    drawn: bool
    loading: bool
    error: bool
    empty: bool
    text: str

    @property
    def ok(self) -> bool:
        return self.drawn and not (self.error or self.empty)


@dataclass(frozen=True)
class DashboardRender:
    slug: str
    seconds: float
    charts: list[ChartState]
    expected: int
    ink: float | None = None  # of the screenshot, when one was taken

    @property
    def problems(self) -> list[str]:
        return self.problems_besides(empty=False)

    def problems_besides(self, empty: bool) -> list[str]:
        """The problems; with `empty`, not counting charts that rendered and say there is no data."""
        found = []
        if len(self.charts) != self.expected:
            found.append(f"{len(self.charts)} of {self.expected} charts on the page")
        # A page of charts that all say "no data" is nearly blank: that is the answer, not a rendering failure.
        nothing_to_draw = empty and bool(self.charts) and all(c.empty and not c.error for c in self.charts)
        if self.ink is not None and self.ink < MIN_INK and not nothing_to_draw:
            found.append(f"the screenshot looks blank ({self.ink:.1%} of its pixels drawn)")
        for c in self.charts:
            if not c.ok and not (empty and c.empty and not c.error):
                state = "error" if c.error else "empty" if c.empty else "loading" if c.loading else "not drawn"
                found.append(f"{c.name}: {state} ({c.text[:120]!r})")
        return found


class DashboardBrowser:
    """A signed-in headless Chromium session: `with DashboardBrowser(url, user, password) as b: b.render(slug, n)`."""

    def __init__(self, url: str, username: str, password: str, chromium: str = CHROMIUM) -> None:
        self.url, self.username, self.password, self.chromium = url, username, password, chromium

    def __enter__(self) -> DashboardBrowser:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as e:  # pragma: no cover - the project's venv has it
            raise NotReady("playwright is not installed: `make venv`") from e
        if not Path(self.chromium).exists():
            raise NotReady(f"no Chromium at {self.chromium}: `pororoca install` installs Debian's chromium")
        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(executable_path=self.chromium, args=CHROMIUM_ARGS)
        self.page = self._browser.new_page(viewport={"width": 1600, "height": 2400}, locale="pt-BR")
        self.page.goto(f"{self.url}/login/")
        self.page.fill("#username", self.username)
        self.page.fill("#password", self.password)
        self.page.click("button[type=submit]")
        try:
            self.page.wait_for_url("**/superset/welcome/**", timeout=60_000)
        except Exception as e:
            raise OperationFailed(f"Superset did not sign {self.username!r} in at {self.url}") from e
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._browser.close()
        self._pw.stop()

    def render(
        self, slug: str, tabs: Sequence[int], timeout: float = 60.0, screenshot: Path | None = None
    ) -> DashboardRender:
        """Open the dashboard and wait until each of its charts drew, failed or came back empty, tab by tab: `tabs`
        holds how many charts each top-level tab shows (`dashboards.charts_per_tab`). The screenshot is of the
        first tab, the view the dashboard opens on."""
        start = time.monotonic()
        deadline = start + timeout
        self.page.goto(f"{self.url}/superset/dashboard/{slug}/")
        self.settle(tabs[0], deadline)
        ink = None
        if screenshot:
            # What the analyst sees: the viewport. A full-page capture resizes the page after the charts drew,
            # and Superset's grid re-lays out into empty grey boxes.
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            png = self.page.screenshot(path=str(screenshot), full_page=False)
            screenshot.chmod(0o600)
            ink = ink_fraction(png, self.page.evaluate(_CHARTS_BOX))
        for i in range(1, len(tabs)):
            if self.open_tab(i, deadline):
                self.settle(sum(tabs[: i + 1]), deadline)  # a shown tab's charts stay on the page, hidden
        seconds = time.monotonic() - start
        charts = [ChartState(**s) for s in self.page.evaluate(_CHART_STATES)]
        return DashboardRender(slug, seconds, charts, sum(tabs), ink)

    def settle(self, expected: int, deadline: float) -> bool:
        """Wait until the page holds `expected` charts, each drawn, failed or empty; False at the deadline."""
        from playwright.sync_api import Error, TimeoutError

        while (left := deadline - time.monotonic()) > 0:
            try:
                self.page.wait_for_function(SETTLED, arg=expected, polling=50, timeout=left * 1000)
                return True
            except TimeoutError:
                return False  # the caller reports what the page shows
            except Error:
                continue  # the page navigated (a redirect) while being read: read the new one
        return False

    def open_tab(self, index: int, deadline: float) -> bool:
        """Click the dashboard's `index`-th top-level tab; False if it has none such before the deadline."""
        from playwright.sync_api import TimeoutError

        try:
            self.page.locator(TAB).nth(index).click(timeout=max(1.0, deadline - time.monotonic()) * 1000)
        except TimeoutError:
            return False
        return True
