"""Jupyter's view of a result, ``Result._repr_html_``: the verdict badge, the deviations, the counterexample."""

from __future__ import annotations

import re

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

