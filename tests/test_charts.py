"""Charts: real PNGs of the expected size, not blank, byte-identical; the right artists drawn."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import struct
from pathlib import Path

import matplotlib
import pytest

from tracker import charts
from tracker.analysis.load import snapshot
from tracker.analysis.periods import parse_quarter
from tracker.catalog import Catalog
from tracker.charts.style import RC
from tracker.store.initiatives import create_initiative
from tracker.store.sites import add_site
from tracker.store.writes import log_event, set_plan

D = dt.date
Q = parse_quarter("2026Q2")
AS_OF = D(2026, 6, 30)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def not_blank(path: Path) -> bool:
    from matplotlib.image import imread

    pixels = imread(path)
    return pixels.std() > 0.05


@pytest.fixture
def small(store, catalog):
    """Three sites on 'mini': A done plan+pilot, B in plan with one blocked, C with a plan."""
    create_initiative(store, catalog, "Small", "mini")
    for name in ("A", "B", "C"):
        add_site(store, "Small", name)
    for cp, on in (("plan.a", D(2026, 1, 5)), ("plan.b", D(2026, 2, 1)),
                   ("pilot.d", D(2026, 3, 1)), ("pilot.e", D(2026, 4, 20))):
        log_event(store, "Small", "A", cp, on=on)
    log_event(store, "Small", "B", "plan.a", on=D(2026, 2, 10))
    log_event(store, "Small", "B", "plan.b", status="blocked", on=D(2026, 5, 2))
    log_event(store, "Small", "C", "plan.a", status="started", on=D(2026, 5, 20))
    set_plan(store, "Small", "C", "plan", D(2026, 9, 30), set_on=D(2026, 5, 1))
    set_plan(store, "Small", "B", "pilot", D(2026, 8, 1), set_on=D(2026, 5, 1))
    return store


def artists(fig, gid):
    found = []
    for ax in fig.axes:
        found += [a for a in ax.get_children() if a.get_gid() == gid]
        found += [a for a in ax.lines if a.get_gid() == gid and a not in found]
    return found


def row_labels(ax) -> list[str]:
    """The lane names, top to bottom (drawn as texts beside the axes, not tick labels)."""
    named = [t for t in ax.texts if t.get_gid() == "row-label"]
    return [t.get_text() for t in sorted(named, key=lambda t: -t.get_position()[1])]


def test_timeline_draws_lanes_and_markers(small):
    snap = snapshot(small, "Small", AS_OF)
    (fig,) = charts.draw("timeline", snap, Q)
    ax = fig.axes[0]
    assert row_labels(ax) == ["A", "B", "C"]  # top to bottom: A furthest, on top
    done = artists(fig, "done")[0]
    assert len(done.get_xdata()) == 5  # four at A, one at B
    assert len(artists(fig, "planned")[0].get_xdata()) == 2
    assert len(artists(fig, "blocked")[0].get_xdata()) == 1
    bands = {a.get_gid(): len(a.get_paths()) for a in ax.collections
             if (a.get_gid() or "").startswith("bands:")}
    assert bands == {"bands:plan:completed": 1, "bands:pilot:completed": 1,  # A
                     "bands:plan:in progress": 2}  # B and C
    assert len(artists(fig, "as-of")) == 1
    assert fig.texts[0].get_text() == "Small: progress by site, 2026 Q2 (Apr-Jun 2026)"
    caption = fig.texts[1].get_text()
    assert "Mini test framework (mini, version 0.1). As of 2026-06-30." in caption


def test_every_text_is_at_least_9_points(small):
    snap = snapshot(small, "Small", AS_OF)
    for kind in ("timeline", "gaps", "compare", "adoption"):
        for fig in charts.draw(kind, snap, Q):
            fig.canvas.draw()
            texts = fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text")
                                and a.get_text())
            assert texts and min(t.get_fontsize() for t in texts) >= 9, kind


@pytest.mark.parametrize("kind", ["timeline", "gaps", "compare", "adoption"])
def test_each_chart_is_a_real_stable_png(small, tmp_path, kind):
    snap = snapshot(small, "Small", AS_OF)
    (first,) = charts.write(kind, snap, Q, tmp_path / "one" / f"{kind}.png")
    (second,) = charts.write(kind, snapshot(small, "Small", AS_OF), Q,
                             tmp_path / "two" / f"{kind}.png")
    width, height = png_size(first)
    assert width == 2000 if kind in ("timeline", "compare", "adoption") else width > 800
    assert 400 < height < 2000
    assert not_blank(first)
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(
        second.read_bytes()).digest()
    assert b"matplotlib" not in first.read_bytes()


@pytest.fixture
def tech(store):
    """A NASSS initiative: North rated twice (condition complex, then simple; technology
    complicated), South not rated."""
    create_initiative(store, Catalog(), "Tech", "nasss")
    add_site(store, "Tech", "North")
    add_site(store, "Tech", "South")
    log_event(store, "Tech", "North", "condition.nature", rating="complex", on=D(2026, 1, 5))
    log_event(store, "Tech", "North", "condition.nature", rating="simple", on=D(2026, 4, 5))
    log_event(store, "Tech", "North", "technology.supply-model", rating="complicated",
              on=D(2026, 4, 5))
    return store


def test_complexity_chart_for_nasss(tech, tmp_path):
    store = tech
    # a SCIE factor rated on a date of its own gets no column
    log_event(store, "Tech", "North", "scie-factors.staff-turnover", rating="barrier",
              on=D(2026, 3, 1))
    snap = snapshot(store, "Tech", AS_OF, history=True)
    (fig,) = charts.draw("complexity", snap, Q)
    (north,) = [ax for ax in fig.axes if ax.get_title(loc="left")]  # South gets no panel
    assert north.get_title(loc="left") == "North"
    texts = [t.get_text() for t in north.texts]
    # 7 domains x 2 assessment dates; condition went complex -> simple
    assert len(texts) == 14
    assert texts.count("complex") == 1 and texts.count("simple") == 1
    assert texts.count("complicated") == 1 and texts.count("not yet rated") == 11
    assert [t.get_text() for t in north.get_xticklabels()] == ["2026-01-05", "2026-04-05"]
    caption = fig.texts[-1].get_text().replace("\n", " ")
    assert "Not yet assessed (no sub-domain rated), so not drawn: South." in caption
    (path,) = charts.write("complexity", snap, Q, tmp_path / "c.png")
    assert not_blank(path)
    width, height = png_size(path)
    assert width == 2000 and height < width
    with pytest.raises(Exception, match="does not fit nasss"):
        charts.draw("timeline", snap, Q)


def test_complexity_pages_are_balanced_and_leave_out_unrated_sites(tech):
    from tracker.charts import complexity

    for name in ("East", "West", "Upper"):
        add_site(tech, "Tech", name)
        log_event(tech, "Tech", name, "adopters.staff", rating="simple", on=D(2026, 5, 1))
    snap = snapshot(tech, "Tech", AS_OF, history=True)
    # four assessed sites (South has nothing rated): 2 + 2, never 3 + 1
    assert complexity.page_count(snap) == 2
    figures = charts.draw("complexity", snap, Q)
    panels = [[ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
              for fig in figures]
    assert panels == [["East", "North"], ["Upper", "West"]]
    for fig in figures:
        width, height = fig.canvas.get_width_height()
        assert width == 2000 and height < width


def test_complexity_with_nothing_rated_says_so(store):
    create_initiative(store, Catalog(), "Tech", "nasss")
    add_site(store, "Tech", "North")
    log_event(store, "Tech", "North", "scie-factors.staff-turnover", rating="neutral",
              on=D(2026, 5, 1))
    snap = snapshot(store, "Tech", AS_OF, history=True)
    (fig,) = charts.draw("complexity", snap, Q)
    assert [t.get_text() for t in fig.axes[0].texts] == ["No sub-domain rated yet"]
    assert "so not drawn: North." in fig.texts[-1].get_text().replace("\n", " ")


def test_complexity_for_many_sites_is_one_programme_page(tech, tmp_path, monkeypatch):
    """Past MAX_DETAIL sites: domains x quarter ends, each cell the level mix as a bar
    (sites not yet rated included) and one number, the share of sites rated complex."""
    from tracker.charts import complexity

    store = tech
    monkeypatch.setattr(complexity, "MAX_DETAIL", 1)
    log_event(store, "Tech", "South", "condition.nature", rating="complicated",
              on=D(2026, 6, 30))
    log_event(store, "Tech", "South", "condition.nature", rating="simple", on=D(2026, 7, 1))
    snap = snapshot(store, "Tech", AS_OF, history=True)
    assert complexity.page_count(snap) == 1
    (fig,) = charts.draw("complexity", snap, Q)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026 Q1", "2026 Q2"]
    cells = {(round(t.get_position()[0]), round(t.get_position()[1] + 0.12)): t.get_text()
             for t in ax.texts}
    top = 6  # the first domain, condition, is the top row
    # one number a cell: the share of sites rated complex (South's July rating is after
    # the as-of date)
    assert cells[(0, top)] == "50% complex"  # North complex, South not yet rated
    assert cells[(1, top)] == "0% complex"  # North simple, South complicated
    assert cells[(1, top - 1)] == "0% complex"
    assert list(cells.values()).count("0% complex") == 14 - 1
    (bars,) = [c for c in ax.collections if c.get_gid() == "counts"]
    assert len(bars.get_paths()) == 4  # one segment per level present in each cell
    (blank,) = [c for c in ax.collections if c.get_gid() == "not-yet-rated"]
    assert len(blank.get_paths()) == 7 + 6
    (path,) = charts.write("complexity", snap, Q, tmp_path / "c.png")
    assert not_blank(path)


def test_nasss_compare_counts_sites_at_each_level(tech):
    (fig,) = charts.draw("compare", snapshot(tech, "Tech", AS_OF), Q)
    ax = fig.axes[0]
    assert ax.get_xlim() == (0, 2)  # two sites: the axis runs to 2, not past it
    written = [t.get_text() for t in ax.texts]
    # condition: North's nature went complex -> simple; technology: North complicated
    assert written[0] == "1 simple, 0 complicated, 0 complex, 1 not yet rated"
    assert written[1] == "0 simple, 1 complicated, 0 complex, 1 not yet rated"
    assert written[2:] == ["0 simple, 0 complicated, 0 complex, 2 not yet rated"] * 5
    widths = {c.get_gid(): c.get_width() for c in ax.patches if c.get_gid()}
    assert widths["level:condition:simple"] == 1
    assert widths["level:condition:not yet rated"] == 1
    title = fig.texts[0].get_text()
    assert title == ("Tech, 2026 Q2 (Apr-Jun 2026): sites by complexity level, per NASSS "
                     "domain, as of 2026-06-30")
    assert "share" not in title and "done" not in title
    assert [h.get_text() for h in ax.get_legend().get_texts()] == [
        "simple", "complicated", "complex", "not yet rated"]


def test_rated_grid_writes_each_level_number(tech):
    (fig,) = charts.draw("gaps", snapshot(tech, "Tech", AS_OF), Q)
    levels = {c.get_gid(): len(c.get_offsets()) for c in fig.axes[0].collections
              if (c.get_gid() or "").startswith("levels:")}
    assert levels == {"levels:1": 1, "levels:2": 1}  # North: simple and complicated


def test_many_sites_split_into_pages(store, catalog, tmp_path, run):
    create_initiative(store, catalog, "Big", "mini")
    for i in range(30):
        add_site(store, "Big", f"Site {i:02d}")
        log_event(store, "Big", f"Site {i:02d}", "plan.a", on=D(2026, 4, 1 + i % 20))
    r = run("chart", "timeline", "--quarter", "2026Q2", "-o", str(tmp_path / "t.png"))
    assert r.stdout.split() == [str(tmp_path / "t-1.png"), str(tmp_path / "t-2.png")]
    assert "The timeline chart has 2 pages" in r.stderr
    (fig1, fig2) = charts.draw("timeline", snapshot(store, "Big", AS_OF), Q)
    # balanced pages: 15 + 15, never 25 + 5
    assert len(row_labels(fig1.axes[0])) == 15 and len(row_labels(fig2.axes[0])) == 15


def test_chart_command_errors(small, run, tmp_path):
    r = run("chart", "timeline", "--quarter", "2026Q7", "-o", str(tmp_path / "t.png"), code=2)
    assert r.stderr.startswith("Error: '2026Q7' is not a quarter: write 2026Q3")
    r = run("chart", "complexity", "-o", str(tmp_path / "t.png"), code=2)
    assert "the complexity chart does not fit mini" in r.stderr
    r = run("chart", "gaps", "-o", str(tmp_path / "t.svg"), code=2)
    assert "give a name ending in .png" in r.stderr
    r = run("chart", "pie", "-o", str(tmp_path / "t.png"), code=2)
    assert "pie" in r.stderr


def test_compare_for_many_sites_shows_the_spread_on_one_page(store, catalog):
    create_initiative(store, catalog, "Wide", "mini")
    for i in range(45):
        add_site(store, "Wide", f"Site {i:02d}")
        if i % 3 == 0:
            log_event(store, "Wide", f"Site {i:02d}", "plan.a", on=D(2026, 4, 1))
    (fig,) = charts.draw("compare", snapshot(store, "Wide", AS_OF), Q)
    ax = fig.axes[0]
    dots = {c.get_gid(): len(c.get_offsets()) for c in ax.collections
            if (c.get_gid() or "").startswith("dots:")}
    assert dots == {"dots:plan": 45, "dots:pilot": 45, "dots:spread": 45}
    texts = [t.get_text() for t in ax.texts]
    assert "median 0%\n0 of 45\ncompleted" in texts
    # the axis ends at 100%: the per-stage summaries stand above the plot, not in it
    assert ax.get_ylim() == (-0.05, 1.05)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    top = ax.get_window_extent(renderer).y1
    assert all(t.get_window_extent(renderer).y0 >= top for t in ax.texts)


def test_share_labels_keep_off_the_median_line(store):
    """ExpandNet's nine narrow panels: a label that the dashed median would cross moves
    past the line instead (it used to print '0%' on it)."""
    from test_layout import place, programme_events

    from tracker.store.writes import log_batch

    create_initiative(store, Catalog(), "Nine", "expandnet-nine-steps")
    for i in range(6):
        add_site(store, "Nine", place(i))
    log_batch(store, "Nine", programme_events(Catalog().for_initiative(
        "expandnet-nine-steps"), 6)[0])
    (fig,) = charts.draw("compare", snapshot(store, "Nine", AS_OF), Q)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    moved = 0
    for ax in fig.axes:
        (median,) = [line for line in ax.lines if line.get_gid() == "median"]
        m = median.get_xdata()[0]
        x = ax.transData.transform((m, 0))[0]
        for t in ax.texts:
            box = t.get_window_extent(renderer)
            assert not box.x0 - 1 <= x <= box.x1 + 1, (t.get_text(), m)
            moved += t.get_position()[0] > m > float(t.get_text().rstrip("%")) / 100
    assert moved >= 2  # Step 5's 0% labels sit past its 12% median


CVD = (None, "deuteranomaly", "protanomaly", "tritanomaly")


def _seen(colours, cvd, alpha=1.0):
    """The colours as drawn over white at ``alpha``, as a reader with ``cvd`` (full
    severity) sees them, in sRGB."""
    import numpy as np
    from colorspacious import cspace_convert
    from matplotlib.colors import to_rgb

    rgb = np.array([to_rgb(c) for c in colours]) * alpha + (1 - alpha)
    if cvd is None:
        return rgb
    return np.clip(cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": cvd,
                                        "severity": 100}, "sRGB1"), 0, 1)


@pytest.mark.parametrize("cvd", CVD)
@pytest.mark.parametrize("alpha", [1.0])  # every chart draws stage colours solid
def test_nine_stage_colours_stay_apart_for_colour_blind_readers(cvd, alpha):
    """Every pair of the nine stage colours differs by at least 10 CAM02-UCS units
    (about the step between two named colours) under each simulated deficiency."""
    import itertools

    from colorspacious import deltaE

    from tracker.charts.style import STAGE_COLOURS
    assert len(set(STAGE_COLOURS)) == 9
    seen = _seen(STAGE_COLOURS, cvd, alpha)
    worst = min((deltaE(seen[i], seen[j], input_space="sRGB1"), i, j)
                for i, j in itertools.combinations(range(9), 2))
    assert worst[0] >= 10, f"{STAGE_COLOURS[worst[1]]} and {STAGE_COLOURS[worst[2]]} ({cvd})"


def test_the_old_grey_would_fail_the_colour_blind_check():
    """The check can fail: reddish purple and the grey it replaced look alike to a
    deuteranope."""
    from colorspacious import deltaE

    seen = _seen(("#CC79A7", "#999999"), "deuteranomaly")
    assert deltaE(seen[0], seen[1], input_space="sRGB1") < 10


def _apart(colours, cvd) -> tuple[float, str, str]:
    """The smallest CAM02-UCS distance between any two of ``colours`` seen with ``cvd``."""
    import itertools

    from colorspacious import deltaE

    seen = _seen(colours, cvd)
    return min(((deltaE(seen[i], seen[j], input_space="sRGB1"), colours[i], colours[j])
                for i, j in itertools.combinations(range(len(colours)), 2)),
               default=(99.0, "", ""))


@pytest.mark.parametrize("cvd", CVD)
def test_no_stage_colour_is_a_status_colour(cvd):
    """A stage colour is never a status mark's colour (done, started, blocked, planned, as-of
    line, report period): every stage colour is 10 units from every status colour."""
    from tracker.charts.style import STAGE_COLOURS, STATUS_COLOURS

    for stage in STAGE_COLOURS:
        distance, a, b = min(_apart([stage, status], cvd) for status in STATUS_COLOURS)
        assert distance >= 10, f"stage colour {a} is too close to status colour {b} ({cvd})"


def _all_charts(stores):
    """Every chart page of every (store, initiative), drawn in this process."""
    figures = []
    for store, name in stores:
        snap = snapshot(store, name, AS_OF, history=True)
        for kind in charts.applicable(snap.framework):
            figures += charts.draw(kind, snap, Q)
    return figures


def _legend_colours(legend) -> list[str]:
    """The colour each legend entry stands for: a swatch's fill (its outline when it has
    none), a line's colour, a marker's fill; entries marked "no-colour" (a pattern or a
    shape drawn in neutral ink) are left out."""
    from matplotlib.colors import to_hex
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    out = set()
    for h in legend.legend_handles:
        if h is None or h.get_gid() == "no-colour":
            continue
        if isinstance(h, Patch):
            face = h.get_facecolor()
            out.add(to_hex(h.get_edgecolor() if face[3] == 0 else face))
        elif isinstance(h, Line2D):
            marker = h.get_marker() not in (None, "", "none", "None")
            out.add(to_hex(h.get_markerfacecolor() if marker and h.get_linestyle() in
                           ("none", "None", "") else h.get_color()))
    return sorted(out)


@pytest.fixture
def every_framework(store, catalog):
    """The small programme of each built-in framework and the test one (6 sites)."""
    from test_layout import place, programme_events

    from tracker.store.writes import log_batch

    made = []
    for fw_id in ("ihi-full-scale", "expandnet-nine-steps", "milat-four-steps", "nasss",
                  "mini"):
        cat = catalog if fw_id == "mini" else Catalog()
        create_initiative(store, cat, fw_id, fw_id)
        for i in range(6):
            add_site(store, fw_id, place(i))
        events, plans = programme_events(cat.for_initiative(fw_id), 6)
        log_batch(store, fw_id, events)
        for site, stage, due in plans:
            set_plan(store, fw_id, site, stage, due, set_on=D(2025, 1, 1))
        made.append((store, fw_id))
    return made


@pytest.mark.parametrize("cvd", CVD)
def test_colours_in_one_legend_stay_apart(every_framework, cvd):
    """Every pair of colours that appear together in one legend, in every chart of every
    framework, differs by at least 10 CAM02-UCS units under each simulated deficiency."""
    checked = 0
    for fig in _all_charts(every_framework):
        for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes)]:
            if legend is None:
                continue
            colours = _legend_colours(legend)
            distance, a, b = _apart(colours, cvd)
            title = fig.texts[0].get_text()
            assert distance >= 10, f"{a} and {b} in the legend of {title!r} ({cvd})"
            checked += len(colours) > 1
    assert checked >= 10


def test_the_legend_check_would_catch_the_old_timeline():
    """Before: ExpandNet's Step 7 was the vermilion of the blocked cross and the as-of line,
    and Step 9 the black of the done dot; the check sees both."""
    assert _apart(["#D55E00", "#D55E00"], None)[0] < 10
    assert _apart(["#000000", "#000000"], "deuteranomaly")[0] < 10


def test_nasss_levels_differ_in_lightness():
    """simple, complicated, complex and not yet rated (white) are told apart by lightness
    (CAM02-UCS J') as well as hue, under every simulated deficiency."""
    import itertools

    from colorspacious import cspace_convert

    from tracker.charts.style import level_colours

    colours = [*level_colours(3), "#FFFFFF"]
    for cvd in CVD:
        lightness = cspace_convert(_seen(colours, cvd), "sRGB1", "CAM02-UCS")[:, 0]
        gaps = [abs(a - b) for a, b in itertools.combinations(lightness, 2)]
        assert min(gaps) >= 8, (cvd, dict(zip(colours, lightness.round(1))))


def test_every_text_on_a_fill_has_a_contrast_of_4_5(every_framework):
    """The charts record each (text, fill) colour pair they draw (style.ink_on / text_on);
    drawing every chart of every framework, each pair has a WCAG contrast of 4.5:1 or more."""
    from tracker.charts import style

    style.TEXT_ON_FILL.clear()
    _all_charts(every_framework)
    pairs = set(style.TEXT_ON_FILL)
    fills = {fill for _, fill in pairs}
    # the NASSS level numbers in the gaps grid and the level names in the complexity panels
    assert {c.upper() for c in style.level_colours(3)} <= fills
    for ink, fill in pairs:
        assert style.contrast(ink, fill) >= 4.5, (ink, fill, style.contrast(ink, fill))


def test_the_contrast_measure():
    """WCAG's own examples: black on white is 21:1; black on Okabe-Ito blue, the old NASSS
    'simple', is under 4.5:1, so the test above would have failed it."""
    from tracker.charts.style import contrast, ink_on

    assert round(contrast("#000000", "#FFFFFF"), 2) == 21.0
    assert round(contrast("#777777", "#FFFFFF"), 2) == 4.48
    assert contrast("#000000", "#0072B2") < 4.5
    assert ink_on("#882255") == "#FFFFFF" and ink_on("#99DDFF") == "#000000"


def test_adoption_draws_a_panel_per_stage_with_its_two_lines(every_framework):
    store = every_framework[1][0]
    (fig,) = charts.draw("adoption", snapshot(store, "expandnet-nine-steps", AS_OF), Q)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 9
    for i, ax in enumerate(panels):
        gids = sorted(line.get_gid() for line in ax.lines if line.get_gid()
                      and ":" in line.get_gid())
        stage = gids[0].split(":")[1]
        assert gids == [f"adoption:{stage}", f"entered:{stage}"]
        assert ax.get_title(loc="left").startswith("Step ")
        assert ax.get_title(loc="left").split("\n")[-1].endswith(" completed")
    assert panels[0].get_shared_x_axes().joined(panels[0], panels[8])
    assert panels[0].get_shared_y_axes().joined(panels[0], panels[8])


def test_gaps_chart_marks_and_says_what_the_gaps_analysis_finds(small):
    """As of 15 August: B's pilot plan (due 1 August) is overdue and B has had no event
    since 2 May; A none since 20 April; C entered pilot without plan.b, so plan.b is
    skipped (plan.a, started, stays started); plan.c is optional."""
    log_event(small, "Small", "C", "pilot.d", on=D(2026, 6, 1))
    snap = snapshot(small, "Small", D(2026, 8, 15))
    (fig,) = charts.draw("gaps", snap, Q)
    ax = fig.axes[0]
    width = sum(len(st.checkpoints) for st in snap.framework.stages)
    assert fig.texts[0].get_text() == "Small: gaps by site, 2026 Q2 (Apr-Jun 2026)"
    offsets = {c.get_gid(): [tuple(o) for o in c.get_offsets()] for c in ax.collections
               if c.get_gid()}
    rows = {"A": 2, "B": 1, "C": 0}  # top to bottom by name
    assert offsets["gaps:overdue"] == [(width + 0.5, rows["B"])]  # after half a cell
    assert sorted(y for _, y in offsets["gaps:stalled"]) == [rows["B"], rows["A"]]
    assert offsets["cells:skipped"] == [(1, rows["C"])]
    assert offsets["cells:started"] == [(0, rows["C"])]
    said = sorted(t.get_text() for t in ax.texts if t.get_gid() == "gap-words")
    assert said == ["Pilot due 2026-08-01; stalled 105 days", "stalled 117 days"]
    italic = [t.get_text() for t in ax.texts if t.get_gid() == "column-label"
              and t.get_fontstyle() == "italic"]
    assert italic == ["c (optional)"]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "skipped: the site moved on (dash)" in labels
    assert "plan date passed" in labels


def test_a_title_wraps_or_is_cut_with_the_full_text_in_the_caption():
    from tracker.charts.style import TITLE_PT, WIDTH, fit_headline, text_width

    spaced = "Shared Lives " * 6 + ": progress by site, 2026 Q2 (Apr-Jun 2026)"
    text, note = fit_headline(spaced)
    assert text.count("\n") == 1 and note == ""
    solid = "X" * 160 + ": sites entering and completing each stage over time, 2026 Q2"
    text, note = fit_headline(solid)
    lines = text.split("\n")
    assert len(lines) == 2 and lines[1].endswith("\u2026")
    assert all(text_width(x, TITLE_PT, True) <= WIDTH - 0.3 for x in lines)
    assert note == f" Title in full: {solid}."


def test_a_lane_grows_rather_than_thinning_its_rows(store, catalog):
    """Five stages open at once at one site: five rows, each at least ROW inches, and the
    lane five rows tall; a site with one stage keeps the usual lane."""
    from tracker.charts.timeline import LANE, ROW

    create_initiative(store, Catalog(), "Wide", "expandnet-nine-steps")
    add_site(store, "Wide", "Busy")
    add_site(store, "Wide", "Quiet")
    fw = Catalog().for_initiative("expandnet-nine-steps")
    for k, stage in enumerate(fw.stages[:5]):
        log_event(store, "Wide", "Busy", stage.checkpoints[0].full_id, status="started",
                  on=D(2026, 1, 1 + k))
    log_event(store, "Wide", "Quiet", fw.stages[0].checkpoints[0].full_id, on=D(2026, 2, 1))
    (fig,) = charts.draw("timeline", snapshot(store, "Wide", AS_OF), Q)
    ax = fig.axes[0]
    heights = []
    for c in ax.collections:
        if (c.get_gid() or "").startswith("bands:"):
            heights += [p.vertices[:, 1].max() - p.vertices[:, 1].min() for p in c.get_paths()]
    assert len(heights) == 6 and min(heights) >= ROW - 1e-9
    ys = sorted(t.get_position()[1] for t in ax.texts if t.get_gid() == "row-label")
    assert ys[1] - ys[0] >= (5 * ROW + LANE) / 2 - 1e-9  # the busy lane is the taller one


def test_a_nine_stage_legend_takes_at_most_a_quarter_of_the_width(every_framework):
    """ExpandNet's nine steps: the timeline's legend is short names ("Step 3"), the full
    titles in the caption's key; it used to take about a third of the page."""
    store = every_framework[1][0]
    (fig,) = charts.draw("timeline", snapshot(store, "expandnet-nine-steps", AS_OF), Q)
    fig.canvas.draw()
    legend = fig.axes[0].get_legend()
    width = legend.get_window_extent(fig.canvas.get_renderer()).width
    assert width <= 0.25 * fig.canvas.get_width_height()[0]
    assert [t.get_text() for t in legend.get_texts()][:9] == [f"Step {i}" for i in range(1, 10)]
    caption = fig.texts[-1].get_text().replace("\n", " ")
    assert "Key: Step 1: Plan actions to increase the scalability of the innovation;" in caption


def test_workers_share_the_pages_by_cost_and_the_same_way_every_time():
    """ExpandNet at 200 sites: dealt out in turn, one worker drew the adoption page alone at
    the end; shared by cost, every page is drawn once, the costliest first, and the two
    workers' shares differ by less than one page."""
    jobs = ([("gaps", p) for p in range(1, 9)] + [("compare", 1)]
            + [("timeline", p) for p in range(1, 30)] + [("adoption", 1)])
    jobs.sort(key=lambda job: -charts.REGISTRY[job[0]].cost)
    shares = charts.shares(jobs, 2)
    assert sorted(j for share in shares for j in share) == sorted(jobs)
    assert shares == charts.shares(list(jobs), 2)
    loads = [sum(charts.REGISTRY[kind].cost for kind, _ in share) for share in shares]
    assert abs(loads[0] - loads[1]) <= max(k.cost for k in charts.REGISTRY.values())
    assert shares[0][0] == ("adoption", 1)
    for share in shares:
        costs = [charts.REGISTRY[kind].cost for kind, _ in share]
        assert costs == sorted(costs, reverse=True)


def test_a_dollar_sign_in_a_name_is_drawn_as_text_not_typeset(store, catalog, tmp_path):
    """"Pay $5 or $10" is a name: matplotlib would typeset what lies between the dollar
    signs as TeX ("Pay 5or10" in italics), and a site named with a backslash in it
    could fail to draw at all."""
    create_initiative(store, catalog, "Pay $5 or $10", "mini")
    for name in ("Cost $x^2$ site", r"Fund $\frac{1}{2$ site"):
        add_site(store, None, name)
        log_event(store, None, name, "plan.a", on=D(2026, 2, 1))
    snap = snapshot(store, None, AS_OF)
    for kind in ("timeline", "gaps", "compare", "adoption"):
        for fig in charts.draw(kind, snap, Q):
            with matplotlib.rc_context(RC):  # as charts.style.save draws a page
                fig.canvas.draw()
            texts = fig.findobj(lambda a: hasattr(a, "get_parse_math") and a.get_text())
            assert texts and not any(t.get_parse_math() for t in texts), kind
            assert fig.texts[0].get_text().startswith("Pay $5 or $10: "), kind
    (fig,) = charts.draw("timeline", snap, Q)
    assert row_labels(fig.axes[0]) == ["Cost $x^2$ site", r"Fund $\frac{1}{2$ site"]
    assert charts.write("timeline", snap, Q, tmp_path / "timeline.png")


def _font_files_open() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.endswith((".ttf", ".otf")):
            found.add(target)
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd") or not hasattr(os, "fork"),
                    reason="needs fork and /proc to see a process's open files")
def test_a_forked_worker_holds_none_of_its_parents_font_files(store, catalog):
    """A font object made before a fork reads its file through a descriptor whose offset
    parent and child share: two workers reading glyphs through it read each other's bytes
    (FreeType's "invalid outline").  After the charts of a name with dollar signs have
    been drawn here, a new child must have no font file of its parent's open."""
    create_initiative(store, catalog, "Pay $5 or $10", "mini")
    add_site(store, None, "Cost $x^2$ site")
    log_event(store, None, "Cost $x^2$ site", "plan.a", on=D(2026, 2, 1))
    snap = snapshot(store, None, AS_OF)
    for kind in ("timeline", "gaps"):
        for fig in charts.draw(kind, snap, Q):
            fig.canvas.draw()
    assert _font_files_open()  # the parent's own fonts, for the child to let go of
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it holds, then leave at once
        try:
            os.close(read)
            os.write(write, "\n".join(sorted(_font_files_open())).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        held = pipe.read().decode()
    os.waitpid(pid, 0)
    assert held == ""
