"""Every chart lays itself out: no drawn text overlaps another, sits on a legend it is not
part of, or leaves the image, for every framework and programme size; no warnings.

Each chart kind that fits a framework is drawn for every built-in framework and the
test catalogue's small one, at 1, 6, 40 and 200 sites with long real place names,
and for an empty period (a programme whose sites have not started).  Boxes are
matplotlib's own window extents, measured after drawing at the saved resolution.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from matplotlib.text import Text

from tracker import charts
from tracker.analysis.load import snapshot
from tracker.analysis.periods import parse_quarter
from tracker.catalog import Catalog
from tracker.store import Store
from tracker.store.initiatives import create_initiative
from tracker.store.sites import add_site
from tracker.store.writes import log_batch, set_plan

from conftest import DATA

D = dt.date
QUARTER = parse_quarter("2026Q2")
AS_OF = D(2026, 6, 30)
PLACES = ("Bournemouth, Christchurch and Poole", "Rhondda Cynon Taf",
          "Kingston upon Hull, City of (East Riding)", "Redcar and Cleveland",
          "Windsor and Maidenhead", "Barking and Dagenham", "North East Lincolnshire",
          "Richmond upon Thames", "Brighton and Hove", "Neath Port Talbot", "York",
          "Blackburn with Darwen", "Telford and Wrekin", "Stockton-on-Tees")
FRAMEWORKS = ("ihi-full-scale", "expandnet-nine-steps", "milat-four-steps", "nasss", "mini")
SLIDE_HEIGHT = 1500  # at most a 4:3 slide, 2000 px wide
SIZES = (0, 1, 6, 40, 200)  # 0: sites that have joined but logged nothing yet
# Long names: an 80-character initiative name (a title must wrap or be cut, never leave the
# page) and a 60-character site name, at 6 and 40 sites
LONG_SIZES = (6, 40)
LONG_INITIATIVE = ("Shared Lives and home-sharing for older people across the North East and "
                   "Cumbria")
LONG_SITE = "Royal Borough of Kingston upon Thames Adult Social Care Team"
assert len(LONG_INITIATIVE) == 80 and len(LONG_SITE) == 60


def long_name(n: int) -> str:
    """The long initiative of ``n`` sites (80 characters, unique in its database)."""
    return f"{LONG_INITIATIVE[:-3]}{n:03d}"


def place(i: int) -> str:
    name = PLACES[i % len(PLACES)]
    return name if i < len(PLACES) else f"{name} {i // len(PLACES) + 1}"


def programme_events(framework, n_sites: int) -> tuple[list, list]:
    """Sites spread from nothing done to nearly complete over two years, some blocked,
    some with plans; NASSS sites rated on a few dates, one site never rated."""
    events, plans = [], []
    ticked = [cp for st in framework.stages for cp in st.checkpoints if not cp.scale]
    rated = [cp for st in (*framework.stages, *framework.checklists) for cp in st.checkpoints
             if cp.scale]
    start = D(2024, 7, 1)
    for i in range(n_sites):
        site = place(i)
        reach = (i * 7) % (len(ticked) + 1) if n_sites > 1 else len(ticked) // 2
        for k, cp in enumerate(ticked[:reach]):
            on = start + dt.timedelta(days=(i * 3 + k * 25) % 700)
            events.append({"site": site, "checkpoint": cp.full_id, "status": "done", "on": on})
        if reach < len(ticked) and i % 3 == 1:
            events.append({"site": site, "checkpoint": ticked[reach].full_id,
                           "status": "blocked", "on": D(2026, 5, 1)})
        if i % 4 == 0 and framework.kind == "phased":
            plans.append((site, framework.stages[-1].id, D(2026, 12, 31)))
        if i % 5 != 4:
            for q in range(3 if framework.kind == "domains" else 1):
                for j, cp in enumerate(rated[(i + q) % 3::3]):
                    levels = framework.levels(cp)
                    events.append({"site": site, "checkpoint": cp.full_id,
                                   "rating": levels[(i + j + q) % len(levels)],
                                   "on": D(2025, 3, 1) + dt.timedelta(days=120 * q + i % 30)})
    events.sort(key=lambda e: e["on"])
    return events, plans


@pytest.fixture(scope="module")
def programmes(tmp_path_factory):
    """One SQLite database per framework, an initiative per programme size."""
    catalog = Catalog(str(DATA))
    stores = {}
    for fw_id in FRAMEWORKS:
        store = Store.open(str(tmp_path_factory.mktemp("layout") / f"{fw_id}.db"))
        framework = catalog.for_initiative(fw_id)
        for n in SIZES:
            name = f"{fw_id} {n}"
            create_initiative(store, catalog, name, fw_id, started_on=D(2024, 7, 1))
            for i in range(max(n, 3 if n == 0 else n)):
                add_site(store, name, place(i), joined_on=D(2024, 7, 1))
            if n:
                events, plans = programme_events(framework, n)
                log_batch(store, name, events)
                for site, stage, due in plans:
                    set_plan(store, name, site, stage, due, set_on=D(2025, 1, 1))
        for n in LONG_SIZES:
            name = long_name(n)
            create_initiative(store, catalog, name, fw_id, started_on=D(2024, 7, 1))
            rename = {place(0): LONG_SITE}
            for i in range(n):
                add_site(store, name, rename.get(place(i), place(i)), joined_on=D(2024, 7, 1))
            events, plans = programme_events(framework, n)
            log_batch(store, name, [{**e, "site": rename.get(e["site"], e["site"])}
                                    for e in events])
            for site, stage, due in plans:
                set_plan(store, name, rename.get(site, site), stage, due,
                         set_on=D(2025, 1, 1))
        stores[fw_id] = store
    yield stores
    for store in stores.values():
        store.close()


def drawn_texts(fig) -> list[Text]:
    """Every text the canvas draws: the figure's, each axes' titles, labels and texts,
    the tick labels inside the view (the axis makes others it never draws), legends."""
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        for axis in (ax.xaxis, ax.yaxis):
            texts += [axis.label, axis.get_offset_text()]
            for tick in axis._update_ticks():
                texts += [tick.label1, tick.label2]
        if ax.get_legend():
            texts += ax.get_legend().findobj(Text)
    for legend in fig.legends:
        texts += legend.findobj(Text)
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def boxes(fig):
    """(text artist, its window extent) for every drawn, non-empty text."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [(t, t.get_window_extent(renderer)) for t in drawn_texts(fig)], renderer


