"""Tests of invariance.curves.experiment and invariance.cli.curves (docs/design.md#learning-curves)."""

from __future__ import annotations

import importlib.util
import inspect
import json
import textwrap

import numpy as np
import pytest

from invariance.cli.curves import main, parse_ks, parse_settings
from invariance.contract import as_learner, learner
from invariance.curves.experiment import (
    PAPER_SETTINGS,
    Curves,
    bound,
    configure,
    contradictions,
    k_grid,
    learning_curves,
    make_problem,
    sylvester,
)
from invariance.errors import LearnerFailure, UsageError
from invariance.verdict import Verdict

# ------------------------------------------------------------------------------------ test learners


def least_squares(X, y, X_test):
    """Min-norm least squares: rotation invariant, exactly 1 − k/d on Hadamard."""
    return X_test @ (np.linalg.pinv(X) @ y)


def first_coordinate_sign(X, y, X_test):
    """Negative control: not invariant, learns e₁ from a single Hadamard example."""
    return X_test[:, 0] * np.sign(y[0] * X[0, 0])


def noisy_least_squares(X, y, X_test, *, rng, scale=0.1):
    """A randomised learner: its curve depends on the generator it is given."""
    return least_squares(X, y, X_test) + scale * rng.standard_normal(len(X_test))


def ridge(X, y, X_test, *, lam=1.0):
    return X_test @ np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)


LS = as_learner(least_squares, name="least_squares", target="tests:least_squares")
CONTROL = as_learner(first_coordinate_sign, name="control", target="tests:control")
NOISY = as_learner(noisy_least_squares, name="noisy", target="tests:noisy")

LEARNER_FILE = '''
import numpy as np

def least_squares(X, y, X_test):
    return X_test @ (np.linalg.pinv(X) @ y)

def shrunk(X, y, X_test, *, factor=1.0):
    return factor * X_test @ (np.linalg.pinv(X) @ y)

def noisy(X, y, X_test, *, rng):
    return X_test @ (np.linalg.pinv(X) @ y) + 0.1 * rng.standard_normal(len(X_test))
'''


@pytest.fixture
def learner_file(tmp_path):
    path = tmp_path / "learners.py"
    path.write_text(textwrap.dedent(LEARNER_FILE))
    return str(path)


def _run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------------------- problems


@pytest.mark.parametrize("d", [2, 4, 16, 64])
def test_hadamard_rows_orthogonal_pm1_labels_first_column(d):
    X, y = make_problem("hadamard", d, rng=np.random.default_rng(d))
    assert X.shape == (d, d) and y.shape == (d,)
    assert set(np.unique(X)) <= {-1.0, 1.0}
    np.testing.assert_array_equal(X @ X.T, d * np.eye(d))
    np.testing.assert_array_equal(y, X[:, 0])
    # every row is ± a distinct row of Sylvester's H_d
    H = sylvester(d)
    match = np.abs(X @ H.T) == d
    assert match.sum(axis=1).tolist() == [1] * d and sorted(match.argmax(axis=1)) == list(range(d))


def test_hadamard_flips_signs_and_permutes():
    d = 32
    X, y = make_problem("hadamard", d, rng=np.random.default_rng(1))
    assert 0 < (y > 0).sum() < d  # labels are the random signs, not all +1 as in H_d's first column
    order = np.abs(X @ sylvester(d).T).argmax(axis=1)
    assert not np.array_equal(order, np.arange(d))  # rows permuted


@pytest.mark.parametrize("problem", ["pm1", "gaussian"])
@pytest.mark.parametrize("d", [2, 12, 33])
def test_random_problems_shape_and_label(problem, d):
    X, y = make_problem(problem, d, rng=np.random.default_rng(0))
    assert X.shape == (d, d) and y.shape == (d,) and X.dtype == np.float64
    np.testing.assert_array_equal(y, X[:, 0])
    is_pm1 = set(np.unique(X)) <= {-1.0, 1.0}
    assert is_pm1 == (problem == "pm1")


def test_sylvester_is_hadamard():
    H = sylvester(8)
    np.testing.assert_array_equal(H @ H.T, 8 * np.eye(8))
    np.testing.assert_array_equal(H[:, 0], np.ones(8))


