"""Terminal output at 80 columns: whole names, no line past the width, a closing summary line,
``%.3g`` numbers, ``diverged`` curves, and ``invcheck --version``.

rich reads ``COLUMNS`` when a Console is created, and every subcommand creates its Console after
parsing, so ``monkeypatch.setenv("COLUMNS", …)`` before ``main([...])`` sets the width.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from conftest import LEARNERS

from invariance.cli import main

pytestmark = pytest.mark.usefixtures("in_repo_root")


def run_at(monkeypatch, capsys, columns: int, *argv: str) -> tuple[int, str]:
    monkeypatch.setenv("COLUMNS", str(columns))
    code = main(list(argv))
    out, _ = capsys.readouterr()
    return code, out


def assert_fits(out: str, columns: int) -> None:
    too_long = [line for line in out.splitlines() if len(line) > columns]
    assert not too_long, f"{len(too_long)} lines longer than {columns}: {too_long[:3]}"
    assert not re.search(r"\w…", out), "a word cut short by an ellipsis: something was truncated"


def lines_with(out: str, word: str) -> list[str]:
    """Lines holding ``word`` as a whole token (not a fragment folded from a longer name)."""
    pattern = re.compile(rf"(?<![\w.:]){re.escape(word)}(?![\w])")
    return [line for line in out.splitlines() if pattern.search(line)]


# ------------------------------------------------------------------------------ invcheck TARGET...


def test_algorithms_at_80_columns_compact_whole_names_and_summary(monkeypatch, capsys):
    code, out = run_at(
        monkeypatch, capsys, 80, "algorithms.least_squares", "algorithms.adagrad_diag_batch", "--max-examples", "10"
    )
    assert code == 0
    assert_fits(out, 80)
    assert "┃" not in out.split("╭")[0], "below 100 columns the result table becomes one block per learner"
    ls = lines_with(out, "least_squares")
    batch = lines_with(out, "adagrad_diag_batch")
    assert any(line.split()[:3] == ["least_squares", "invariant", "✓"] and "as declared" in line for line in ls), ls
    assert any(line.split()[:3] == ["adagrad_diag_batch", "not-invariant", "✓"] and "as declared" in line
               for line in batch), batch
    assert "symmetry signed-permutations" in out  # never folded into signe/d-per/…
    assert "algorithms.adagrad_diag_batch:adagrad_diag_batch" in out  # the panel title, whole
    assert ("2 learners: 1 invariant, 1 not-invariant; 2/2 match their declarations"
            in out.replace("\n", " ").replace("  ", " "))
    last = out.rstrip().splitlines()
    assert "2 learners:" in "\n".join(last[-2:]), "the summary closes the output, after the panels"


def test_algorithms_at_120_columns_keeps_the_table(monkeypatch, capsys):
    code, out = run_at(
        monkeypatch, capsys, 120, "algorithms.least_squares", "algorithms.adagrad_diag_batch", "--max-examples", "10"
    )
    assert code == 0
    assert_fits(out, 120)
    header = [line for line in out.splitlines() if "learner" in line and "verdict" in line and "symmetry" in line]
    assert header and "┃" in header[0]
    row = lines_with(out, "adagrad_diag_batch")[0]
    for cell in ("not-invariant", "not-invariant ✓", "signed-permutations", "│"):
        assert cell in row, (cell, row)
    assert "2 learners: 1 invariant, 1 not-invariant; 2/2 match their declarations" in out


def test_diagnosis_at_80_columns(monkeypatch, capsys):
    code, out = run_at(
        monkeypatch, capsys, 80,
        "algorithms.least_squares", f"{LEARNERS / 'misbehaving.py'}:raises_always", "--max-examples", "10",
    )
    assert code == 3
    assert_fits(out, 80)
    rows = lines_with(out, "raises_always")
    assert any("error (no verdict)" in line for line in rows), rows
    assert lines_with(out, "least_squares")
    flat = " ".join(out.split())
    assert "2 learners: 1 invariant, 1 diagnosis (1 error); 1/1 match their declarations" in flat
    # no column squeezed to a letter a line: every non-blank line of the result blocks has a real word
    head = out.split("╭")[0].splitlines()[1:]
    assert all(len(line.strip()) > 3 for line in head if line.strip()), head


def test_summary_names_mismatches(monkeypatch, capsys):
    code, out = run_at(
        monkeypatch, capsys, 80,
        "algorithms.least_squares", "algorithms.adagrad_diag_batch", "--expect", "invariant", "--max-examples", "10",
    )
    assert code == 1
    assert_fits(out, 80)
    flat = " ".join(out.split())
    assert "1/2 match their declarations; mismatch: adagrad_diag_batch (not-invariant, declared invariant)" in flat
    assert any("✗ MISMATCH: declared invariant" in line for line in lines_with(out, "adagrad_diag_batch"))


# ----------------------------------------------------------------------------------- invcheck list


def test_list_at_80_columns_never_truncates_targets(monkeypatch, capsys):
    code, out = run_at(monkeypatch, capsys, 80, "list")
    assert code == 0
    assert_fits(out, 80)
    lines = [line.strip() for line in out.splitlines()]
    for target in ("algorithms.adagrad_diag:adagrad_diag", "algorithms.adagrad_diag_batch:adagrad_diag_batch"):
        assert target in lines, f"{target} not on a line of its own"
    i = lines.index("algorithms.adagrad_diag:adagrad_diag")
    assert lines[i + 1].startswith("pm1-invariant — on ±1 inputs"), lines[i + 1]


def test_list_wide_is_a_table_with_whole_targets(monkeypatch, capsys):
    code, out = run_at(monkeypatch, capsys, 160, "list")
    assert code == 0
    assert_fits(out, 160)
    row = [line for line in out.splitlines() if "algorithms.adagrad_diag_batch:adagrad_diag_batch" in line]
    assert row and "│" in row[0] and "not-invariant" in row[0]


# --------------------------------------------------------------------------------- invcheck curves

DIVERGING = '''
import numpy as np


def blowup(X_train, y_train, X_test):
    return 1e30 * X_test.sum(1)


def late(X_train, y_train, X_test):
    k = len(X_train)
    return (10.0 ** k) * X_test.sum(1) if k > 5 else np.zeros(len(X_test))
'''


def test_curves_diverging_learner_says_diverged(monkeypatch, capsys, tmp_path):
    path = tmp_path / "diverging.py"
    path.write_text(DIVERGING)
    code, out = run_at(
        monkeypatch, capsys, 80,
        "curves", f"{path}:blowup", f"{path}:late", "algorithms.least_squares", "algorithms.egu",
        "--d", "32", "--trials", "1", "--quiet",
    )
    assert code == 0
    assert_fits(out, 80)
    assert not re.search(r"\d{12,}", out), "a huge loss printed in full"
    assert "0." + "…" not in out
    blowup = lines_with(out, "blowup")
    assert any(line.split().count("diverged") >= 5 for line in blowup), blowup
    flat = " ".join(out.split())
    assert "blowup first diverged at k=1" in flat
    assert "late first diverged at k=6" in flat
    assert "least_squares first diverged" not in flat
    bound = [line for line in out.splitlines() if line.strip().startswith("bound")][0].split()
    assert bound[1:3] == ["0.969", "0.844"], bound  # 1 − 1/32 and 1 − 5/32 at %.3g
    assert "0.5" in bound and "0.500" not in bound


def test_curves_cells_are_3g_at_80_columns(monkeypatch, capsys):
    code, out = run_at(
        monkeypatch, capsys, 80,
        "curves", "algorithms.adagrad_diag_batch", "algorithms.least_squares", "algorithms.egu",
        "--trials", "1", "--quiet",
    )
    assert code == 0
    assert_fits(out, 80)
    assert "diverged" not in out
    egu = lines_with(out, "egu")[0].replace("│", " ").split()
    assert egu[0] == "egu" and "0.0122" in egu and "0.000118" in egu, egu  # not 0.012, 0.000 (%.3f)
    batch = lines_with(out, "adagrad_diag_batch")[0].replace("│", " ")
    assert "1.03" in batch.split() and "1.030" not in batch, batch
    # its training loss at d/2 (the last column): it fits, to rounding level, so the digits are the
    # machine's (5.93e-32 on one, 5.7e-32 on another); the cell is %.3g of a tiny number, not 0.000
    train = batch.split()[-1]
    assert re.fullmatch(r"[1-9](\.\d{1,2})?e-\d\d", train), batch
    assert float(train) < 1e-20, batch


# --------------------------------------------------------------------------------------- --version


def test_version(capsys):
    import invariance

    assert main(["--version"]) == 0
    out, err = capsys.readouterr()
    assert out == f"invcheck {invariance.__version__}\n" and invariance.__version__ == "0.1.0"
    assert main(["algorithms", "--version"]) == 0
    assert capsys.readouterr().out == "invcheck 0.1.0\n"


# ---------------------------------------------------------------------------------------- numbers


def test_number_formats():
    from invariance.render import terminal
    from invariance.render.numbers import fmt_dev, fmt_num, fmt_seconds, is_diverged

    assert [fmt_num(x) for x in (0.5, 0.011873, 172_000.0, 4.72e32, 0.0, -0.0, None)] == [
        "0.5", "0.0119", "1.72e+05", "4.72e+32", "0", "0", "—",
    ]
    assert fmt_num(math.inf) == "∞" and fmt_num(-math.inf) == "-∞" and fmt_num(math.nan) == "nan"
    assert fmt_dev(1.2345e-5) == "1.2e-05" and fmt_dev(None) == "—" and fmt_dev(math.inf) == "∞"
    assert terminal.fmt_dev is fmt_dev  # the old import path keeps working
    assert fmt_seconds(0.114) == "0.11s" and fmt_seconds(154.2) == "154s"
    assert is_diverged(math.nan) and is_diverged(2e6) and not is_diverged(9e5) and not is_diverged(None)


def test_pack_items_never_splits_an_item():
    from rich.text import Text

    from invariance.render.terminal import pack_items

    items = [Text("orth. dev 7.3e-01"), Text("±1 dev 7.4e-16"), Text("symmetry signed-permutations"),
             Text("1204 evals in 2.70s")]
    lines = [text.plain for text in pack_items(items, 60, indent=4)]
    assert all(len(text) <= 60 for text in lines)
    assert lines == ["    orth. dev 7.3e-01 · ±1 dev 7.4e-16", "    symmetry signed-permutations · 1204 evals in 2.70s"]


def tiny_term(X_train, y_train, X_test):
    """Least squares plus 1e-7·tanh(x₁): not invariant by a hair (issue 20, item 5)."""
    return X_test @ (np.linalg.pinv(X_train) @ y_train) + 1e-7 * np.tanh(X_test[:, 0])


def test_a_counterexample_shows_the_absolute_difference_and_the_scale_it_is_divided_by():
    """Both sides print alike at six digits, and on zero labels a difference of 1e-7 is a deviation of
    2.0: the text says the absolute difference and the size the deviation divides it by."""
    from invariance import check
    from invariance.render.text import counterexample_text

    r = check(tiny_term, max_examples=40)
    assert r.verdict is not None and r.verdict.value == "not-invariant"
    for cx in r.counterexamples.values():
        text = counterexample_text(cx)
        line = next(x for x in text.splitlines() if x.startswith("ŷ′ − ŷ"))
        diff = float(line.split("[")[1].split()[0].rstrip("]"))
        scale = float(line.rsplit(": ", 1)[1].rstrip(")"))
        assert 0 < abs(diff) < 1e-6  # the hair, absolute
        assert abs(cx.deviation - abs(diff) / scale) <= 0.05 * cx.deviation  # what the deviation is


def test_an_inconclusive_search_says_refusals_and_nan_apart():
    """Issue 20, item 13: NaN/inf is not a refusal; the inconclusive message counts each cause."""
    from invariance.render.messages import inconclusive
    from invariance.result.model import PropertyReport
    from invariance.verdict import Verdict

    r = PropertyReport(name="orthogonal", passed=True, examples=40, skips=30, max_deviation=1e-16, max_noise=0.0,
                       counterexample=None, seconds=0.1, usable=10, evidence="only 10 of 40 examples usable",
                       refused=("d=2, n=1, m=1: ValueError: too small",),
                       non_finite={"d": 1, "n": 1, "m": 1, "count": 12, "one_sided": 0})
    text = inconclusive(Verdict.INVARIANT, [r], [])
    assert ("30 of 40 examples could not be compared: 18 refused on both sides (d=2, n=1, m=1: ValueError: too "
            "small); 12 NaN/inf on both sides") in text
    assert "refused 30" not in text


def test_an_output_counterexample_shows_the_difference_the_deviation_measures():
    """For Y ↦ YVᵀ the deviation compares ŷ′ with ŷ Vᵀ: the line must subtract that, not ŷ."""
    from invariance import check, learner
    from invariance.render.text import counterexample_text

    @learner("invariant", reason="no: a cube per output", outputs=True)
    def cubic(X_train, y_train, X_test):
        P = X_test @ (np.linalg.pinv(X_train) @ y_train)
        return P + 1e-3 * P**3

    r = check(cubic, max_examples=30)
    outs = {k: cx for k, cx in r.counterexamples.items() if k.startswith("output-")}
    assert outs, r.message
    for cx in outs.values():
        line = next(x for x in counterexample_text(cx).splitlines() if x.startswith("ŷ′ − ŷ Vᵀ"))
        diffs = [abs(float(v)) for v in re.findall(r"-?\d\.\d+e[+-]\d+", line.split("(absolute")[0])]
        scale = float(line.rsplit(": ", 1)[1].rstrip(")"))
        assert abs(max(diffs) / scale - cx.deviation) <= 0.05 * cx.deviation, (line, cx.deviation)