def problems(fig) -> list[str]:
    found, renderer = boxes(fig)
    width, height = fig.canvas.get_width_height()
    found_text = [t for t, _ in found]
    out = []
    for t, b in found:
        if b.x0 < -0.5 or b.y0 < -0.5 or b.x1 > width + 0.5 or b.y1 > height + 0.5:
            out.append(f"{t.get_text()!r} leaves the {width}x{height} image at {b.bounds}")
    # text against text: every pair whose boxes share more than half a pixel
    if found:
        a = np.array([[b.x0, b.y0, b.x1, b.y1] for _, b in found])
        x0, y0, x1, y1 = (a[:, i] for i in range(4))
        wide = np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :])
        tall = np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :])
        clash = np.triu((wide > 0.5) & (tall > 0.5), k=1)
        for i, j in zip(*np.nonzero(clash)):
            out.append(f"{found_text[i].get_text()!r} overlaps {found_text[j].get_text()!r}")
    # text against a legend it is not part of
    for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes)]:
        if legend is None:
            continue
        lb = legend.get_window_extent(renderer)
        own = set(legend.findobj(Text))
        for t, b in found:
            if t not in own and b.overlaps(lb) and min(b.x1, lb.x1) - max(b.x0, lb.x0) > 0.5 \
                    and min(b.y1, lb.y1) - max(b.y0, lb.y0) > 0.5:
                out.append(f"{t.get_text()!r} sits on a legend")
    return out


def cases():
    catalog = Catalog(str(DATA))
    for fw_id in FRAMEWORKS:
        fw = catalog.for_initiative(fw_id)
        for kind in charts.applicable(fw):
            for n in SIZES:
                yield pytest.param(fw_id, kind, n, id=f"{fw_id}-{kind}-{n}",
                                   marks=[pytest.mark.slow] if n == 200 else [])
            for n in LONG_SIZES:
                yield pytest.param(fw_id, kind, f"long {n}", id=f"{fw_id}-{kind}-long-{n}")


