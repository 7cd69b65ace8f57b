"""Tests of the invariance report: judging (flags), building, rendering, the CLI, and staleness of the
committed report (reports/invariance.json).

The staleness test re-derives the committed verdict column in seconds (invariance.report_stale):
recorded counterexamples are replayed, properties without one are searched with a reduced budget.
Its negative controls show that it fails for a changed verdict, a changed learner, and an added or
removed learner.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from invariance.cli.report import main
from invariance.contract import as_learner
from invariance.curves.experiment import Curves, bound
from invariance.report.build import build_report, curve_flags, report_json
from invariance.report.measure import (
    TORCH_CURVE_SETTINGS,
    TORCH_OPTIMIZERS,
    CurvePlan,
    SectionMeasurement,
    SectionSpec,
    curve_settings,
    default_sections,
    load_section,
    measure_section,
)
from invariance.report.render import render_html, render_markdown
from invariance.report.stale import Fresh, recheck, stale_rows
from invariance.result.model import Result
from invariance.result.replay import still_violates as replay
from invariance.targets import load
from invariance.threads import one_thread
from invariance.verdict import Symmetry, Verdict

HAS_MPL = importlib.util.find_spec("matplotlib") is not None

# ----------------------------------------------------------------------------------- fake measurements

D = 16
KS = tuple(range(1, D + 1))
BOUND = bound("hadamard", D, KS)


def _result(name: str, verdict: str | None, expected: str | None = None, *, diagnosis=None, cx=None) -> Result:
    from invariance.verdict import Diagnosis

    return Result(
        target=f"fake:{name}", name=name,
        verdict=None if verdict is None else Verdict(verdict),
        diagnosis=None if diagnosis is None else Diagnosis(diagnosis),
        expected=None if expected is None else Verdict(expected), reason=None,
        deviation={"orthogonal": 0.5 if verdict != "invariant" else 1e-15, "pm1": 1e-15},
        symmetry=None if verdict is None else Symmetry.ORTHOGONAL, counterexample=cx, evaluations=10,
        seconds=0.1, message=f"{name}: fake result",
    )


def _curves(problem: str, curves: dict[str, np.ndarray]) -> Curves:
    names = tuple(curves)
    losses = np.stack([curves[n] for n in names])[None, :, :].repeat(2, axis=0)
    return Curves(problem, D, KS, 0, tuple(f"fake:{n}" for n in names), names, losses, (0.0,) * len(names))


def fake_report(tmp_path=None):
    """Four learners: honest (invariant, on the bound), cheater (declared and measured invariant, but its
    curve drops to 0: a contradiction), lazy (not-invariant, on the bound: a note), broken (no verdict)."""
    results = [
        _result("honest", "invariant", "invariant"),
        _result("cheater", "invariant", "invariant"),
        _result("lazy", "not-invariant"),
        _result("broken", None, diagnosis="error"),
    ]
    had = {"honest": BOUND.copy(), "cheater": np.where(np.array(KS) > 2, 0.0, 1.0), "lazy": BOUND + 0.01}
    pm1 = {k: v**2 for k, v in had.items()}
    spec = SectionSpec("fake", "Fake learners", "Made up for the tests.", ("fake",), CurvePlan(D, 2))
    m = SectionMeasurement(
        spec, (), tuple(results), {"hadamard": _curves("hadamard", had), "pm1": _curves("pm1", pm1)},
        {"fake:honest": {"eta": 1.0}},
    )
    omitted = SectionMeasurement(SectionSpec("torch", "torch.optim optimizers", "", (), None),
                                 omitted="torch is not installed")
    return build_report([m, omitted], command="invcheck report --fake",
                        config={"seed": 0, "samples": 200, "alpha": 0.01, "timeout": 10.0},
                        environment={"python": "3"}, seconds=1.0)


# --------------------------------------------------------------------------------------------- judging


@pytest.mark.parametrize(
    "verdict, declared, curve, kinds",
    [
        ("invariant", "invariant", BOUND, []),
        ("invariant", None, BOUND - 0.2, ["contradiction"]),
        ("pm1-invariant", None, BOUND - 0.04, []),  # within the margin
        ("invariant-in-distribution", None, BOUND - 0.1, ["contradiction"]),
        ("not-invariant", "invariant", BOUND - 0.3, ["contradiction"]),  # the declaration is contradicted
        ("not-invariant", None, BOUND, ["note"]),
        ("not-invariant", None, BOUND + 0.3, ["note"]),
        ("not-invariant", None, np.zeros(D), []),  # beats the bound: what not being invariant allows
        (None, None, np.zeros(D), []),
    ],
)
def test_curve_flags(verdict, declared, curve, kinds):
    flags = curve_flags(verdict=verdict, declared=declared, d=D, ks=KS, mean=curve, bound=BOUND)
    assert [f.kind for f in flags] == kinds
    for f in flags:
        assert "k = " in f.text and "1 − k/d" in f.text


def test_build_report_rows_and_flags():
    report = fake_report()
    rows = {r.name: r for r in report.rows}
    assert set(rows) == {"honest", "cheater", "lazy", "broken"}
    assert rows["honest"].flags == () and rows["honest"].hadamard_half == pytest.approx(0.5)
    assert [f.kind for f in rows["cheater"].flags] == ["contradiction"]
    assert [f.kind for f in rows["lazy"].flags] == ["note"]
    assert rows["cheater"].first_k == 3 and rows["honest"].first_k == 15
    assert rows["broken"].verdict is None and rows["broken"].hadamard_half is None
    assert rows["honest"].settings == {"eta": 1.0}
    obj = json.loads(report_json(report))
    assert [f["name"] for f in obj["flags"]] == ["cheater", "lazy"]
    assert {r["name"] for r in obj["results"]} == set(rows)  # the docs/design.md#contracts result list
    assert obj["sections"][1]["omitted"] == "torch is not installed"


# ------------------------------------------------------------------------------------------- rendering


def _table_rows(md: str, title: str) -> list[str]:
    part = md.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    return [line for line in part.splitlines() if line.startswith("| `")]


def test_markdown_one_row_per_learner_and_flags():
    report = fake_report()
    md = render_markdown(report)
    rows = _table_rows(md, "Fake learners")
    assert [r.split("`")[1] for r in rows] == [r.name for r in report.rows]
    header = next(line for line in md.splitlines() if line.startswith("| learner"))
    assert all(r.count(" | ") == header.count(" | ") for r in rows)  # no cell breaks the table
    assert "**contradiction** `cheater`" in md and "**note** `lazy`" in md
    assert "](fake-hadamard.png)" in md and "](fake-pm1.png)" in md
    assert "torch is not installed" in md
    assert "1 contradiction between a verdict and its curve" in md


def _attributes(html: str, name: str) -> list[str]:
    return re.findall(rf'\b{name}\s*=\s*["\']([^"\']*)["\']', html)


@pytest.mark.skipif(not HAS_MPL, reason="needs matplotlib")
def test_html_is_self_contained(tmp_path):
    from invariance.curves.plotting import plot_curves

    report = fake_report()
    section = report.sections[0]
    images = {name: Path(plot_curves(section.curves[p], str(tmp_path / name))).read_bytes()
              for p, name in section.plots.items()}
    page = render_html(report, images)
    srcs, hrefs = _attributes(page, "src"), _attributes(page, "href")
    assert len(srcs) == 2 and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not [u for u in srcs + hrefs if re.match(r"\s*(https?:)?//", u)]
    assert all(h.startswith("#") for h in hrefs)
    lowered = page.lower()
    for forbidden in ("<script", "<link", "@import", "url(", "<iframe"):
        assert forbidden not in lowered
    assert page.count('<tr class="contradiction">') == 1  # the cheater's row
    assert "f-contradiction" in page and "f-note" in page
    assert "torch is not installed" in page


# ------------------------------------------------------------------------------------------- staleness


def test_committed_report_is_fresh(committed):
    """The verdict column of reports/invariance.json is what the learners and the checker give now."""
    # results follow the rows, section by section (a target can be a row of two sections: torch.optim:Adam
    # on the linear neuron in "torch", on the 3×d layer in "atlas-torch")
    by_section, i = {}, 0
    for sec in committed["sections"]:
        rows_ = sec["rows"]
        by_section[sec["key"]] = {
            r["target"]: res for r, res in zip(rows_, committed["results"][i:i + len(rows_)], strict=False)
        }
        i += len(rows_)
    sections = {s["key"]: s for s in committed["sections"]}
    problems, todo = [], []
    for spec in default_sections(curves=False):
        if spec.requires and importlib.util.find_spec(spec.requires) is None:
            continue  # cannot re-derive without the package
        rows = sections.get(spec.key, {}).get("rows", [])
        if not rows:
            problems.append(f"section {spec.key} is missing or omitted in the committed report")
            continue
        todo.append((spec.key, rows, load_section(spec), spec.max_examples))
    with one_thread():  # after loading: it limits the BLAS libraries loaded by then
        for key, rows, learners, committed_examples in todo:
            results = by_section[key]
            # the atlas's rows (200+ optimizers) re-search their passed properties with fewer examples
            budget = 8 if key.startswith("atlas-") else 20
            fresh = [
                recheck(lrn, results[lrn.target], max_examples=budget, committed_examples=committed_examples)
                if lrn.target in results
                else Fresh(lrn.target, None, None, None, "new")
                for lrn in learners
            ]
            problems += stale_rows(rows, fresh, section=key)
    assert not problems, (
        "reports/ is stale; regenerate it with `invcheck report --out reports/ -j 2`:\n" + "\n".join(problems)
    )


def test_committed_report_contents(committed):
    """What the paper predicts, in the committed numbers: GD and least squares on 1 − k/d, EGU and
    spindly far below it; no contradiction between a verdict and its curve."""
    rows = {r["name"]: r for s in committed["sections"] if s["key"] == "builtins" for r in s["rows"]}
    for name in ("least_squares", "gd"):
        assert rows[name]["verdict"] == "invariant"
        assert rows[name]["hadamard_loss_at_half"] == pytest.approx(0.5, abs=0.02)
    for name in ("egu", "spindly"):
        assert rows[name]["verdict"] == "not-invariant"
        assert rows[name]["hadamard_loss_at_half"] < 0.1
    assert not [f for f in committed["flags"] if f["kind"] == "contradiction"]
    assert committed["command"] == "invcheck report --out reports/ -j 2"


def test_committed_report_fitted_curves_and_follow_ups(committed):
    """Every curve row carries its training loss; no did-not-fit flag without a reason; least squares
    on the noisy problem matches σ²d/(n − d − 1) at every d (and its slope in d), EGU stays under half
    of it past n = d; on the logistic problem GD's n·excess grows about like d and u⊙v's much more slowly."""
    sections = {s["key"]: s for s in committed["sections"]}
    for key in ("builtins", "torch", "sklearn"):
        for row in sections[key]["rows"]:
            if row["hadamard_loss_at_half"] is not None:
                assert row["train_loss_at_half"] is not None, row["name"]
    for f in committed["flags"]:
        if f["kind"] == "did-not-fit":
            assert "no reason recorded" not in f["text"] and ": " in f["text"].split("tolerance", 1)[1], f
    for key, table in sections["noisy"]["followup"]["tables"].items():
        ratio = table["ratio_to_reference_from_1.5d"]
        assert ratio["algorithms.least_squares:least_squares"] == pytest.approx(1.0, abs=0.05), key
        assert ratio["algorithms.egu:egu"] < 0.5 * ratio["algorithms.least_squares:least_squares"], key
    noisy = sections["noisy"]["followup"]["slopes"]["noisy"]
    assert noisy["slope"]["algorithms.least_squares:least_squares"] == pytest.approx(
        noisy["rates"]["σ²d/(n − d − 1)"], abs=0.1
    )
    slopes = sections["logistic"]["followup"]["slopes"]["logistic"]
    gd, uv = (slopes["slope"]["algorithms.logistic_gd:logistic_gd"],
              slopes["slope"]["algorithms.logistic_uv:logistic_uv"])
    assert gd > 0.7 and uv < gd - 0.4, slopes
    assert slopes["ds"] == [32, 64, 128, 256]


def _fresh_from(rows: list[dict]) -> list[Fresh]:
    return [Fresh(r["target"], r["verdict"], r["diagnosis"], r["declared"], "copied") for r in rows]


def test_stale_rows_fails_on_a_changed_verdict(committed):
    rows = next(s["rows"] for s in committed["sections"] if s["key"] == "builtins")
    assert stale_rows(rows, _fresh_from(rows)) == []
    doctored = copy.deepcopy(rows)
    egu = next(r for r in doctored if r["name"] == "egu")
    egu["verdict"] = "invariant"
    msgs = stale_rows(doctored, _fresh_from(rows))
    assert msgs == ["algorithms.egu:egu: committed verdict 'invariant', now 'not-invariant' (copied)"]
    first = rows[0]["target"]
    assert stale_rows(rows[1:], _fresh_from(rows)) == [f"{first}: not in the committed report (a new learner)"]
    assert stale_rows(rows, _fresh_from(rows)[1:]) == [f"{first}: in the committed report but no longer loaded"]
    redeclared = _fresh_from(rows)
    redeclared[0] = Fresh(redeclared[0].target, redeclared[0].verdict, None, "not-invariant", "copied")
    assert stale_rows(rows, redeclared) == [
        f"{first}: committed declared {rows[0]['declared']!r}, now 'not-invariant' (copied)"
    ]


def test_recheck_fails_for_a_changed_learner(committed):
    """Negative controls of the re-derivation itself: a learner that became invariant no longer
    replays its counterexample; a learner that stopped being invariant is caught by the reduced search."""
    results = {r["target"]: r for r in committed["results"]}
    egu_cx = results["algorithms.egu:egu"]["counterexamples"]["pm1"]
    (ls,) = load("algorithms.least_squares:least_squares")
    (egu,) = load("algorithms.egu:egu")
    from invariance.probe.call import Caller as Meter

    assert replay(Meter(egu), egu_cx) and not replay(Meter(ls), egu_cx)
    fixed = recheck(as_learner(ls.fn, name="egu", target="algorithms.egu:egu"), results["algorithms.egu:egu"])
    assert fixed.verdict == "invariant"
    broken = recheck(as_learner(egu.fn, name="least_squares", target=ls.target), results[ls.target])
    assert broken.verdict == "not-invariant"
    egu_row = next(r for s in committed["sections"] if s["key"] == "builtins" for r in s["rows"] if r["name"] == "egu")
    # ls.fn carries least squares' declaration: both the verdict and the declaration have moved
    assert [m.split(" (", 1)[0] for m in stale_rows([egu_row], [fixed])] == [
        "algorithms.egu:egu: committed verdict 'not-invariant', now 'invariant'",
        "algorithms.egu:egu: committed declared 'not-invariant', now 'invariant'",
    ]
    # an inconclusive (rounding moved most answers) is re-derived at the committed budget: a learner whose
    # answers became stable is now judged, which makes its committed inconclusive stale
    unstable = {**results[ls.target], "verdict": None, "diagnosis": "inconclusive", "distribution": None}
    steady = recheck(ls, unstable, committed_examples=10)
    assert (steady.verdict, steady.diagnosis) == ("invariant", None) and "committed budget (10 examples)" in steady.how
    assert [m.split(" (", 1)[0]
            for m in stale_rows([{"target": ls.target, "diagnosis": "inconclusive"}], [steady])] == [
        f"{ls.target}: committed verdict None, now 'invariant'",
        f"{ls.target}: committed diagnosis 'inconclusive', now None",
        f"{ls.target}: committed declared None, now 'invariant'",
    ]


# ------------------------------------------------------------------------------------------------- CLI


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--d", "100"], "power of 2"),
        (["--trials", "0"], "--trials"),
        (["--k-step", "0"], "--k-step"),
        (["--max-examples", "0"], "--max-examples"),
        (["no_such_module_xyz"], "no module named"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_usage_errors(argv, fragment, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("invcheck: error: ") and fragment in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_out_must_be_a_folder(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("")
    assert main(["algorithms.gd", "--no-curves", "--out", str(f)]) == 2
    assert "is a file" in capsys.readouterr().err


def test_usage_error_through_the_console_script(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "invariance", "report", "--d", "12", "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


@pytest.mark.skipif(not HAS_MPL, reason="needs matplotlib")
def test_report_end_to_end(tmp_path, capsys):
    out = tmp_path / "r"
    code = main(["algorithms.least_squares", "algorithms.egu", "--d", "8", "--trials", "2", "--max-examples", "10",
                 "--out", str(out), "--quiet"])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "invariance.html", "invariance.json", "invariance.md", "targets-hadamard.png", "targets-pm1.png",
    ]
    obj = json.loads((out / "invariance.json").read_text())
    rows = {r["name"]: r for r in obj["sections"][0]["rows"]}
    assert rows["least_squares"]["verdict"] == "invariant" and rows["egu"]["verdict"] == "not-invariant"
    assert rows["least_squares"]["hadamard_loss_at_half"] == pytest.approx(0.5)
    assert obj["sections"][0]["plan"]["ks"] == list(range(1, 9))
    assert len(_table_rows((out / "invariance.md").read_text(), "Selected learners")) == 2
    page = (out / "invariance.html").read_text()
    srcs = _attributes(page, "src")
    assert len(srcs) == 2 and all(s.startswith("data:image/png;base64,") for s in srcs)  # the two plots, inlined


def test_a_mismatch_exits_1_and_says_why_even_when_quiet(tmp_path, capsys):
    """Issue 20, item 3: exit 1 with the reason on stderr, not only inside invariance.md."""
    wrong = tmp_path / "wrong.py"
    wrong.write_text("import numpy as np\nimport invariance\n\n"
                     "@invariance.learner('invariant', reason='claimed')\n"
                     "def nudged(X, y, Xt):\n"
                     "    w = np.linalg.lstsq(X, y, rcond=None)[0]\n"
                     "    return Xt @ w + 0.1 * Xt[:, 0]\n")
    code = main([str(wrong), "--no-curves", "--json-only", "--max-examples", "10", "--out", str(tmp_path / "r"),
                 "--quiet"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err == "invcheck report: declared verdict not matched: nudged is declared invariant but is not-invariant\n"


def test_no_curves_json_only(tmp_path):
    out = tmp_path / "r"
    assert main(["algorithms.gd", "--no-curves", "--json-only", "--max-examples", "5", "--out", str(out),
                 "--quiet"]) == 0
    assert [p.name for p in out.iterdir()] == ["invariance.json"]
    obj = json.loads((out / "invariance.json").read_text())
    row = obj["sections"][0]["rows"][0]
    assert row["verdict"] == "invariant" and row["hadamard_loss_at_half"] is None and obj["sections"][0]["curves"] == {}


def test_missing_packages_omit_their_sections(monkeypatch):
    import invariance.report.measure as rm

    monkeypatch.setattr(rm, "_has", lambda module: module not in ("torch", "sklearn"))
    specs = {s.key: s for s in rm.default_sections(curves=False)}
    assert specs["sklearn"].targets == ()
    for key in ("torch", "sklearn"):
        m = measure_section(specs[key], None)  # never reaches the checker
        assert m.omitted == f"{key} is not installed (pip install 'invcheck[{key}]'); section omitted"
    report = build_report([measure_section(specs["torch"], None)], command="c", config={}, environment={}, seconds=0)
    assert "torch is not installed" in render_markdown(report)


# ------------------------------------------------------------------------------------ settings and zoo


def test_torch_curve_settings_cover_every_dense_optimizer():
    torch = pytest.importorskip("torch")
    dense = {n for n in dir(torch.optim) if isinstance(getattr(torch.optim, n), type)
             and issubclass(getattr(torch.optim, n), torch.optim.Optimizer) and n not in ("Optimizer", "SparseAdam")}
    assert dense == set(TORCH_OPTIMIZERS) == set(TORCH_CURVE_SETTINGS)
    (sgd,) = load("torch.optim:SGD")
    assert curve_settings(sgd, 128) == {"lr": 1 / 128, "passes": 3}
    (gd,) = load("algorithms.gd:gd")
    assert curve_settings(gd, 128)["passes"] == 5  # PAPER_SETTINGS


def test_sklearn_zoo_targets_load(committed):
    pytest.importorskip("sklearn")
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from invariance.report.zoo_sklearn import ZOO

    learners = [load(f"invariance.report.zoo_sklearn:{name}")[0] for name in ZOO]
    assert [lrn.name for lrn in learners] == list(ZOO)
    sklearn_rows = next(s["rows"] for s in committed["sections"] if s["key"] == "sklearn")
    assert [r["name"] for r in sklearn_rows] == list(ZOO)  # one report row per zoo entry, in ZOO order
    (learner,) = load("invariance.report.zoo_sklearn:standard_scaled_ridge")
    X = np.random.default_rng(0).standard_normal((6, 3))
    want = make_pipeline(StandardScaler(), Ridge()).fit(X, X[:, 0]).predict(X)
    np.testing.assert_allclose(learner(X, X[:, 0], X), want, rtol=1e-12)
