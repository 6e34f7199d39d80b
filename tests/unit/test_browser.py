"""The dashboards check flags a screenshot that shows no chart."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from pororoca_superset.browser import MIN_INK, ChartState, DashboardRender, ink_fraction


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_a_grey_page_with_a_header_is_blank():
    img = Image.new("RGB", (800, 1200), (240, 240, 240))
    ImageDraw.Draw(img).rectangle((0, 0, 800, 60), fill=(255, 255, 255))
    assert ink_fraction(_png(img)) < MIN_INK


def test_a_page_with_charts_has_ink():
    img = Image.new("RGB", (800, 1200), (240, 240, 240))
    d = ImageDraw.Draw(img)
    for i in range(6):
        top = 80 + i * 180
        d.rectangle((20, top, 780, top + 160), fill=(255, 255, 255))
        for x in range(40, 760, 24):
            d.rectangle((x, top + 150 - (x * 7 + i * 13) % 120, x + 16, top + 150), fill=(32, 120 + i * 10, 200))
    assert ink_fraction(_png(img)) > MIN_INK


def test_a_blank_screenshot_is_a_problem_even_when_the_dom_says_drawn():
    chart = ChartState("Inadimplência", drawn=True, loading=False, error=False, empty=False, text="5,3%")
    assert DashboardRender("credito", 1.0, [chart], 1, ink=0.2).problems == []
    assert "looks blank" in DashboardRender("credito", 1.0, [chart], 1, ink=0.001).problems[0]


def test_a_live_only_dashboard_may_be_empty_but_never_broken():
    empty = ChartState("Latência p99 (ms)", drawn=False, loading=False, error=False, empty=True, text="No data")
    broken = ChartState("Alertas Abertos", drawn=False, loading=False, error=True, empty=True, text="No data")
    r = DashboardRender("alertas-de-fraude", 1.0, [empty], 1, ink=0.2)
    assert r.problems and r.problems_besides(empty=True) == []
    assert DashboardRender("alertas-de-fraude", 1.0, [empty, broken], 2, ink=0.2).problems_besides(empty=True)
    assert DashboardRender("alertas-de-fraude", 1.0, [empty], 2, ink=0.2).problems_besides(empty=True)  # one missing


def test_a_live_only_dashboard_with_nothing_to_draw_may_look_blank_but_not_when_a_chart_had_data():
    empty = ChartState("Latência p99 (ms)", drawn=False, loading=False, error=False, empty=True, text="No data")
    drawn = ChartState("Alertas Abertos", drawn=True, loading=False, error=False, empty=False, text="12")
    assert DashboardRender("alertas-de-fraude", 1.0, [empty, empty], 2, ink=0.01).problems_besides(empty=True) == []
    blank = DashboardRender("alertas-de-fraude", 1.0, [empty, drawn], 2, ink=0.001).problems_besides(empty=True)
    assert blank and "looks blank" in blank[0]
    assert "looks blank" in DashboardRender("alertas-de-fraude", 1.0, [empty], 1, ink=0.01).problems[0]


def _sparse_dashboard() -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A short dashboard on a tall page: two cards with a flat line each, much empty grey below them."""
    img = Image.new("RGB", (1600, 2400), (245, 245, 245))
    d = ImageDraw.Draw(img)
    for left in (280, 940):
        d.rectangle((left, 140, left + 640, 540), fill=(255, 255, 255))
        d.text((left + 20, 160), "PSI do Score por Dia", fill=(0, 0, 0))
        d.line((left + 60, 480, left + 600, 480), fill=(32, 160, 200), width=6)
        for y in range(220, 480, 60):
            d.text((left + 10, y), "2,000", fill=(90, 90, 90))
            d.line((left + 60, y + 6, left + 600, y + 6), fill=(225, 225, 225), width=1)
    return img, (280, 140, 1580, 540)


def test_a_sparse_but_drawn_dashboard_is_judged_by_its_charts_not_the_empty_page_below():
    img, charts = _sparse_dashboard()
    png = _png(img)
    assert ink_fraction(png) < MIN_INK < ink_fraction(png, charts)


def test_blank_cards_stay_blank_and_a_box_past_the_screenshot_adds_no_ink():
    img = Image.new("RGB", (1600, 2400), (245, 245, 245))
    ImageDraw.Draw(img).rectangle((280, 140, 1580, 2400), fill=(255, 255, 255))
    assert ink_fraction(_png(img), (280, 140, 1580, 3900)) < 0.001
