"""An analyst's session in Superset as people use it: sign in and open the dashboard list once, then open each
dashboard from the list, change its period filter, show its other tabs and go back to the list, all inside the
single-page app (no page reload). Per step: the browser's time (click -> every chart settled) and the server's
(each chart data request: sent -> first byte of its answer), measured apart because both share this machine's
cores."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from pororoca_superset.browser import SETTLED, TAB, DashboardBrowser

# The period filter's choices (Superset's "Last" range type), alternated so that each change is a change.
PERIODS = ("Last quarter", "Last year")
RANGE_TYPE_LAST = "Last"
LAST_PERIODS = ("Last day", "Last week", "Last month", "Last quarter", "Last year")  # the radios' order

_MARK = "window.__pororocaSession = true"
_RELOADED = "() => !window.__pororocaSession"  # a full page load starts a new window object


@dataclass
class Step:
    slug: str
    action: str  # "open" (from the list), "filter" (the period changed) or "tab" (another tab shown)
    seconds: float = 0.0
    server_seconds: list[float] = field(default_factory=list)
    reloaded: bool = False
    problems: list[str] = field(default_factory=list)


class ChartRequests:
    """Counts the chart data requests the page sends and keeps how long the server took to start answering each."""

    def __init__(self, page) -> None:
        self.sent = 0
        self.done = 0
        self.server_seconds: list[float] = []
        page.on("request", self._sent)
        page.on("requestfinished", self._finished)
        page.on("requestfailed", self._failed)

    @staticmethod
    def _is_chart_data(request) -> bool:
        return "/api/v1/chart/data" in request.url

    def _sent(self, request) -> None:
        if self._is_chart_data(request):
            self.sent += 1

    def _finished(self, request) -> None:
        if self._is_chart_data(request):
            self.done += 1
            t = request.timing  # milliseconds from the request's start
            if t["responseStart"] >= 0 and t["requestStart"] >= 0:
                self.server_seconds.append((t["responseStart"] - t["requestStart"]) / 1000)

    def _failed(self, request) -> None:
        if self._is_chart_data(request):
            self.done += 1

    def mark(self) -> tuple[int, int]:
        return self.sent, len(self.server_seconds)


class AnalystSession(DashboardBrowser):
    """`with AnalystSession(url, user, password) as s: s.open_list(); s.visit(slug, tabs, period)`."""

    def __enter__(self) -> AnalystSession:
        super().__enter__()
        self.requests = ChartRequests(self.page)
        return self

    def open_list(self) -> None:
        """The one full page load of the session."""
        self.page.goto(f"{self.url}/dashboard/list/?viewMode=table")
        self.page.wait_for_selector('a[href^="/superset/dashboard/"]', timeout=60_000)
        self.page.evaluate(_MARK)

    def visit(self, slug: str, tabs: Sequence[int], period: str, timeout: float = 60.0) -> list[Step]:
        """Open the dashboard from the list, set its period filter and apply it, show each of its other tabs
        (`tabs`: charts per tab, `dashboards.charts_per_tab`), then go back to the list."""
        opened = Step(slug, "open")
        link = self.page.locator(f'a[href="/superset/dashboard/{slug}/"]').first
        self._timed(opened, tabs[0], timeout, link.click)
        filtered = Step(slug, "filter")
        self._set_period(period)
        self._timed(filtered, tabs[0], timeout, self.page.locator('[data-test="filter-bar__apply-button"]').click)
        steps = [opened, filtered]
        for i in range(1, len(tabs)):
            steps.append(Step(slug, "tab"))  # its charts load with the period just applied
            self._timed(steps[-1], sum(tabs[: i + 1]), timeout, self.page.locator(TAB).nth(i).click)
        if len(tabs) > 1:  # Superset reopens a dashboard on the tab it was left on: leave it on the first
            self.page.locator(TAB).first.click()
        self.page.locator('a[href="/dashboard/list/"]').first.click()
        self.page.wait_for_selector(f'a[href="/superset/dashboard/{slug}/"]', timeout=timeout * 1000)
        steps[-1].reloaded |= bool(self.page.evaluate(_RELOADED))  # going back reloaded nothing either
        return steps

    def _set_period(self, period: str) -> None:
        """Superset's time range control: the trigger, range type "Last", the period, the popover's apply.
        Superset 6.1 in pt-BR keeps "Last" in English and mistranslates the rest ("No filter" reads "Adicionar
        filtro", "last day" "Cluster"), so the range type is found by that label and the period by position."""
        self.page.locator('[data-test="time-range-trigger"]').first.click()
        # the popover holding the control's apply button: a chart's tooltip can be another visible popover
        apply = self.page.locator('[data-test="date-filter-control__apply-button"]')
        popover = self.page.locator(".ant-popover:visible", has=apply).last
        popover.locator(".ant-select").first.click()
        options = self.page.locator(".ant-select-dropdown:visible .ant-select-item-option")
        options.filter(has_text=RANGE_TYPE_LAST).first.click()
        popover.locator(".ant-radio-wrapper").nth(LAST_PERIODS.index(period)).click()
        popover.locator(apply).click()

    def _timed(self, step: Step, expected: int, timeout: float, action) -> None:
        sent, answered = self.requests.mark()
        start = time.monotonic()
        action()
        deadline = start + timeout
        while time.monotonic() < deadline:
            # every chart asked for its data, every answer arrived, and the page shows them all
            if (
                self.requests.sent > sent
                and self.requests.done >= self.requests.sent
                and self.page.evaluate(SETTLED, expected)
            ):
                break
            self.page.wait_for_timeout(20)
        else:
            step.problems.append(f"not settled within {timeout:.0f}s")
        step.seconds = time.monotonic() - start
        step.server_seconds = self.requests.server_seconds[answered:]
        step.reloaded = bool(self.page.evaluate(_RELOADED))