@pytest.mark.parametrize("fw_id,kind,n", list(cases()))
def test_no_text_collides_or_leaves_the_image(programmes, fw_id, kind, n):
    name = long_name(int(n.split()[1])) if isinstance(n, str) else f"{fw_id} {n}"
    snap = snapshot(programmes[fw_id], name, AS_OF, history=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning while drawing fails the test
        figures = charts.draw(kind, snap, QUARTER)
        found = []
        for number, fig in enumerate(figures, start=1):
            w, h = fig.canvas.get_width_height()
            assert w == 2000 and h <= SLIDE_HEIGHT, \
                f"page {number} is {w}x{h}, not a landscape slide"
            found += [f"page {number}: {p}" for p in problems(fig)]
    assert not found, "\n".join(found[:15])


def test_the_check_finds_a_collision_and_a_text_off_the_image():
    """The measure itself: two texts on one spot, and one past the right edge."""
    from tracker.charts.style import new_figure

    fig = new_figure(4.0)
    fig.text(0.5, 0.5, "Rhondda Cynon Taf")
    fig.text(0.51, 0.5, "Neath Port Talbot")
    fig.text(0.99, 0.2, "Bournemouth, Christchurch and Poole")
    found = problems(fig)
    assert "'Rhondda Cynon Taf' overlaps 'Neath Port Talbot'" in found
    assert any(p.startswith("'Bournemouth, Christchurch and Poole' leaves the 2000x")
               for p in found)


def test_an_empty_period_says_so_on_every_chart(programmes):
    catalog = Catalog(str(DATA))
    for fw_id in FRAMEWORKS:
        snap = snapshot(programmes[fw_id], f"{fw_id} 0", AS_OF, history=True)
        for kind in charts.applicable(catalog.for_initiative(fw_id)):
            (fig,) = charts.draw(kind, snap, QUARTER)
            texts = [t.get_text() for t in fig.findobj(Text)]
            assert "No events in this period" in texts, (fw_id, kind)


@settings(max_examples=150, deadline=None)
@given(text=st.text(st.characters(min_codepoint=32, max_codepoint=0x17F,
                                  blacklist_categories=("Cs", "Cc")), max_size=60),
       points=st.sampled_from((9, 9.5, 10, 11, 12, 13, 14)), bold=st.booleans())
@example(text="Ynys\xadMôn", points=9, bold=False)  # a soft hyphen is laid out with no width
def test_a_measured_width_is_never_narrower_than_agg_draws_it(text, points, bold):
    """Layouts are planned with ``text_width`` (summed glyph advances, fast); Agg lays the
    text out itself when drawing.  Any text of Latin letters at any chart size must come
    out no wider than planned, or labels planned to fit would collide."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    from tracker.charts.style import DPI, text_width

    font = FontProperties(family="DejaVu Sans", size=points,
                          weight="bold" if bold else "normal")
    drawn = RendererAgg(10, 10, DPI).get_text_width_height_descent(text, font, ismath=False)[0]
    planned = text_width(text, points, bold) * DPI
    assert planned >= drawn - 0.01
    assert planned <= drawn + 0.08 * drawn + 3  # and not so wide that space is wasted


def test_overlapping_stages_take_rows_of_their_own_in_a_lane():
    """A site that started stage 2 before finishing stage 1 gets two rows; stage 3, begun
    after stage 1 was completed, reuses stage 1's row; nothing overlaps."""
    from types import SimpleNamespace as NS

    from tracker.charts.timeline import band_rows

    stages = [NS(stage="one", first_activity=D(2026, 1, 1), completed_on=D(2026, 3, 1)),
              NS(stage="two", first_activity=D(2026, 2, 1), completed_on=None),
              NS(stage="three", first_activity=D(2026, 3, 1), completed_on=None),
              NS(stage="four", first_activity=None, completed_on=None)]
    assert band_rows(NS(stages=stages), AS_OF) == {"one": 0, "two": 1, "three": 0}


def test_widths_do_not_change_after_the_renderer_draws_vertical_labels():
    """The measuring font is not the renderer's: drawing rotated column labels (which sets
    a rotation on matplotlib's shared font) leaves later measurements as they were."""
    from tracker.charts import style

    labels = ["Kingston upon Hull", "people-drawing-on-care", "Ynys Môn"]
    style.text_width.cache_clear()
    style._GLYPHS.clear()
    before = [style.text_width(x, 9) for x in labels]
    fig = style.new_figure(4)
    ax = fig.add_subplot()
    style.column_labels(ax, labels)
    fig.canvas.draw()
    style.text_width.cache_clear()
    style._GLYPHS.clear()
    assert [style.text_width(x, 9) for x in labels] == before
    assert style._agg_width("Ynys Môn", 9, False) <= before[2]
