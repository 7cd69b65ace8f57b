"""The learner contract and the ``@learner`` registration decorator.

A learner maps ``(X_train, y_train, X_test) -> y_hat`` (n×d, n, m×d -> m). A learner that accepts the
keyword ``rng`` is randomised: the checker passes it a ``numpy.random.Generator``.

Registration records a declared verdict and the one-line argument for it on the function itself
(attribute ``__invcheck__``); there is no global registry to go stale. A module's registered learners
are the attributes that carry a declaration, in definition order.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from invariance.errors import UsageError
from invariance.verdict import Verdict

__all__ = ["Declaration", "Learner", "learner", "declaration_of", "as_learner"]


@dataclass(frozen=True)
class Declaration:
    """A learner's declared verdict and the argument for it."""

    verdict: Verdict
    reason: str
    name: str | None = None


def learner(verdict: str | Verdict, *, reason: str, name: str | None = None) -> Callable:
    """Register ``fn`` as a learner whose rotation-invariance verdict is ``verdict``.

    ``reason`` is the one-line mathematical argument (shown by ``invcheck list`` and in reports).
    The decorated function is returned unchanged apart from its ``__invcheck__`` attribute.
    """
    parsed = Verdict.parse(verdict) if not isinstance(verdict, Verdict) else verdict
    if not isinstance(reason, str) or not reason.strip():
        raise UsageError("@learner needs reason='…': one line saying why the verdict holds")

    def register(fn: Callable) -> Callable:
        if not callable(fn):
            raise UsageError(f"@learner decorates a callable, got {type(fn).__name__}")
        fn.__invcheck__ = Declaration(parsed, reason.strip(), name)
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

    def with_expected(self, verdict: Verdict | None) -> "Learner":
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
    return Learner(
        name=(decl.name if decl and decl.name else name),
        fn=obj,
        target=target,
        expected=decl.verdict if decl else None,
        reason=decl.reason if decl else None,
        randomized=_accepts_rng(obj),
    )
