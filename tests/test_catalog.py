"""The built-in catalogue, and every kind of validation problem, located."""

from __future__ import annotations

import json
import textwrap

import pytest

from tracker.catalog import Catalog, builtin_dir, validate_file, validate_text

BUILTIN = ("nasss", "ihi-full-scale", "expandnet-nine-steps", "milat-four-steps")


def test_every_builtin_file_validates():
    files = sorted(p for p in builtin_dir().iterdir() if p.name.endswith(".toml"))
    assert len(files) == 5
    for f in files:
        fw, problems = validate_text(f.read_text(encoding="utf-8"), f.name)
        assert problems == [], problems
        for group in fw.stages:
            assert len(group.checkpoints) >= 3, f"{fw.id}/{group.id} has under three checkpoints"
            assert all(cp.guidance.strip() for cp in group.checkpoints)
        assert fw.citations and all(c["authors"] and c["year"] and c["title"]
                                    for c in fw.citations)


def test_builtin_ids_and_shapes():
    catalog = Catalog()
    assert set(BUILTIN) <= set(catalog.frameworks)
    nasss = catalog.get("nasss")
    assert nasss.kind == "domains" and len(nasss.stages) == 7
    assert all(cp.scale == "complexity" for s in nasss.stages for cp in s.checkpoints)
    assert nasss.scales["complexity"] == ("simple", "complicated", "complex")
    ihi = catalog.get("ihi-full-scale")
    assert [s.id for s in ihi.stages] == ["set-up", "scalable-unit", "test-of-scale-up",
                                          "full-scale"]
    assert [c.id for c in ihi.checklists] == ["adoption-mechanisms", "support-systems"]
    assert len(catalog.get("expandnet-nine-steps").stages) == 9
    assert len(catalog.get("milat-four-steps").stages) == 4


def test_scie_factors_are_22_with_7_key_factors_on_8_items_and_added_to_every_initiative():
    catalog = Catalog()
    for fid in BUILTIN:
        fw = catalog.for_initiative(fid)
        scie = fw.checklists[-1]
        assert scie.id == "scie-factors"
        groups = [cp.group for cp in scie.checkpoints]
        assert (len(scie.checkpoints), groups.count("innovation"), groups.count("external")) == (22, 14, 8)
        # the key factor "adequate resources and funding to support scale and spread"
        # covers two items, so the review's seven key factors mark eight
        assert [cp.id for cp in scie.checkpoints if cp.key] == [
            "evidence", "complexity", "co-production", "resources", "staff-turnover",
            "risk-aversion", "difficult-environment", "funding-for-spread"]
        assert fw.levels(scie.checkpoints[0]) == ("facilitator", "neutral", "barrier")
        assert fw.resolve_checkpoint("scie-factors.staff-turnover").key


def test_pinned_definition_round_trips():
    fw = Catalog().for_initiative("ihi-full-scale")
    from tracker.catalog import Framework

    again = Framework.from_dict(json.loads(json.dumps(fw.to_dict())))
    assert again.to_dict() == fw.to_dict() and again.content_hash() == fw.content_hash()


GOOD = textwrap.dedent('''\
    id = "x"
    title = "X"
    version = "1.0"
    kind = "phased"

    [[citations]]
    authors = "A"
    year = 2020
    title = "T"

    [[stages]]
    id = "one"
    title = "One"
      [[stages.checkpoints]]
      id = "a"
      title = "A"
      guidance = "g"
    ''')


def test_good_minimal_file_passes():
    fw, problems = validate_text(GOOD, "x.toml")
    assert problems == [] and fw.checkpoint_ids == ["one.a"]


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace('version = "1.0"\n', ""), "x.toml: version: missing version"),
    (lambda t: t.replace('"1.0"', '"one"'), "x.toml:3: version: bad version 'one'"),
    (lambda t: t.split("[[citations]]")[0] + "[[stages]]" + t.split("[[stages]]")[1],
     "x.toml: citations: missing citation"),
    (lambda t: t.replace('year = 2020\n', ""), "x.toml:6: citations[0]: citation is missing 'year'"),
    (lambda t: t + '  [[stages.checkpoints]]\n  id = "a"\n  title = "A2"\n  guidance = "g"\n',
     "x.toml:18: stages[0].checkpoints[1]: duplicate checkpoint id 'a' (first used at line 14)"),
    (lambda t: t.replace('guidance = "g"', 'guidance = "g"\n  scale = "nope"'),
     "x.toml:14: stages[0].checkpoints[0]: unknown scale 'nope'"),
    (lambda t: t + '\n[[stages]]\nid = "two"\ntitle = "Two"\n',
     "x.toml:19: stages[1]: empty stage"),
    (lambda t: t + '\n[[stages]]\nid = "one"\ntitle = "Again"\n  [[stages.checkpoints]]\n'
                   '  id = "b"\n  title = "B"\n  guidance = "g"\n',
     "x.toml:19: stages[1]: duplicate id 'one' (first used at line 11)"),
    (lambda t: t.replace('guidance = "g"', 'guidence = "g"'),
     "x.toml:14: stages[0].checkpoints[0]: unknown key 'guidence'"),
    (lambda t: t.replace('kind = "phased"', 'kind = "ladder"'), "x.toml:4: kind: kind must be one of"),
    (lambda t: t.replace('title = "One"', 'title = "One'), "x.toml: not valid TOML:"),
])
def test_each_problem_is_caught_and_located(edit, expected):
    fw, problems = validate_text(edit(GOOD), "x.toml")
    assert fw is None
    assert any(p.startswith(expected) for p in problems), problems


def test_bad_toml_reports_its_line():
    _, problems = validate_text(GOOD.replace('title = "One"', 'title = "One'), "x.toml")
    assert "line 13" in problems[0]


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    bad = GOOD.replace('version = "1.0"\n', "").replace('year = 2020\n', "").replace(
        'guidance = "g"', 'scale = "nope"')
    path = tmp_path / "bad.toml"
    path.write_text(bad, encoding="utf-8")
    _, problems = validate_file(path)
    assert len(problems) == 4, problems  # version, year, guidance, scale


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(GOOD.replace('"X"', '"Caf\xe9"').encode("latin-1"))
    _, problems = validate_file(path)
    assert "not UTF-8" in problems[0]
