"""Verdicts, diagnoses and symmetry groups: the stable identifiers of docs/design.md#verdicts."""

from __future__ import annotations

import enum

__all__ = ["Verdict", "VERDICT_ORDER", "Diagnosis", "Symmetry", "LawOutcome", "FlagKind", "ExcusedBy", "PRECISIONS"]

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
