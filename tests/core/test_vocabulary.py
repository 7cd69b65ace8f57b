"""One vocabulary: every verdict, diagnosis, flag, law outcome and excusal is an enum member, defined once in
invariance.verdict, listed in one order, under one exception root."""

from __future__ import annotations

import json

import numpy as np

from invariance import judge
from invariance.cli.check import VERDICTS
from invariance.errors import InvarianceError, LearnerFailure
from invariance.probe.call import CallError
from invariance.render import messages
from invariance.render.flags import curve_flags, fit_flag
from invariance.search.run import Excusal
from invariance.verdict import VERDICT_ORDER, Diagnosis, ExcusedBy, FlagKind, LawOutcome, Verdict


def test_one_verdict_order_drives_the_cli_choices_and_both_tallies():
    from invariance.render import terminal
    from invariance.report import render

    assert [v.value for v in VERDICT_ORDER] == [v.value for v in Verdict]
    assert VERDICTS == terminal._VERDICT_ORDER == render._VERDICT_ORDER == tuple(v.value for v in VERDICT_ORDER)
    assert set(judge.CLAIMS) <= set(Verdict) and Verdict.NOT_INVARIANT not in judge.CLAIMS


def test_law_outcomes_are_members_and_read_back_from_json_strings():
    assert judge.law_outcome(1e-9, 1e-3, 0.5, 0.1) is LawOutcome.REJECTED
    assert judge.law_outcome(0.5, 1e-3, 0.01, 0.01) is LawOutcome.EXCLUDED
    assert judge.law_outcome(0.5, 1e-3, 0.2, 0.2) is LawOutcome.UNDECIDED  # 0.4 > MIN_SHIFT
    # a report read back from JSON holds strings: the same verdicts
    for o, p in [("rejected", "excluded"), ("excluded", "excluded"), ("excluded", "rejected")]:
        assert judge.law_verdict(o, p) == judge.law_verdict(LawOutcome(o), LawOutcome(p))
    assert judge.law_verdict("excluded", "excluded").verdict is Verdict.INVARIANT_IN_DISTRIBUTION
    assert json.dumps(LawOutcome.REJECTED) == '"rejected"'


def test_flags_and_excusals_carry_members_and_write_their_strings():
    flag = fit_flag(8, 0.5, 0.01, "a reason")
    assert flag is not None and flag.kind is FlagKind.DID_NOT_FIT and flag.to_json()["kind"] == "did-not-fit"
    ks, d = np.arange(1, 9), 8
    bound = np.maximum(1 - ks / d, 0.0)
    flags = curve_flags(verdict="invariant", declared=None, d=d, ks=ks, mean=bound - 0.5, bound=bound)
    assert flags and all(isinstance(f.kind, FlagKind) for f in flags)
    e = Excusal(1e-6, 1e-4, 1e-6, ExcusedBy.GAUSSIAN_PROBES, 3, 4, 1)
    assert e.to_json()["by"] == "gaussian-probes" and "Gaussian problem" in messages.excusal_words(e)


def test_one_exception_root():
    err = CallError(Diagnosis.ERROR, "boom")
    assert isinstance(err, InvarianceError) and err.exit_code == 3
    failure = LearnerFailure(Diagnosis.NON_FINITE, "NaN at k=3")
    assert failure.diagnosis is Diagnosis.NON_FINITE and failure.exit_code == 3
