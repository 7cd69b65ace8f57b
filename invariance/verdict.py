"""Verdicts, diagnoses and symmetry groups: the stable identifiers of docs/design.md#verdicts."""

from __future__ import annotations

import enum

__all__ = ["Verdict", "Diagnosis", "Symmetry", "PRECISIONS"]

#: the precisions a verdict can hold at, finest first (docs/design.md#tolerance)
PRECISIONS = ("float64", "float32", "tf32", "float16", "bfloat16")


class Verdict(str, enum.Enum):  # noqa: UP042 (StrEnum would change str(member) in messages)
    """What invcheck concludes about a learner (stable strings used in JSON and declarations)."""

    INVARIANT = "invariant"
    PM1_INVARIANT = "pm1-invariant"
    NOT_INVARIANT = "not-invariant"
    INVARIANT_IN_DISTRIBUTION = "invariant-in-distribution"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str) -> Verdict:
        from invariance.errors import UsageError

        for v in cls:
            if v.value == text or v.name.lower() == str(text).lower().replace("-", "_"):
                return v
        choices = ", ".join(v.value for v in cls)
        raise UsageError(f"unknown verdict {text!r}; choose one of: {choices}")


class Diagnosis(str, enum.Enum):  # noqa: UP042 (StrEnum would change str(member) in messages)
    """Why a learner got no verdict at all."""

    ERROR = "error"  # raised on valid generic input
    NONDETERMINISTIC = "nondeterministic"  # different output for identical input, no ``rng``
    TIMEOUT = "timeout"  # one call ran past the per-call limit
    NON_FINITE = "non-finite"  # NaN or infinite predictions
    BAD_SHAPE = "bad-shape"  # output is not a length-m vector of numbers
    INCONCLUSIVE = "inconclusive"  # too few usable examples to carry any verdict
    DOES_NOT_LEARN = "does-not-learn"  # predictions do not depend on the training data: any verdict is vacuous

    def __str__(self) -> str:
        return self.value


class Symmetry(str, enum.Enum):  # noqa: UP042 (StrEnum would change str(member) in messages)
    """Largest group tried under which the learner's predictions are unchanged."""

    ORTHOGONAL = "orthogonal"
    SIGNED_PERMUTATIONS = "signed-permutations"
    PERMUTATIONS = "permutations"
    NONE = "none"

    def __str__(self) -> str:
        return self.value
