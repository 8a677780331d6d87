"""Every built-in stage and checkpoint says where it comes from; old pins keep reporting."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest

from tracker.analysis.load import snapshot
from tracker.catalog import Catalog, Framework, builtin_dir, validate_file, validate_text
from tracker.store.initiatives import create_initiative
from tracker.store.sites import add_site
from tracker.store.writes import log_event

DATA = Path(__file__).parent / "data"
BUILTIN_FILES = sorted(p.name for p in builtin_dir().iterdir() if p.name.endswith(".toml"))


def _untraced(fw: Framework) -> list[str]:
    missing = []
    for group in (*fw.stages, *fw.checklists):
        if fw.kind != "checklist" and not (group.source or group.added):
            missing.append(group.id)
        for cp in group.checkpoints:
            if not (cp.source or cp.added):
                missing.append(cp.full_id)
            if cp.source and cp.source["ref"] not in fw.references:
                missing.append(f"{cp.full_id} (unknown reference {cp.source['ref']})")
    return missing


@pytest.mark.parametrize("name", BUILTIN_FILES)
def test_every_builtin_stage_checkpoint_and_item_has_a_source_or_is_marked_added(name):
    fw, problems = validate_file(builtin_dir() / name)
    assert problems == []
    assert fw.references and fw.version == "2.0"
    assert _untraced(fw) == []
    for group in (*fw.stages, *fw.checklists):
        for item in (group, *group.checkpoints):
            if item.added:
                assert len(item.added) > 20  # a reason, not a placeholder
            if item.source:
                assert item.source["locator"].strip()


def test_the_check_fails_for_a_builtin_file_that_loses_a_source(tmp_path):
    text = (Path(str(builtin_dir())) / "milat-four-steps.toml").read_text(encoding="utf-8")
    cut = text.replace('  source = {ref = "milat2016", locator = "Step 4\'s aim: putting the plan '
                       'developed in step 2 into place"}\n', "", 1)
    assert cut != text
    fw, problems = validate_text(cut, "milat.toml", strict_sources=True)
    assert fw is None
    assert len(problems) == 1 and problems[0].startswith("milat.toml:")
    assert "stages[3].checkpoints[0]: no source" in problems[0]


MINIMAL = textwrap.dedent('''\
    id = "mine"
    title = "Mine"
    version = "1.0"
    kind = "phased"

    [[citations]]
    authors = "A"
    year = 2020
    title = "T"

    [references.a2020]
    citation = "A. T. 2020."
    url = "https://example.org/t"

    [[stages]]
    id = "one"
    title = "One"
    source = {ref = "a2020", locator = "Step 1"}
      [[stages.checkpoints]]
      id = "a"
      title = "A"
      guidance = "Done when a."
      added = true
      reason = "Ours: the source has no such step."

      [[stages.checkpoints]]
      id = "b"
      title = "B"
      guidance = "Done when b."
    ''')


def test_a_user_file_without_sources_gets_one_warning_not_a_failure():
    warnings: list[str] = []
    fw, problems = validate_text(MINIMAL, "mine.toml", warnings=warnings)
    assert problems == [] and fw is not None
    assert warnings == ["mine.toml:26: 1 stage(s) or checkpoint(s) say neither where they come "
                        "from (source) nor that they are your own (added = true, reason)"]
    assert fw.stage("one").source == {"ref": "a2020", "locator": "Step 1"}
    assert fw.checkpoint("one.a").added == "Ours: the source has no such step."


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace('ref = "a2020"', 'ref = "b1999"'),
     "mine.toml:15: stages[0]: source: ref 'b1999' is not a reference of this file (known: a2020)"),
    (lambda t: t.replace('locator = "Step 1"', 'locator = ""'),
     "mine.toml:15: stages[0]: source: missing locator (page, section, table, figure or step)"),
    (lambda t: t.replace('source = {ref = "a2020", locator = "Step 1"}', 'source = "Step 1"'),
     'mine.toml:15: stages[0]: source must be a table: write source = {ref = "<reference key>", '
     'locator = "<page, section, table or step>"}'),
    (lambda t: t.replace('reason = "Ours: the source has no such step."\n', ""),
     "mine.toml:19: stages[0].checkpoints[0]: added = true needs a reason: one line on why it "
     "is ours"),
    (lambda t: t.replace('added = true', 'added = "yes"'),
     "mine.toml:19: stages[0].checkpoints[0]: 'added' must be true (leave it out when the item "
     "has a source)"),
    (lambda t: t.replace('url = "https://example.org/t"\n', ""),
     "mine.toml:11: references.a2020: give a doi or a url"),
])
def test_bad_provenance_is_located(change, message):
    fw, problems = validate_text(change(MINIMAL), "mine.toml")
    assert fw is None
    assert message in problems, problems


def test_show_prints_and_json_carries_references_and_provenance(run):
    doc = json.loads(run("frameworks", "show", "ihi-full-scale", "--format", "json").stdout)
    assert doc["references"]["barker2016"]["doi"] == "10.1186/s13012-016-0374-x"
    stage = doc["stages"][1]
    assert stage["source"] == {"ref": "barker2016", "locator": "phase 2, 'Develop the scalable unit'"}
    costed = next(c for c in stage["checkpoints"] if c["id"] == "scalable-unit.unit-costed")
    assert costed["added"] is True and "convention of ours" in costed["reason"]
    assert "source" not in costed
    for group in (*doc["stages"], *doc["checklists"]):
        for item in (group, *group["checkpoints"]):
            assert ("source" in item) != ("added" in item), item["id"]
    text = run("frameworks", "show", "ihi-full-scale").stdout
    assert "  [barker2016] Barker PM, Reid A, Schall MW." in text
    assert "      added by scaletrack: A convention of ours" in text
    assert "      source: barker2016, support systems: capability for scale-up" in text


# -- initiatives pinned to 1.0 keep reporting exactly as before ---------------------------

class _Pinned:
    """A catalogue that hands out one stored definition, as the old catalogue did."""

    def __init__(self, path: Path):
        self.framework = Framework.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def for_initiative(self, framework_id: str) -> Framework:
        return self.framework


def test_an_initiative_pinned_to_ihi_1_0_reports_as_before_after_the_2_0_catalogue(store):
    old = _Pinned(DATA / "ihi-full-scale-1.0.json")
    # the fixture is the 1.0 definition byte for byte: its hash is the one 1.0 pinned with
    assert old.framework.content_hash() == (
        "cb605d5cd2dd0a03b7fa81049f2e6ad0a76fbd12feba605700214ed7370427f7")
    create_initiative(store, old, "Old", "ihi-full-scale")
    create_initiative(store, Catalog(), "New", "ihi-full-scale")  # the 2.0 catalogue
    for name in ("Old", "New"):
        add_site(store, name, "Leeds")
        for i, cp in enumerate(["set-up.target-defined", "set-up.change-package",
                                "set-up.baseline", "set-up.governance", "set-up.measurement-plan",
                                "set-up.scale-up-plan", "scalable-unit.unit-defined",
                                "scalable-unit.unit-costed"]):
            log_event(store, name, "Leeds", cp, on=dt.date(2026, 1, 1 + i))
        log_event(store, name, "Leeds", "support-systems.human-capacity", rating="in place",
                  on=dt.date(2026, 2, 1))
    before = snapshot(store, "Old", dt.date(2026, 6, 30))
    assert before.framework.version == "1.0"
    assert before.framework.to_dict() == old.framework.to_dict()  # nothing of 2.0 leaked in
    cp = before.framework.checkpoint("test-of-scale-up.readiness-judged")
    assert (cp.title, cp.added, cp.source) == ("Readiness for full scale judged", None, None)
    site = before.status.sites[0]
    assert [(s.stage, s.done, s.total) for s in site.stages] == [
        ("set-up", 6, 6), ("scalable-unit", 2, 5), ("test-of-scale-up", 0, 4),
        ("full-scale", 0, 4)]
    assert (site.current_stage, site.furthest_stage) == ("scalable-unit", "scalable-unit")
    old_support = [c.id for c in before.framework.checklists[1].checkpoints]
    assert "capability" not in old_support and len(old_support) == 5
    new = snapshot(store, "New", dt.date(2026, 6, 30))
    assert new.framework.version == "2.0"
    assert "capability" in [c.id for c in new.framework.checklists[1].checkpoints]
    assert [(s.stage, s.done, s.total) for s in new.status.sites[0].stages] == [
        ("set-up", 6, 6), ("scalable-unit", 2, 5), ("test-of-scale-up", 0, 4),
        ("full-scale", 0, 4)]


def test_the_nasss_1_0_pin_keeps_its_27_rated_checkpoints_without_provenance():
    fw = Framework.from_dict(json.loads((DATA / "nasss-1.0.json").read_text(encoding="utf-8")))
    assert fw.version == "1.0" and len(fw.checkpoint_ids) == 27 + 22
    assert fw.content_hash() == "e4be27b15c852e1cf2fa58ad62ba884f903a0dd4a2970c5c594887d796cfc725"
    assert "references" not in fw.to_dict()