@pytest.mark.parametrize("bad", [12, 0, 1, 3, -4, 2.0, True])
def test_hadamard_needs_power_of_two(bad):
    with pytest.raises(UsageError):
        make_problem("hadamard", bad, rng=np.random.default_rng(0))


def test_bound_formulas():
    ks = [1, 4, 8, 16]
    np.testing.assert_allclose(bound("hadamard", 16, ks), [15 / 16, 0.75, 0.5, 0.0])
    for problem in ("pm1", "gaussian"):
        np.testing.assert_allclose(bound(problem, 16, ks), [(15 / 16) ** 2, 0.5625, 0.25, 0.0])


def test_k_grid_always_has_half_and_d():
    assert k_grid(16) == list(range(1, 17))
    assert k_grid(16, step=5) == [1, 6, 8, 11, 16]
    assert k_grid(16, ks=[3, 1, 3]) == [1, 3, 8]
    with pytest.raises(UsageError):
        k_grid(16, ks=[0])
    with pytest.raises(UsageError):
        k_grid(16, step=0)


def test_parse_ks_and_settings():
    assert parse_ks("1:4,9,12:16:2", 16) == [1, 2, 3, 4, 8, 9, 12, 14, 16]
    for bad in ("x", "1:2:0", "", "1:2:3:4"):
        with pytest.raises(UsageError):
            parse_ks(bad, 16)
    assert parse_settings(["egu.eta=0.5", "passes=9", "torch.optim:Adam.lr=1e-3", "a.b=text"]) == [
        ("egu", "eta", 0.5),
        (None, "passes", 9),
        ("torch.optim:Adam", "lr", 1e-3),
        ("a", "b", "text"),
    ]
    for bad in ("eta", ".eta=1", "egu.=1", "egu.1x=2"):
        with pytest.raises(UsageError):
            parse_settings([bad])


# ------------------------------------------------------------------------------------------ measuring


