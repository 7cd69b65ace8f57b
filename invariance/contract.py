"""The learner contract and the ``@learner`` registration decorator.

A learner maps ``(X_train, y_train, X_test) -> y_hat`` (n×d, n, m×d -> m); a learner with H outputs
maps (n×d, n×H, m×d) -> m×H. A learner that accepts the
keyword ``rng`` is randomised: the checker passes it a ``numpy.random.Generator``.

Registration records a declared verdict and the one-line argument for it on the function itself
(attribute ``__invcheck__``); there is no global registry to go stale. A module's registered learners
are the attributes that carry a declaration, in definition order.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from invariance.errors import UsageError
from invariance.verdict import PRECISIONS, Verdict

__all__ = ["Declaration", "Domain", "Learner", "learner", "declaration_of", "as_learner", "PRECISIONS",
           "check_precision", "check_max_d", "check_outputs", "DEFAULT_OUTPUTS"]

#: the smallest ±1 Gram twin has 4 columns: a question about d < 4 leaves nothing to test on ±1 data
MIN_MAX_D = 4


def check_precision(precision: str | None, where: str = "precision") -> str | None:
    if precision is not None and precision not in PRECISIONS:
        raise UsageError(f"{where} {precision!r} is not one of {', '.join(PRECISIONS)}")
    return precision


def check_max_d(max_d: int | None, where: str = "max_d") -> int | None:
    if max_d is not None and (not isinstance(max_d, int) or isinstance(max_d, bool) or max_d < MIN_MAX_D):
        raise UsageError(f"{where} must be a whole number ≥ {MIN_MAX_D} (the smallest ±1 Gram twin has 4 columns), "
                         f"got {max_d!r}")
    return max_d


@dataclass(frozen=True)
class Domain:
    """The inputs a learner is meant for: at most ``max_d`` columns, at least ``min_n`` training rows, more
    rows than columns (``n_above_d``). The checker draws only these, and the verdict says so."""

    max_d: int | None = None
    min_n: int | None = None
    n_above_d: bool = False

    def __post_init__(self) -> None:
        check_max_d(self.max_d, "domain max_d")
        if self.min_n is not None and (not isinstance(self.min_n, int) or isinstance(self.min_n, bool)
                                       or not 1 <= self.min_n <= 20):
            raise UsageError(f"domain min_n must be a whole number in 1–20, got {self.min_n!r}")

    @classmethod
    def of(cls, value: Domain | dict | None) -> Domain | None:
        if value is None or isinstance(value, Domain):
            return value
        if isinstance(value, dict):
            unknown = set(value) - {"max_d", "min_n", "n_above_d"}
            if unknown:
                raise UsageError(f"domain keys are max_d, min_n, n_above_d; got {', '.join(sorted(unknown))}")
            return cls(**value)
        raise UsageError(f"domain must be a dict such as {{'max_d': 9}} or a Domain, got {type(value).__name__}")

    def narrowed(self, other: Domain | None) -> Domain:
        """The inputs both domains allow."""
        if other is None:
            return self
        mins = lambda a, b: b if a is None else a if b is None else min(a, b)  # noqa: E731
        maxs = lambda a, b: b if a is None else a if b is None else max(a, b)  # noqa: E731
        return Domain(mins(self.max_d, other.max_d), maxs(self.min_n, other.min_n), self.n_above_d or other.n_above_d)

    @property
    def words(self) -> str | None:
        """"d ≤ 9, n ≥ 5, n > d", or None for every input."""
        parts = ([f"d ≤ {self.max_d}"] if self.max_d is not None else []) + (
            [f"n ≥ {self.min_n}"] if self.min_n is not None else []) + (["n > d"] if self.n_above_d else [])
        return ", ".join(parts) or None

    def to_json(self) -> dict:
        return {"max_d": self.max_d, "min_n": self.min_n, "n_above_d": self.n_above_d}


@dataclass(frozen=True)
class Declaration:
    """A learner's declared verdict and the argument for it, and the question it is asked: the precision
    the verdict holds at and the domain of inputs."""

    verdict: Verdict
    reason: str
    name: str | None = None
    precision: str | None = None
    domain: Domain | None = None
    outputs: int | None = None
    batched: bool = False


#: the number of outputs H the checker gives a learner declared with ``@learner(..., outputs=True)``
DEFAULT_OUTPUTS = 3


def check_outputs(outputs: Any, where: str = "outputs") -> int | None:
    """None (one output), or H ≥ 2 outputs; ``True`` means :data:`DEFAULT_OUTPUTS`."""
    if outputs is None or outputs is False:
        return None
    if outputs is True:
        return DEFAULT_OUTPUTS
    if not isinstance(outputs, int) or isinstance(outputs, bool) or not 2 <= outputs <= 16:
        raise UsageError(f"{where} must be a whole number of outputs in 2–16 (or True for {DEFAULT_OUTPUTS}), "
                         f"got {outputs!r}")
    return outputs


def learner(verdict: str | Verdict, *, reason: str, name: str | None = None, precision: str | None = None,
            domain: Domain | dict | None = None, outputs: bool | int | None = None,
            batched: bool = False) -> Callable:
    """Register ``fn`` as a learner whose rotation-invariance verdict is ``verdict``.

    ``reason`` is the one-line mathematical argument (shown by ``invcheck list`` and in reports).
    ``precision`` ("float32", "bfloat16", …) declares the arithmetic the verdict holds at; ``domain``
    (``{"max_d": 9}``) the inputs the learner is meant for. ``outputs=True`` (or a number H ≥ 2) says it
    takes targets ``y_train`` of shape (n, H) and returns (m, H): the checker then also asks which
    orthogonal maps V of the outputs it is equivariant under (Y ↦ YVᵀ gives Ŷ ↦ ŶVᵀ). ``batched=True``
    says it also takes a stack of problems of one shape, ``(B, n, d), (B, n), (B, m, d) -> (B, m)``: the
    checker then fits same-shape problems in one call, once a probe has shown that a stack gives each
    problem's own predictions bit for bit (:mod:`invariance.probe.stacks`). The decorated function is
    returned unchanged apart from its ``__invcheck__`` attribute.
    """
    parsed = Verdict.parse(verdict) if not isinstance(verdict, Verdict) else verdict
    if not isinstance(reason, str) or not reason.strip():
        raise UsageError("@learner needs reason='…': one line saying why the verdict holds")
    check_precision(precision, "@learner precision")
    dom = Domain.of(domain)
    h = check_outputs(outputs, "@learner outputs")
    if not isinstance(batched, bool):
        raise UsageError(f"@learner batched must be True or False, got {batched!r}")

    def register(fn: Callable) -> Callable:
        if not callable(fn):
            raise UsageError(f"@learner decorates a callable, got {type(fn).__name__}")
        if batched and _accepts_rng(fn):
            raise UsageError(f"@learner(batched=True) is for deterministic learners, but {fn.__name__} takes rng; "
                             "drop batched=True (its problems are then fitted one by one)")
        fn.__invcheck__ = Declaration(  # type: ignore[attr-defined]
            parsed, reason.strip(), name, precision, dom, h, batched)
        return fn

    return register


def declaration_of(obj: Any) -> Declaration | None:
    decl = getattr(obj, "__invcheck__", None)
    return decl if isinstance(decl, Declaration) else None


def _accepts_rng(fn: Callable) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "rng" in params and params["rng"].kind in (
        inspect.Parameter.KEYWORD_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )


@dataclass(frozen=True)
class Learner:
    """A learner ready to be checked: the callable plus what is known about it."""

    name: str
    fn: Callable[..., Any]
    target: str
    expected: Verdict | None = None
    reason: str | None = None
    randomized: bool = False
    options: dict = field(default_factory=dict, compare=False)
    #: the precision it computes at, declared (``@learner``) or detected by an adapter, and how it is known
    precision: str | None = None
    precision_note: str | None = None
    domain: Domain | None = None
    #: what explains a counterexample, where the learner can say: an optimizer's first piece of state
    #: that stops transforming like its weight (``{"step", "key", "deviation", …}`` or None)
    explain: Callable[[Any], dict | None] | None = field(default=None, compare=False, repr=False)
    #: H ≥ 2 when it maps targets Y (n×H) to predictions Ŷ (m×H); None for one output
    outputs: int | None = None
    #: the same learner with its reduced-precision casts rewritten to float64, where an adapter can reach
    #: them (docs/design.md#precision): judged at float64, it gives the algorithm's verdict, while this
    #: learner, judged at :attr:`precision`, gives the deviations users see
    exact: Learner | None = field(default=None, compare=False, repr=False)
    #: how the exact variant was made, or why none could be (a cast inside a compiled kernel): words
    exact_note: str | None = None
    #: fits many problems at once, ``batch([(X, y, X_test), …], rngs) -> [predictions, …]`` (``rngs[i]``:
    #: problem i's generator, or None for a deterministic learner), where an adapter
    #: showed that its batched fits equal its one-by-one fits (:mod:`invariance.adapters.torch.batched`)
    batch: Callable[..., list] | None = field(default=None, compare=False, repr=False)
    #: which path its fits take and why ("batched: …", "one by one: …"); None for a plain callable
    batch_note: str | None = None

    def __call__(
        self,
        X_train: np.ndarray,
        y_train: np.ndarray,
        X_test: np.ndarray,
        *,
        rng: np.random.Generator | None = None,
    ) -> Any:
        if self.randomized:
            return self.fn(X_train, y_train, X_test, rng=rng)
        return self.fn(X_train, y_train, X_test)

    @property
    def reloadable(self) -> bool:
        """Whether another process can load it again from :attr:`target` (a lambda or a function
        defined inside another is named ``<…>`` and cannot: it runs in the calling process)."""
        return not self.target.startswith("<")

    def with_expected(self, verdict: Verdict | None) -> Learner:
        from dataclasses import replace

        return replace(self, expected=verdict)


def as_learner(obj: Any, *, name: str, target: str) -> Learner:
    """Wrap a plain callable (possibly ``@learner``-decorated) as a :class:`Learner`."""
    if not callable(obj) or inspect.isclass(obj) or inspect.ismodule(obj):
        raise UsageError(
            f"{target} is a {type(obj).__name__}, not a learner; "
            "give a function f(X_train, y_train, X_test) -> y_hat"
        )
    decl = declaration_of(obj)
    stacks: dict[str, Any] = {}
    if decl is not None and decl.batched:
        from invariance.probe.stacks import stacking

        stacks = stacking(obj, decl.outputs)
    return Learner(
        name=(decl.name if decl and decl.name else name),
        fn=obj,
        target=target,
        expected=decl.verdict if decl else None,
        reason=decl.reason if decl else None,
        randomized=_accepts_rng(obj),
        precision=decl.precision if decl else None,
        precision_note="declared by @learner" if decl and decl.precision else None,
        domain=decl.domain if decl else None,
        outputs=decl.outputs if decl else None,
        **stacks,
    )
