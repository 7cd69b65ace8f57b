"""Fitted curves (tuning by training loss, the fit flag) and the follow-up problems (noisy, logistic)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from invariance.cli.curves import main
from invariance.contract import as_learner as _as_learner
from invariance.curves.experiment import learning_curves, make_problem
from invariance.curves.fitting import grid_for, tune
from invariance.curves.problems import problem_of
from invariance.errors import UsageError
from invariance.judge import FIT_TOLERANCE, fits
from invariance.render.flags import fit_flag


def as_learner(fn):
    return _as_learner(fn, name=fn.__name__, target=f"<test>:{fn.__name__}")


def least_squares(X, y, X_test):
    return X_test @ (np.linalg.pinv(X) @ y)


def inflated_least_squares(X, y, X_test):
    """Negative control for the noisy formula: least squares whose weights are 10 % too long."""
    return 1.1 * (X_test @ (np.linalg.pinv(X) @ y))


def zeros(X, y, X_test):
    """Never fits anything."""
    return np.zeros(len(X_test))


def gd(X, y, X_test, *, eta: float = 1.0, passes: int = 1):
    """Online GD on normalised inputs (η ≤ 1 never overshoots), from w = 0."""
    scale = float(np.max(np.linalg.norm(X, axis=1))) or 1.0
    Xs, w = X / scale, np.zeros(X.shape[1])
    for _ in range(passes):
        for x, t in zip(Xs, y, strict=True):
            w -= eta * (w @ x - t) * x
    return X_test @ (w / scale)


def _ratios(learner, d, trials, lo, hi, seed=0):
    c = learning_curves([as_learner(learner)], problem="noisy", d=d, trials=trials, seed=seed,
                        ks=list(range(lo, hi + 1)))
    ks = np.array(c.ks)
    keep = (ks >= lo) & (ks <= hi)
    return c.mean()[0][keep] / c.bound[keep]


# ----------------------------------------------------------------------------------------- noisy


def test_least_squares_matches_the_classical_noisy_excess_risk():
    """E‖ŵ − w*‖² = σ²d/(n − d − 1) for n ≥ 1.5 d: mean ratio within 5 %, each n within 25 %."""
    r = _ratios(least_squares, 16, 50, 24, 64)
    assert abs(r.mean() - 1) < 0.05, r.mean()
    assert np.all(np.abs(r - 1) < 0.25), r


def test_the_noisy_check_catches_weights_ten_percent_too_long():
    """Negative control: 1.1·ŵ adds 0.01·‖w*‖² + 0.21·(excess) — the mean ratio leaves the 5 % band."""
    r = _ratios(inflated_least_squares, 16, 50, 24, 64)
    assert abs(r.mean() - 1) > 0.05, r.mean()


def test_noisy_excess_risk_is_exact_for_a_linear_learner():
    """The test points are √d·(orthonormal bases): mean (ŷ − x₁)² is ‖ŵ − e₁‖² with no test noise."""
    p = problem_of("noisy", sigma=0.5)
    draw = p.draw(8, 20, np.random.default_rng(3))
    w = np.linalg.pinv(draw.X) @ draw.y
    e = w.copy()
    e[0] -= 1
    assert p.test_loss(draw.X_test @ w, draw) == pytest.approx(e @ e, rel=1e-12)


def test_noisy_bound_is_undefined_up_to_d_plus_one():
    b = problem_of("noisy", sigma=2.0).bound(10, [5, 11, 12, 21])
    assert np.isnan(b[0]) and np.isnan(b[1])
    assert b[2] == pytest.approx(4 * 10 / 1) and b[3] == pytest.approx(4 * 10 / 10)


def test_sigma_scales_the_noisy_reference():
    assert problem_of("noisy", sigma=0.5).bound(8, [20])[0] == pytest.approx(0.25 * 8 / 11)
    with pytest.raises(UsageError, match="--sigma"):
        problem_of("noisy", sigma=-1.0)


# -------------------------------------------------------------------------------------- logistic


def test_logistic_excess_risk_is_zero_for_the_true_logit_and_positive_otherwise():
    p = problem_of("logistic", s=3, beta=2.0)
    draw = p.draw(12, 30, np.random.default_rng(0))
    w = p.weights(12)
    assert np.count_nonzero(w) == 3 and np.linalg.norm(w) == pytest.approx(2.0)
    assert p.test_loss(draw.X_test @ w, draw) == pytest.approx(0.0, abs=1e-15)
    assert p.test_loss(np.zeros(len(draw.X_test)), draw) > 0.05
    assert p.test_loss(0.5 * draw.X_test @ w, draw) > 0
    assert set(np.unique(draw.y)) <= {-1.0, 1.0}


def test_logistic_gd_pays_for_dimension_and_uv_does_not():
    """n·excess risk at n ∈ [2d, 4d]: GD on the logistic loss grows about like d; u⊙v far less."""
    from invariance.targets import load

    gd_l, uv_l = load("algorithms.logistic_gd")[0], load("algorithms.logistic_uv")[0]
    c = {}
    for d in (16, 64):
        ks = list(range(2 * d, 4 * d + 1, d // 2))
        cur = learning_curves([gd_l, uv_l], problem="logistic", d=d, trials=3, ks=ks)
        sel = [cur.ks.index(k) for k in ks]
        c[d] = (cur.mean()[:, sel] * np.array(ks)).mean(axis=1)
    growth_gd, growth_uv = c[64][0] / c[16][0], c[64][1] / c[16][1]
    assert growth_gd > 2.5, c
    assert growth_uv < growth_gd / 2, c


# ---------------------------------------------------------------------------------- tuning, fit


def test_tuning_picks_the_fewest_passes_that_fit_and_says_so():
    settings, record = tune(as_learner(gd), "hadamard", 16, centre={"eta": 1.0, "passes": 1})
    assert record["fits"] and settings["passes"] == 1 and settings["eta"] == 1.0
    assert record["evaluated"] == 1 and record["scores"] == [[1, 1.0, record["score"]]]  # the centre fits at once
    again = tune(as_learner(gd), "hadamard", 16, centre={"eta": 1.0, "passes": 1})
    assert again == (settings, record)


def test_tuning_prefers_the_centre_with_more_passes_to_an_extreme_rate_with_fewer():
    """gd at η = 1/16 fits ±1 rows only with more passes; η = 8× fits them in one. The rule keeps the
    centre's rate and buys passes, trying points from the centre outwards."""
    settings, record = tune(as_learner(gd), "pm1", 16, centre={"eta": 1 / 16, "passes": 1})
    tried = [(p, lr) for p, lr, _ in record["scores"]]
    assert tried[:4] == [(1, 1 / 16), (3, 1 / 16), (10, 1 / 16), (30, 1 / 16)][: len(tried[:4])]
    if record["fits"] and settings["eta"] != 1 / 16:
        assert all(s > FIT_TOLERANCE for p, lr, s in record["scores"] if lr == 1 / 16)


