"""report.html in a real browser: headless Chromium through Selenium, with axe-core.

For each framework's demo, a 40-site programme of each framework and a
programme holding hostile text, the page loads with no console error and no
request leaving it, axe-core finds no serious or critical violation, the body
never scrolls sideways at 1280 or 320 CSS pixels, printing to A4 cuts no chart
in two, and the hostile note and site name show as text and run nothing.

Needs Debian's ``chromium`` and ``chromium-driver`` (and the ``test`` extra);
skipped with the reason when they are missing, failed instead in CI
(SCALETRACK_REQUIRE_BROWSER=1 or CI=true, see conftest.py).  One browser for
the module; the reports are built once.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.catalog import Catalog
from tracker.cli import cli
from tracker.store import Store
from tracker.store.initiatives import create_initiative
from tracker.store.sites import add_site
from tracker.store.writes import log_event

pytestmark = pytest.mark.browser
ROOT = Path(__file__).parent.parent
FRAMEWORKS = ("ihi-full-scale", "expandnet-nine-steps", "milat-four-steps", "nasss")
REPORTS = [f"demo-{fw}" for fw in FRAMEWORKS] + [f"40-{fw}" for fw in FRAMEWORKS] + ["hostile"]
HOSTILE_SITE = "[Leeds](https://evil.example)"
HOSTILE_NOTE = ('<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">'
                ' **bold** | pipe')
CHROME_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run")


def _tools() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.skip("browser tests need Chromium and its driver: apt-get install chromium "
                    "chromium-driver (Debian), or run in CI where .ci/run installs them")
    for module in ("selenium", "axe_selenium_python", "pypdf"):
        pytest.importorskip(module, reason=f"browser tests need {module}: "
                            "pip install -e '.[test]'")
    return chromium, driver


@pytest.fixture(scope="module")
def browser():
    chromium, driver_path = _tools()
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="scaletrack-chromium-")
    options = Options()
    options.binary_location = chromium
    for arg in (*CHROME_ARGS, f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _cli(*args: str) -> None:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output


def _hostile(db: Path) -> None:
    store = Store.open(str(db))
    create_initiative(store, Catalog(), "Hostile <b>programme</b>", "ihi-full-scale")
    add_site(store, None, HOSTILE_SITE, joined_on=dt.date(2026, 1, 5))
    add_site(store, None, "Bournemouth, Christchurch and Poole", joined_on=dt.date(2026, 1, 5))
    log_event(store, None, HOSTILE_SITE, "set-up.target-defined", on=dt.date(2026, 2, 1))
    log_event(store, None, HOSTILE_SITE, "set-up.baseline", status="blocked",
              on=dt.date(2026, 5, 2), note=HOSTILE_NOTE)
    store.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """Every report the tests open: name -> its folder."""
    _tools()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_reports import build_nasss, build_phased

    base = tmp_path_factory.mktemp("browser-reports")
    out = {}
    for fw in FRAMEWORKS:
        folder = base / f"demo-{fw}"
        _cli("--db", str(base / f"demo-{fw}.db"), "demo", "--framework", fw, "--out",
             str(folder))
        out[f"demo-{fw}"] = folder
        db = base / f"40-{fw}.db"
        if fw == "nasss":
            build_nasss(db, 40)
        else:
            build_phased(db, fw, 40, 60)
        out[f"40-{fw}"] = base / f"40-{fw}"
        _cli("--db", str(db), "report", "--quarter", "2026Q2", "--out", str(out[f"40-{fw}"]))
    _hostile(base / "hostile.db")
    out["hostile"] = base / "hostile"
    _cli("--db", str(base / "hostile.db"), "report", "--quarter", "2026Q2", "--out",
         str(out["hostile"]))
    return out


def _open(browser, folder: Path) -> None:
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.get((folder / "report.html").resolve().as_uri())
    browser.get_log("browser")  # nothing of an earlier page counts


@pytest.mark.parametrize("name", REPORTS)
def test_loads_with_no_error_and_no_request(browser, reports, name):
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.get_log("browser")
    browser.get((reports[name] / "report.html").resolve().as_uri())
    assert browser.get_log("browser") == []
    assert browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)") == []
    sources = browser.execute_script(
        "return Array.from(document.querySelectorAll('[src], link[href]'))"
        ".map(e => e.getAttribute('src') || e.getAttribute('href'))")
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert browser.execute_script("return document.scripts.length") == 0
    assert browser.title.endswith("progress report, 2026 Q2 (Apr-Jun 2026)") or \
        browser.title.endswith("progress report, 2026 Q3 (Jul-Sep 2026)")


@pytest.mark.parametrize("name", REPORTS)
def test_axe_finds_nothing_serious(browser, reports, name):
    from axe_selenium_python import Axe

    _open(browser, reports[name])
    axe = Axe(browser)
    axe.inject()  # the copy bundled with the package: no network
    results = axe.run()
    serious = [(v["id"], v["impact"], len(v["nodes"])) for v in results["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], axe.report(results["violations"])
    assert len(results["passes"]) > 10  # it did run its rules


@pytest.mark.parametrize("name", REPORTS)
def test_no_sideways_scroll_at_1280_and_320(browser, reports, name):
    _open(browser, reports[name])
    for width in (1280, 320):
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        scroll, client, inner = browser.execute_script(
            "return [document.documentElement.scrollWidth, "
            "document.documentElement.clientWidth, window.innerWidth]")
        assert scroll <= client, f"{name} scrolls sideways at {width} px"
        assert inner == width
        # and no paragraph or list item is wider than the window
        wide = browser.execute_script(
            "return Array.from(document.querySelectorAll('p, li, h1, h2, h3, figure'))"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).length")
        assert wide == 0, f"{name}: {wide} blocks of text overflow at {width} px"
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _images_per_page(pdf: bytes) -> list[int]:
    import pypdf

    return [len(page.images) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _print(browser) -> bytes:
    data = browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True,
                                                       "printBackground": True})["data"]
    return base64.b64decode(data)


def test_the_page_split_check_sees_a_split_image(browser, tmp_path):
    """The check below would see a chart cut in two: an image taller than a page is
    drawn on two pages."""
    png = next((ROOT / "docs").glob("*.png"))
    page = tmp_path / "tall.html"
    page.write_text('<!DOCTYPE html><html lang="en"><title>t</title><body>'
                    f'<img alt="" style="width:100%;height:400mm" src="data:image/png;base64,'
                    f'{base64.b64encode(png.read_bytes()).decode()}"></body></html>')
    browser.get(page.as_uri())
    per_page = _images_per_page(_print(browser))
    assert sum(per_page) > 1 and len(per_page) > 1


@pytest.mark.parametrize("name", REPORTS)
def test_prints_to_a4_with_no_chart_cut_in_two(browser, reports, name):
    import pypdf

    _open(browser, reports[name])
    pdf = _print(browser)
    per_page = _images_per_page(pdf)
    images = browser.execute_script("return document.images.length")
    assert images >= 1
    # each chart is drawn on exactly one page: a chart split by a page break is drawn twice
    assert sum(per_page) == images, per_page
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    width, height = (float(x) for x in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_hostile_text_shows_as_text_and_runs_nothing(browser, reports):
    _open(browser, reports["hostile"])
    assert browser.execute_script("return window.__pwned === undefined")
    body = browser.find_element("tag name", "body").text
    assert HOSTILE_SITE in body
    assert HOSTILE_NOTE.replace("  ", " ") in body
    assert "Hostile <b>programme</b>: progress report" in browser.title
    assert browser.execute_script(
        "return document.querySelectorAll('a[href*=\"evil\"], b, script').length") == 0
    links = browser.execute_script(
        "return Array.from(document.links).map(a => a.getAttribute('href'))")
    assert all(h.startswith("#") or h.startswith("https://doi.org/") for h in links), links
