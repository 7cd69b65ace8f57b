"""The corpus's fast subset: each learner marked ``fast`` in benchmarks/corpus/labels.py must get
its true label (verdict or diagnosis) at seed 0 with a small budget.

The labels were argued from each learner's mathematics before the checker ran on it; a failure here
means the checker (or, after review, the label) is wrong. See benchmarks/corpus/README.md.
"""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from benchmarks.corpus.labels import ENTRIES  # noqa: E402
from benchmarks.corpus.run import run_one  # noqa: E402

FAST = [e for e in ENTRIES if e.fast]


def test_fast_subset_is_small_and_varied():
    assert 12 <= len(FAST) <= 16
    assert len({e.expected for e in FAST}) >= 5


@pytest.mark.parametrize("entry_id", [e.id for e in FAST])
def test_corpus_label(entry_id):
    rec = run_one(entry_id, 0, max_examples=40)
    want = rec["expected"] + (
        f" (outputs {rec['expected_output_symmetry']})" if rec["expected_output_symmetry"] else ""
    )
    got = rec["got"] + (f" (outputs {rec['output_symmetry']})" if rec["expected_output_symmetry"] else "")
    assert rec["ok"], f"{entry_id}: expected {want}, got {got}: {rec['message'][:400]}"