def test_tuning_moves_a_learning_rate_that_cannot_fit():
    """Centre η = 1/8: one pass does not fit ±1 rows; the rule must go up the grid (more passes or more η)."""
    settings, record = tune(as_learner(gd), "pm1", 16, centre={"eta": 1 / 8, "passes": 1})
    assert record["fits"], record
    assert settings["eta"] > 1 / 8 or settings["passes"] > 1
    assert record["scores"][3][2] > FIT_TOLERANCE  # the centre itself did not fit


def test_a_learner_that_cannot_fit_is_flagged_with_its_figure_and_reason():
    c = learning_curves([as_learner(zeros), as_learner(least_squares)], problem="hadamard", d=16, trials=2)
    fit = c.fit_at(8)
    assert not fit[0]["fits"] and fit[0]["train_loss"] == pytest.approx(1.0)
    assert fit[1]["fits"]
    flag = fit_flag(8, fit[0]["train_loss"], fit[0]["target_loss"], "predicts 0", "sign-flipped Hadamard")
    assert flag is not None and "1 at k = 8" in flag.text and "predicts 0" in flag.text
    assert flag.text.startswith("did not fit on the sign-flipped Hadamard problem:")
    assert fit_flag(8, fit[1]["train_loss"], fit[1]["target_loss"], "fits") is None


def test_fits_rule_boundaries():
    assert fits(0.3 + FIT_TOLERANCE, 0.3) and not fits(0.3 + 2 * FIT_TOLERANCE, 0.3)
    assert not fits(float("nan"), 0.0)


def test_a_key_the_user_set_is_not_tuned():
    g = grid_for(as_learner(gd), {"eta": 0.5, "passes": 3}, fixed={"eta"})
    assert g.lr_key is None and g.passes_key == "passes" and 3 in g.passes


