"""Jupyter's view of a result, ``Result._repr_html_``: the verdict badge, the deviations, the counterexample."""

from __future__ import annotations

import re

import numpy as np
import pytest

import invariance


def test_a_result_renders_its_badge_deviations_and_counterexample_as_safe_html():
    r = invariance.check("algorithms.adagrad_diag", max_examples=20)
    page = r._repr_html_()
    assert re.search(r"<span style=\"background:#[0-9a-f]{6}[^>]*>pm1-invariant</span>", page)
    assert "matches declared pm1-invariant" in page
    assert "generic (orthogonal) deviation" in page and "signed-permutations" in page
    assert "<details><summary>counterexample (orthogonal)</summary>" in page
    assert "ŷ(x | X, y)" in page and "ŷ′ − ŷ" in page  # the counterexample's own words
    for forbidden in ("<script", "<link", "url(", "<iframe"):
        assert forbidden not in page.lower()


def test_a_result_escapes_what_it_quotes():
    def angled(X_train, y_train, X_test):
        raise ValueError("<b>no</b> & more")

    page = invariance.check(angled)._repr_html_()
    assert "&lt;b&gt;no&lt;/b&gt; &amp; more" in page and "<b>no</b>" not in page
    assert ">error</span>" in page



def test_a_results_plain_view_is_one_short_line():
    """A notebook stores text/plain beside the HTML, and a REPL shows it: one line, not the dataclass's
    every field (counterexample arrays included)."""
    r = invariance.check("algorithms.adagrad_diag", max_examples=20)
    text = repr(r)
    assert text == ("Result(target='algorithms.adagrad_diag:adagrad_diag', verdict='pm1-invariant', "
                    "symmetry='signed-permutations', match=True)")

    def angled(X_train, y_train, X_test):
        raise ValueError("no")

    assert "verdict=None, diagnosis='error'" in repr(invariance.check(angled))


def test_a_notebook_learner_is_told_how_to_replay_it(monkeypatch):
    """A function defined in a notebook (``__main__`` without a file) cannot be re-imported by a command:
    the note says so, and what works instead (the replay in the session), not to define it at module level."""
    import types

    main = types.ModuleType("__main__")  # a kernel's __main__ has no __file__
    monkeypatch.setitem(__import__("sys").modules, "__main__", main)

    def coordinatewise(X_train, y_train, X_test):
        return X_test @ (np.linalg.pinv(X_train) @ y_train) + 1e-3 * np.abs(X_test).sum(1)

    coordinatewise.__module__, coordinatewise.__qualname__ = "__main__", "coordinatewise"  # as at a top level
    r = invariance.check(coordinatewise, max_examples=20)
    note = r.counterexample.replay_info["note"]
    assert r.target == "<coordinatewise in __main__>" and r.counterexample.replay_info["command"] is None
    assert "interactive session" in note and "result.counterexample.replay()" in note
    assert "module level" not in note


def test_a_written_report_shows_inline(tmp_path):
    """``invariance.view_report(DIR)``: the page ``invcheck report`` wrote, inside an iframe (its styles and
    plots stay in it), escaped; a folder without a report, or a file that is not a page, is a usage error."""
    from pathlib import Path

    from invariance import UsageError, view_report

    reports = Path(__file__).resolve().parents[2] / "reports"
    view = view_report(reports)
    page = view._repr_html_()
    assert page.startswith("<iframe ") and page.endswith("></iframe>")
    assert "srcdoc=\"&lt;!DOCTYPE html&gt;" in page and "invcheck: rotation-invariance report" in page
    assert page.count("<") == 2  # the iframe's own tags: everything of the page is escaped inside srcdoc
    assert "&lt;base href=&quot;about:srcdoc&quot;&gt;" in page  # its #section links stay inside the frame
    assert view_report(reports / "invariance.html").page == view.page
    with pytest.raises(UsageError, match="no report at .*invcheck report"):
        view_report(tmp_path)
    (tmp_path / "invariance.md").write_text("# not a page")
    with pytest.raises(UsageError, match="is not a report page"):
        view_report(tmp_path / "invariance.md")
    (tmp_path / "latin.html").write_bytes("<html>caf\xe9</html>".encode("latin-1"))
    with pytest.raises(UsageError, match="is not a report page .UnicodeDecodeError"):
        view_report(tmp_path / "latin.html")
