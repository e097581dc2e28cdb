"""The dashboard home in a browser: the revenue chart is drawn, and nothing loads from elsewhere."""

from __future__ import annotations

from urllib.parse import urlsplit


def test_the_revenue_chart_is_drawn_from_files_served_by_the_shop(
    page, sign_in_as, live_server, screenshot
):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))

    sign_in_as("admin")
    page.wait_for_load_state("networkidle")

    drawn = page.evaluate(
        "() => Boolean(window.Chart && Chart.getChart(document.getElementById('revenue-chart')))"
    )
    assert drawn, "the revenue chart was not drawn"
    assert page.locator("#revenue-by-day tbody tr").count() == 30
    own = urlsplit(live_server).netloc
    assert {urlsplit(url).netloc for url in requested if not url.startswith("data:")} == {own}
    assert failed == []
    screenshot("dashboard-home")


def test_staff_see_the_day_without_the_catalog_figures(page, sign_in_as):
    sign_in_as("staff")

    assert page.locator("#orders-today").is_visible()
    assert page.locator("#revenue-today").is_visible()
    assert page.locator("#low-stock-title").count() == 0