def test_least_squares_on_hadamard_is_exactly_one_minus_k_over_d():
    d = 16
    curves = learning_curves([LS], problem="hadamard", d=d, trials=3, seed=7)
    assert curves.ks == tuple(range(1, d + 1))
    expected = 1 - np.arange(1, d + 1) / d
    np.testing.assert_allclose(curves.losses[:, 0, :], np.broadcast_to(expected, (3, d)), atol=1e-9, rtol=0)
    assert curves.at(d // 2)[0] == pytest.approx(0.5, abs=1e-9)


def test_non_invariant_control_beats_the_bound_and_ridge_stays_above():
    curves = learning_curves(
        [CONTROL, as_learner(ridge, name="ridge", target="tests:ridge")], problem="hadamard", d=16, trials=2
    )
    assert curves.mean()[0].max() < 1e-12  # one example suffices for the control
    assert np.all(curves.mean()[1] >= curves.bound - 1e-9)  # ridge is invariant: on or above 1 − k/d
    assert curves.first_below(0.1) == [1, 15]  # 1 − 15/16 < 0.1


def test_least_squares_on_random_pm1_is_near_the_squared_bound():
    d = 32
    curves = learning_curves([LS], problem="pm1", d=d, trials=4, ks=[d // 2])
    assert curves.ks == (d // 2,)
    assert curves.at(d // 2)[0] == pytest.approx(0.25, abs=0.06)


def test_same_seed_same_curves_other_seed_other_curves():
    kw = dict(problem="pm1", d=8, trials=3)
    a = learning_curves([LS, NOISY], seed=3, **kw)
    b = learning_curves([LS, NOISY], seed=3, **kw)
    c = learning_curves([LS, NOISY], seed=4, **kw)
    np.testing.assert_array_equal(a.losses, b.losses)
    assert not np.array_equal(a.losses[:, 0], c.losses[:, 0])
    # a randomised learner's curve does not depend on which other learners run
    alone = learning_curves([NOISY], seed=3, **kw)
    np.testing.assert_array_equal(alone.losses[:, 0], a.losses[:, 1])


def test_parallel_trials_equal_sequential():
    kw = dict(problem="gaussian", d=8, trials=4, seed=11)
    one = learning_curves([LS, NOISY, CONTROL], jobs=1, **kw)
    two = learning_curves([LS, NOISY, CONTROL], jobs=2, **kw)
    np.testing.assert_array_equal(one.losses, two.losses)


def test_progress_is_reported_per_trial_and_learner():
    seen = []
    learning_curves([LS, CONTROL], problem="hadamard", d=4, trials=3,
                    progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 6) for i in range(1, 7)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_failing_learner_is_a_learner_failure(jobs):
    def boom(X, y, X_test):
        if len(X) > 2:
            raise ValueError("too many rows")
        return X_test[:, 0]

    bad = as_learner(boom, name="boom", target="tests:boom")
    with pytest.raises(LearnerFailure, match=r"boom raised ValueError: too many rows .*k=3") as info:
        learning_curves([LS, bad], problem="hadamard", d=4, trials=2, jobs=jobs)
    assert info.value.diagnosis == "error"


# ------------------------------------------------------------------------------------ hyperparameters


def test_configure_binds_keyword_hyperparameters():
    r = as_learner(ridge, name="ridge", target="tests:ridge")
    X, y = make_problem("gaussian", 6, rng=np.random.default_rng(0))
    np.testing.assert_allclose(configure(r, {"lam": 1e-9})(X, y, X), y, atol=1e-6)
    assert not np.allclose(configure(r, {"lam": 10.0})(X, y, X), y, atol=1e-3)
    with pytest.raises(UsageError, match="did you mean 'lam'"):
        configure(r, {"lamb": 1.0})
    assert configure(NOISY, {"scale": 0.0}).randomized


def test_paper_settings_name_real_hyperparameters():
    if importlib.util.find_spec("algorithms") is None:
        pytest.skip("algorithms/ not present")
    import importlib as il

    for key, params in PAPER_SETTINGS.items():
        module, _, qualname = key.partition(":")
        fn = getattr(il.import_module(module), qualname)
        takes = inspect.signature(fn).parameters
        assert set(params) <= set(takes), (key, set(params) - set(takes))


# -------------------------------------------------------------------------------------------- judging


def test_contradiction_flags_declared_invariant_learner_below_bound():
    liar = learner("invariant", reason="it is not, this is a negative control")(first_coordinate_sign)
    honest = as_learner(least_squares, name="ls", target="tests:ls").with_expected(Verdict.INVARIANT)
    liar_l = as_learner(liar, name="liar", target="tests:liar")
    curves = learning_curves([honest, liar_l, CONTROL], problem="hadamard", d=8, trials=1)
    found = contradictions(curves, [honest, liar_l, CONTROL])
    assert len(found) == 1 and found[0].startswith("liar is declared invariant")
    pm1 = learning_curves([liar_l], problem="pm1", d=8, trials=1)
    assert contradictions(pm1, [liar_l]) == []  # the theorem is about the Hadamard problem


def noisy_first_coordinate(X, y, X_test, *, rng):
    """Negative control: randomised and not invariant; learns e₁ from one example, with noise."""
    return first_coordinate_sign(X, y, X_test) + 0.3 * rng.standard_normal(len(X_test))


def test_a_randomised_learner_that_beats_the_bound_is_caught_through_its_noise():
    """Three standard errors of a two-trial mean do not hide a learner that learns the feature: declared
    invariant-in-distribution, it is listed, with its allowance in the line."""
    liar = learner("invariant-in-distribution", reason="it is not, a negative control")(noisy_first_coordinate)
    lrn = as_learner(liar, name="noisy_liar", target="tests:noisy_liar")
    curves = learning_curves([lrn], problem="hadamard", d=16, trials=2, seed=1)
    assert curves.sem()[0] > 0
    (line,) = contradictions(curves, [lrn])
    assert line.startswith("noisy_liar is declared invariant-in-distribution") and "standard errors" in line


def test_sem_pools_the_spread_over_the_ks():
    """Var over trials (ddof 1) averaged over the ks, over the number of trials; 0 with one trial."""
    losses = np.array([[[1.0, 2.0]], [[3.0, 2.0]]])  # 2 trials, 1 learner, 2 ks: variances 2 and 0
    c = Curves(problem="hadamard", d=4, ks=(1, 2), seed=0, targets=("t",), names=("t",), losses=losses,
               seconds=(0.0,))
    np.testing.assert_allclose(c.sem(), [np.sqrt(1.0 / 2)])
    one = Curves(problem="hadamard", d=4, ks=(1, 2), seed=0, targets=("t",), names=("t",), losses=losses[:1],
                 seconds=(0.0,))
    assert one.sem().tolist() == [0.0]


# ------------------------------------------------------------------------------------------------ CLI


def test_json_contract(capsys, learner_file):
    code, out, err = _run(
        capsys, [learner_file, "--problem", "hadamard", "--d", "8", "--trials", "2", "--json", "--ks", "1:3"]
    )
    assert code == 0, err
    obj = json.loads(out)
    assert {"problem", "d", "ks", "bound", "curves", "settings"} <= set(obj)
    assert obj["problem"] == "hadamard" and obj["d"] == 8
    assert obj["ks"] == [1, 2, 3, 4]  # d/2 is always added
    assert obj["bound"] == pytest.approx([7 / 8, 6 / 8, 5 / 8, 4 / 8])
    targets = [f"{learner_file}:{n}" for n in ("least_squares", "shrunk", "noisy")]
    assert set(targets) == set(obj["curves"]) and all(isinstance(v, float) for v in obj["curves"][targets[0]])
    assert obj["curves"][targets[0]] == pytest.approx(obj["bound"], abs=1e-9)
    assert all(len(c) == len(obj["ks"]) for c in obj["curves"].values())


def test_json_applies_user_settings(capsys, learner_file):
    target = f"{learner_file}:shrunk"
    code, out, err = _run(capsys, [target, "--d", "4", "--trials", "1", "--json", "--set", "shrunk.factor=0"])
    assert code == 0, err
    obj = json.loads(out)
    assert obj["settings"] == {target: {"factor": 0}}
    assert obj["curves"][target] == pytest.approx([1.0] * 4)  # zero predictor: loss 1 on ±1 labels


def test_cli_same_seed_same_json_and_j2_equals_j1(capsys, learner_file):
    argv = [learner_file, "--problem", "pm1", "--d", "8", "--trials", "3", "--seed", "5", "--json"]
    outs = []
    for extra in ([], [], ["-j", "2"]):
        code, out, err = _run(capsys, argv + extra)
        assert code == 0, err
        outs.append(json.loads(out)["curves"])
    assert outs[0] == outs[1] == outs[2]


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--problem", "circle"], "invalid choice: 'circle'"),
        (["--d", "12"], "power of 2"),
        (["--d", "1"], "--d must be"),
        (["--trials", "0"], "--trials must be"),
        (["--ks", "1:x"], "--ks item"),
        (["--ks", "99"], "1..d=8"),
        (["--set", "least_squares.eta=1"], "no hyperparameter 'eta'"),
        (["--set", "nobody.eta=1"], "no learner called 'nobody'"),
        (["--d", "x"], "invalid int value"),
        (["--plot", "out.txt"], "ending in .png"),
    ],
)
def test_usage_errors_exit_2_with_one_line(capsys, learner_file, argv, fragment):
    code, out, err = _run(capsys, [f"{learner_file}:least_squares", "--d", "8", *argv])
    assert code == 2 and out == ""
    assert err.startswith("invcheck: error: ") and err.count("\n") == 1 and fragment in err


def test_unknown_target_exits_2(capsys):
    code, out, err = _run(capsys, ["no_such_module_xyz", "--d", "4"])
    assert code == 2 and err.count("\n") == 1 and "no_such_module_xyz" in err


def test_nan_learner_exits_3(capsys, tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("import numpy as np\ndef nan(X, y, X_test):\n    return np.full(len(X_test), np.nan)\n")
    code, out, err = _run(capsys, [f"{path}:nan", "--d", "4", "--trials", "1"])
    assert code == 3 and "NaN" in err and err.count("\n") == 1


def test_table_shows_half_d_and_learners(capsys, learner_file):
    code, out, err = _run(capsys, [f"{learner_file}:least_squares", "--d", "16", "--trials", "1"])
    assert code == 0, err
    assert "k=8" in out and "(d/2)" in out and "least_squares" in out and "bound" in out and " 0.5 " in out


def test_plot_writes_png(capsys, tmp_path, learner_file):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    code, out, err = _run(capsys, [learner_file, "--d", "8", "--trials", "2", "--plot", str(path), "--json"])
    assert code == 0, err
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    json.loads(out)  # --plot keeps stdout pure JSON


# ------------------------------------------------------------------- the paper's claims, built-ins

_INVARIANT_BUILTINS = ("least_squares", "gd", "newton", "adagrad_full", "adagrad_diag")
_SPARSE_BUILTINS = ("egu", "eg_pm", "spindly", "spindly_pm", "private_lr")


@pytest.fixture(scope="module")
def builtin_hadamard_curves():
    if importlib.util.find_spec("algorithms") is None:
        pytest.skip("algorithms/ not present")
    from invariance.curves.experiment import paper_settings_for
    from invariance.targets import load

    d = 32
    learners = [configure(lrn, paper_settings_for(lrn, d)) for lrn in load("algorithms")]
    return learners, learning_curves(learners, problem="hadamard", d=d, trials=2, seed=0, ks=range(1, d // 2 + 1))


@pytest.mark.parametrize("name", _INVARIANT_BUILTINS)
def test_builtin_invariant_learners_sit_on_the_hadamard_bound(builtin_hadamard_curves, name):
    learners, curves = builtin_hadamard_curves
    if name not in curves.names:
        pytest.skip(f"algorithms.{name} not present")
    i = curves.names.index(name)
    np.testing.assert_allclose(curves.losses[:, i, :], np.broadcast_to(curves.bound, curves.losses[:, i, :].shape),
                               atol=1e-6)


@pytest.mark.parametrize("name", _SPARSE_BUILTINS)
def test_builtin_sparse_learners_learn_hadamard_in_few_log_d_examples(builtin_hadamard_curves, name):
    learners, curves = builtin_hadamard_curves
    if name not in curves.names:
        pytest.skip(f"algorithms.{name} not present")
    first = curves.first_below(0.1)[curves.names.index(name)]
    assert first is not None and first <= 3 * np.log2(curves.d), (name, first)


def test_no_builtin_contradicts_its_declaration(builtin_hadamard_curves):
    learners, curves = builtin_hadamard_curves
    assert contradictions(curves, learners) == []


def test_cli_applies_paper_settings_to_builtins(capsys):
    if importlib.util.find_spec("algorithms.egu") is None:
        pytest.skip("algorithms.egu not present")
    base = ["algorithms.egu:egu", "--d", "16", "--trials", "1", "--json", "--ks", "1", "--no-tune"]
    settings = []
    for extra in ([], ["--set", "egu.eta=0.1"], ["--learner-defaults"]):
        code, out, err = _run(capsys, base + extra)
        assert code == 0, err
        settings.append(json.loads(out)["settings"]["algorithms.egu:egu"])
    paper = {k: (v(16) if callable(v) else v) for k, v in PAPER_SETTINGS["algorithms.egu:egu"].items()}
    assert settings[0] == paper and settings[0]["init"] == 1 / 16
    assert settings[1] == {**paper, "eta": 0.1}
    assert settings[2] == {}


def test_cli_tunes_by_training_loss_and_keeps_what_the_user_set(capsys):
    base = ["algorithms.egu:egu", "--d", "16", "--trials", "1", "--json", "--ks", "1"]
    code, out, err = _run(capsys, base)
    assert code == 0, err
    obj = json.loads(out)
    record = obj["tuning"]["algorithms.egu:egu"]
    assert set(record["grid"]) == {"eta", "passes"} and record["evaluated"] == len(record["scores"]) >= 1
    assert obj["settings"]["algorithms.egu:egu"]["eta"] == record["chosen"]["eta"]
    code, out, err = _run(capsys, base + ["--set", "egu.eta=0.1"])
    obj = json.loads(out)
    assert obj["settings"]["algorithms.egu:egu"]["eta"] == 0.1
    assert set(obj["tuning"]["algorithms.egu:egu"]["grid"]) == {"passes"}


def test_cli_flags_a_declared_invariant_learner_that_beats_the_bound(capsys, tmp_path):
    path = tmp_path / "liar.py"
    path.write_text(
        "from invariance import learner\n"
        "@learner('invariant', reason='negative control: it reads coordinate 1')\n"
        "def liar(X, y, X_test):\n"
        "    return X_test[:, 0]\n"
    )
    code, out, err = _run(capsys, [f"{path}:liar", "--d", "8", "--trials", "1", "--json"])
    assert code == 1, err
    (line,) = json.loads(out)["contradictions"]
    assert line.startswith("liar is declared invariant")
    code, out, err = _run(capsys, [f"{path}:liar", "--d", "8", "--trials", "1", "--problem", "pm1", "--json"])
    assert code == 0 and json.loads(out)["contradictions"] == []
