"""The optimizer atlas: every library's rows are found, every row has a reason that cites a real line,
the committed report carries the atlas, and docs/optimizers.md says what the committed report says."""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

import pytest
from conftest import ROOT

from invariance.report import atlas
from invariance.report.atlas_doc import atlas_markdown, current
from invariance.report.atlas_reasons import REASONS

VERDICTS = {"invariant", "pm1-invariant", "not-invariant", "cannot-run", "randomised"}


def _installed(lib) -> bool:
    return atlas.installed(lib)


@pytest.mark.parametrize("lib", atlas.LIBRARIES, ids=[lib.key for lib in atlas.LIBRARIES])
def test_every_row_of_a_library_has_a_reason(lib):
    if not _installed(lib):
        pytest.skip(f"{lib.module} is not installed")
    targets = atlas.library_targets(lib)
    assert targets, lib.module
    missing = [t for t in targets if t not in REASONS]
    assert not missing, f"no reason recorded in invariance/report/atlas_reasons.py for {missing}"
    if lib.module == "pytorch_optimizer":
        assert len(targets) >= 80
        # its re-exports of torch.optim classes are that section's rows, not these
        assert "pytorch_optimizer:Adam" not in targets and "Adam" in atlas.reexports(lib)


def test_reasons_are_well_formed():
    for target, (verdict, output, reason, source) in REASONS.items():
        assert verdict in VERDICTS, target
        assert output in (None, "orthogonal", "signed-permutations", "permutations", "none"), target
        assert "`" in reason and len(reason) <= 200, target
        assert re.fullmatch(r"[\w./-]+\.py:\d+", source), (target, source)


def test_reason_sources_cite_the_line_that_holds_the_code():
    """The first quoted fragment of each reason is on the cited line of the installed file (the pinned
    versions: a new release that moves the line fails here)."""
    bad = []
    checked = 0
    for target, (_, _, reason, source) in REASONS.items():
        package = source.split("/", 1)[0]
        spec = importlib.util.find_spec(package)
        if spec is None or spec.submodule_search_locations is None:
            continue
        path, line = source.rsplit(":", 1)
        file = Path(list(spec.submodule_search_locations)[0]).parent / path
        lines = file.read_text(encoding="utf-8").splitlines()
        fragment = reason.split("`")[1]
        head = fragment.split("…")[0].strip()
        checked += 1
        if not 1 <= int(line) <= len(lines) or head not in lines[int(line) - 1]:
            bad.append(f"{target}: {head!r} not on {source}")
    installed = sum(importlib.util.find_spec(s.split("/", 1)[0]) is not None for *_, s in REASONS.values())
    assert checked == installed and not bad, "\n".join(bad)


def test_instance_factories_are_optimizer_targets():
    pytest.importorskip("pytorch_optimizer")
    import torch

    from invariance.targets import load

    (lookahead,) = load("invariance.report.atlas:lookahead_adam")
    assert "Lookahead" not in lookahead.name and lookahead.explain is not None  # the torch adapter took it
    assert "lr=0.001 (its default)" in lookahead.options["description"]
    from invariance.targets import learners_of

    (partial,) = learners_of(functools.partial(torch.optim.Adam, betas=(0.9, 0.99)))
    assert "partial(torch.optim.adam.Adam, betas=(0.9, 0.99))" in partial.options["description"]


def test_optax_factory_with_required_arguments_is_a_diagnosis():
    pytest.importorskip("optax")
    import invariance

    r = invariance.check("optax.contrib:dpsgd", max_examples=5)
    assert r.diagnosis is invariance.Diagnosis.ERROR and "--opt" in r.message


# ------------------------------------------------------------------------------------------- committed


def test_committed_atlas_sections(committed):
    sections = {s["key"]: s for s in committed["sections"] if s.get("kind") == "atlas"}
    assert set(sections) == {lib.key for lib in atlas.LIBRARIES}
    rows = [r for s in sections.values() for r in s["rows"]]
    assert len(rows) >= 100
    assert len(sections["atlas-pytorch-optimizer"]["rows"]) >= 80
    for key in ("atlas-pytorch-optimizer", "atlas-optax", "atlas-schedulefree"):
        assert re.search(r"\d+\.\d+", sections[key]["title"]), "the title states the version"
    for r in rows:
        assert r["reason"] and r["source"], r["target"]
        assert (r["reason"], r["source"]) == REASONS[r["target"]][2:], f"{r['target']}: the report's reason is stale"
        assert r["verdict"] or r["diagnosis"], r["target"]  # a verdict, or the diagnosis: never dropped
    torch_rows = {r["name"]: r for r in sections["atlas-torch"]["rows"]}
    assert torch_rows["SGD"]["output_symmetry"] == "orthogonal"
    assert torch_rows["Adam"]["output_symmetry"] == "signed-permutations"
    assert torch_rows["Adam"]["breaks_at"].startswith("exp_avg_sq")


def test_committed_atlas_torch_rows_say_where_they_break(committed):
    """Every not-invariant or pm1-invariant torch row has a breaks_at, or is randomised (judged in
    distribution: no pair of runs to replay) — the table then says so."""
    results = iter(committed["results"])
    for sec in committed["sections"]:
        for row in sec["rows"]:
            res = next(results)
            if sec.get("kind") != "atlas" or sec["key"] in ("atlas-optax", "atlas-optax-contrib"):
                continue
            if row["verdict"] in ("not-invariant", "pm1-invariant"):
                randomised = res.get("distribution") is not None
                # a state key named (the weight itself included), unless judged in distribution
                assert randomised or (res["breaks_at"] or {}).get("key") is not None, (row["target"], res["breaks_at"])


def test_docs_atlas_tables_match_the_committed_report(committed):
    assert current(ROOT / "docs" / "optimizers.md") == atlas_markdown(committed), (
        "docs/optimizers.md's atlas tables are stale: run python -m invariance.report.atlas_doc")