def test_cli_noisy_json_has_train_curves_fit_and_null_bound(capsys):
    code = main(["algorithms.least_squares", "--problem", "noisy", "--d", "8", "--trials", "2", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    obj = json.loads(out)
    assert obj["params"] == {"sigma": 1.0} and max(obj["ks"]) == 32
    assert obj["bound"][0] is None and obj["bound"][-1] == pytest.approx(8 / 23)
    target = "algorithms.least_squares:least_squares"
    assert len(obj["train_curves"][target]) == len(obj["ks"]) and obj["fit"][target]["fits"]


def test_make_problem_refuses_the_per_n_problems():
    with pytest.raises(UsageError, match="per n"):
        make_problem("noisy", 8, rng=np.random.default_rng(0))


# ------------------------------------------------------------------------------------- the report


def _fake_curves(problem, d, ks, means, *, params=None, train=None, target_train=None, tuning=None):
    from invariance.curves.experiment import Curves

    names = tuple(means)
    losses = np.stack([np.asarray(means[n], dtype=float) for n in names])[None].repeat(2, axis=0)
    tr = None if train is None else np.stack([np.asarray(train[n], dtype=float) for n in names])[None].repeat(2, axis=0)
    tt = None if target_train is None else np.asarray(target_train, dtype=float)[None].repeat(2, axis=0)
    return Curves(problem, d, tuple(ks), 0, tuple(f"fake:{n}" for n in names), names, losses, (0.0,) * len(names),
                  train=tr, target_train=tt, params=params or {}, tuning=tuning or {})


def test_followup_summary_ratio_and_slopes():
    from invariance.report.build import followup_summary

    d = 8
    ks = list(range(1, 4 * d + 1))
    ref = problem_of("noisy").bound(d, ks)
    noisy = _fake_curves("noisy", d, ks,
                         {"exact": np.nan_to_num(ref, nan=5.0), "half": np.nan_to_num(ref, nan=5.0) / 2},
                         params={"sigma": 1.0})
    out = followup_summary({"noisy": noisy})
    ratios = out["tables"]["noisy"]["ratio_to_reference_from_1.5d"]
    assert ratios["fake:exact"] == pytest.approx(1.0) and ratios["fake:half"] == pytest.approx(0.5)
    assert out["tables"]["noisy"]["ns"] == [4, 8, 16, 32] and out["tables"]["noisy"]["reference"][0] is None
    # two dimensions: n·excess ∝ (d − 1) for one learner, constant for the other
    runs = {}
    for dd in (16, 64):
        kk = list(range(4, 4 * dd + 1, 4))
        n = np.asarray(kk, dtype=float)
        runs[f"logistic-d{dd}"] = _fake_curves("logistic", dd, kk, {"linear": (dd - 1) / n, "flat": 3.0 / n},
                                               params={"s": 4, "beta": 2.0})
    sl = followup_summary(runs)["slopes"]["logistic"]
    assert sl["slope"]["fake:linear"] == pytest.approx(np.log(63 / 15) / np.log(4))
    assert sl["slope"]["fake:flat"] == pytest.approx(0.0, abs=1e-12)
    assert sl["rates"]["(d − 1)/n"] == pytest.approx(sl["slope"]["fake:linear"])
    assert 0 < sl["rates"]["s·log d / n"] < 0.5


def test_report_rows_carry_training_loss_and_every_did_not_fit_has_a_reason():
    from invariance.render.flags import Flag
    from invariance.report.build import build_report
    from invariance.report.measure import CurvePlan, SectionMeasurement, SectionSpec
    from invariance.report.render import render_markdown
    from invariance.result.model import Result
    from invariance.verdict import Symmetry, Verdict

    d, ks = 8, list(range(1, 9))
    bound = 1 - np.asarray(ks) / d
    tuning = {"fake:stuck": {"grid": {"eta": [0.1, 1.0]}, "chosen": {"eta": 1.0}, "score": 0.3, "evaluated": 2,
                             "fits": False, "why": "no grid point fits"}}
    curves = _fake_curves("hadamard", d, ks, {"fits": bound, "stuck": bound + 0.2, "curated": bound + 0.1},
                          train={"fits": np.zeros(8), "stuck": np.full(8, 0.3), "curated": np.full(8, 0.25)},
                          target_train=np.zeros(8), tuning=tuning)
    results = [Result(target=f"fake:{n}", name=n, verdict=Verdict.INVARIANT, diagnosis=None, expected=None, reason=None,
                      deviation={"orthogonal": 1e-15, "pm1": 1e-15}, symmetry=Symmetry.ORTHOGONAL, counterexample=None,
                      evaluations=1, seconds=0.0, message="") for n in ("fits", "stuck", "curated")]
    spec = SectionSpec("fake", "Fake", "made up", ("fake",), CurvePlan(d, 2))
    m = SectionMeasurement(spec, (), tuple(results), {"hadamard": curves},
                           reasons={"fake:curated": "by design: shrinks"})
    report = build_report([m], command="c", config={}, environment={}, seconds=0.0)
    rows = {r.name: r for r in report.rows}
    assert rows["fits"].train_half == 0.0 and not any(f.kind == "did-not-fit" for f in rows["fits"].flags)
    stuck = [f for f in rows["stuck"].flags if f.kind == "did-not-fit"]
    assert (len(stuck) == 1 and "0.3 at k = 4" in stuck[0].text and "eta=1" in stuck[0].text
            and "stays 0.3" in stuck[0].text)
    curated = [f for f in rows["curated"].flags if f.kind == "did-not-fit"]
    assert "by design: shrinks" in curated[0].text
    md = render_markdown(report)
    assert "0.3 ✗" in md and "train loss @ d/2" in md
    assert all("no reason recorded" not in f.text for _, _, f in report.flags("did-not-fit"))
    assert isinstance(stuck[0], Flag)


def _memoriser(X, y, X_test, *, eta: float = 1.0, passes: int = 1):
    """Answers its training rows exactly (whatever η) and anything else with η·x₁: only the *test* loss
    depends on η. Negative control for "tuned by training loss only"."""
    out = eta * X_test[:, 0]
    for i, x in enumerate(X_test):
        hit = np.flatnonzero(np.all(X == x, axis=1))  # noqa: SIM300 (X is a matrix, not a constant)
        if hit.size:
            out[i] = y[hit[0]]
    return out


def test_tuning_never_looks_at_the_test_loss():
    """Every η fits the training rows exactly; the test loss is 0 only at η = 1. A rule that peeked at
    the test loss would pick 1; the rule picks the grid's centre."""
    settings, record = tune(as_learner(_memoriser), "hadamard", 16, centre={"eta": 0.25, "passes": 1})
    assert record["fits"] and settings["eta"] == 0.25 and settings["passes"] == 1
    assert {s for _, _, s in record["scores"]} == {0.0}


def test_reasons_are_always_sentences():
    from invariance.render.flags import fit_reason

    assert fit_reason(None, None, 0.3).startswith("not tuned (--no-tune)")
    assert "nothing to tune" in fit_reason({"grid": {}, "chosen": {}}, None, 0.3)
    assert fit_reason({"grid": {}}, "by design: averages", 0.3) == "by design: averages"
    rec = {"grid": {"eta": [0.1, 1.0]}, "chosen": {"eta": 1.0}, "score": 0.2, "evaluated": 2, "fits": False}
    assert "no point of its tuning grid (eta ∈ 0.1…1; 2 points) fits" in fit_reason(rec, None, 0.3)
    assert fit_reason({**rec, "fits": True, "score": 0.001}, None, 0.3).startswith("borderline")


def test_cli_did_not_fit_carries_its_reason_in_json_and_table(capsys):
    code = main(["algorithms.vaw", "algorithms.least_squares", "--d", "8", "--trials", "1", "--json"])
    obj = json.loads(capsys.readouterr().out)
    assert code == 0
    vaw = obj["fit"]["algorithms.vaw:vaw"]
    assert not vaw["fits"] and vaw["reason"].startswith("by design")
    assert "reason" not in obj["fit"]["algorithms.least_squares:least_squares"]
    assert main(["algorithms.vaw", "--d", "8", "--trials", "1"]) == 0
    out = capsys.readouterr().out
    assert "did not fit: vaw" in out and "forecaster" in out, out


@pytest.mark.parametrize("argv, says", [
    (["--sigma", "0.5"], "--sigma is a parameter of --problem noisy"),
    (["--problem", "noisy", "--sparsity", "3"], "--sparsity is a parameter of --problem logistic"),
    (["--problem", "logistic", "--d", "8", "--sparsity", "20"], "--sparsity must be in 1..d=8"),
    (["--problem", "noisy", "--d", "8", "--ks", "33"], "1..32 (4d)"),
])
def test_cli_problem_options_are_checked(argv, says, capsys):
    assert main(["algorithms.least_squares", "--d", "8", *argv]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1
