"""Verdicts, diagnoses and symmetry groups: the stable identifiers of docs/design.md#verdicts."""

from __future__ import annotations

import enum

__all__ = ["Verdict", "VERDICT_ORDER", "Diagnosis", "Symmetry", "LawOutcome", "FlagKind", "ExcusedBy", "Reason",
           "Shortfall", "Scaling", "StateFit", "PRECISIONS"]

#: the precisions a verdict can hold at, finest first (docs/design.md#tolerance)
PRECISIONS = ("float64", "float32", "tf32", "float16", "bfloat16")


class _Word(str, enum.Enum):  # noqa: UP042 (StrEnum would change format() of members on Python 3.11)
    """A stable identifier: compares equal to its string, and prints as it."""

    def __str__(self) -> str:
        return self.value


class Verdict(_Word):
    """What invcheck concludes about a learner (stable strings used in JSON and declarations)."""

    INVARIANT = "invariant"
    PM1_INVARIANT = "pm1-invariant"
    NOT_INVARIANT = "not-invariant"
    INVARIANT_IN_DISTRIBUTION = "invariant-in-distribution"

    @classmethod
    def parse(cls, text: str) -> Verdict:
        from invariance.errors import UsageError

        for v in cls:
            if v.value == text or v.name.lower() == str(text).lower().replace("-", "_"):
                return v
        choices = ", ".join(v.value for v in cls)
        raise UsageError(f"unknown verdict {text!r}; choose one of: {choices}")


class Diagnosis(_Word):
    """Why a learner got no verdict at all."""

    ERROR = "error"  # raised on valid generic input
    NONDETERMINISTIC = "nondeterministic"  # different output for identical input, no ``rng``
    TIMEOUT = "timeout"  # one call ran past the per-call limit
    NON_FINITE = "non-finite"  # NaN or infinite predictions
    BAD_SHAPE = "bad-shape"  # output is not a length-m vector of numbers
    INCONCLUSIVE = "inconclusive"  # too few usable examples to carry any verdict
    DOES_NOT_LEARN = "does-not-learn"  # predictions do not depend on the training data: any verdict is vacuous


class Symmetry(_Word):
    """Largest group tried under which the learner's predictions are unchanged."""

    ORTHOGONAL = "orthogonal"
    SIGNED_PERMUTATIONS = "signed-permutations"
    PERMUTATIONS = "permutations"
    NONE = "none"


#: the order verdicts are listed in, everywhere (tallies, tables, choices): the declaration order of Verdict
VERDICT_ORDER: tuple[Verdict, ...] = tuple(Verdict)


class LawOutcome(_Word):
    """One look of a randomised learner's sequential law test (docs/design.md#randomised-learners)."""

    REJECTED = "rejected"  # the law changed: adjusted p below the look's level
    EXCLUDED = "excluded"  # any shift is within MIN_SHIFT at this size
    UNDECIDED = "undecided"  # neither, at the last look


class FlagKind(_Word):
    """What a report flag says: a verdict the learning curve contradicts, a note worth reading, a learner
    whose curve could not be measured, one that did not fit its training data."""

    CONTRADICTION = "contradiction"
    NOTE = "note"
    NO_CURVE = "no-curve"
    DID_NOT_FIT = "did-not-fit"


class ExcusedBy(_Word):
    """What judged a deviation above the floor to be rounding (search.run.Excusal)."""

    EXAMPLE_PROBES = "example-probes"
    GAUSSIAN_PROBES = "gaussian-probes"
    EXACT_ARITHMETIC = "exact-arithmetic"
    PERMUTATION_CONTROL = "permutation-control"
    FAILURE_PROBES = "failure-probes"
    PRECISION = "precision"


class Reason(_Word):
    """Which outcomes a verdict rests on (judge.Judgement.reason; worded by render.messages)."""

    BOTH_PASS = "both-pass"
    GENERIC_FAILS = "generic-fails"
    TWINS_FAIL = "twins-fail"
    BOTH_FAIL = "both-fail"
    LAW_CHANGES_ON_TWINS = "law-changes-on-twins"
    LAW_CHANGES_ON_GENERIC = "law-changes-on-generic"
    LAW_SHIFT_EXCLUDED = "law-shift-excluded"


class Shortfall(_Word):
    """Why a passed search does not carry its verdict (judge.Evidence.short)."""

    UNSTABLE = "unstable"  # most usable examples were excused by a large rounding sensitivity
    NOTHING_DRAWN = "nothing-drawn"
    FEW_USABLE = "few-usable"
    RANGE_UNUSABLE = "range-unusable"  # some range of d was drawn often and never usable


class Scaling(_Word):
    """What the log-log slope of a deviation against the Givens angle θ says (judge.scaling_of)."""

    LARGE_ROTATION_ONLY = "large-rotation-only"  # nothing above the floor under small angles
    STRUCTURAL = "structural"  # grows like θ
    HIGHER_ORDER = "higher-order"  # grows faster than θ
    FLAT = "flat"  # does not scale with θ: a discontinuity or precision noise


class StateFit(_Word):
    """How a state tensor of the transformed run compares with the original's (judge.state_transform)."""

    SCALAR = "scalar"  # a scalar: must be equal on both sides
    NOT_WEIGHT_SHAPED = "not-weight-shaped"  # not judged
    TRANSFORMS = "transforms"
    SCALAR_IN_DISGUISE = "scalar-in-disguise"  # equal on both sides, all entries equal
    BREAKS = "breaks"
