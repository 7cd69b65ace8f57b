"""scikit-learn regressors (instances or classes) as learners.

Every call fits a fresh ``sklearn.base.clone``. An estimator with a ``random_state`` left at None
(anywhere in a pipeline) is randomised: the checker's ``rng`` seeds every ``random_state``; if its
predictions turn out not to depend on the seed, the checker treats it as deterministic. An
estimator that refuses small inputs (too few samples) raises on both sides of a comparison and is
skipped there, not counted as a violation.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from invariance.contract import Learner
from invariance.errors import MissingDependency, UsageError

__all__ = ["learner_from_estimator"]


def _sklearn():
    try:
        import sklearn.base
    except ImportError:  # pragma: no cover - only without scikit-learn
        raise MissingDependency("scikit-learn", "sklearn", "checking a scikit-learn estimator") from None
    return sklearn.base


def _estimator_kind(base, est) -> str | None:
    """``"a classifier"``, ``"a clusterer"`` or ``"an outlier detector"`` for estimators whose predictions
    are labels (a KMeans has fit/predict/get_params too); None for a regressor or anything unlabelled."""
    for kind, test in (("a classifier", "is_classifier"), ("a clusterer", "is_clusterer"),
                       ("an outlier detector", "is_outlier_detector")):
        fn = getattr(base, test, None)  # is_clusterer arrived in scikit-learn 1.6
        if fn is not None and fn(est):
            return kind
    return None


def learner_from_estimator(obj: Any, *, name: str, target: str, options: dict) -> Learner:
    base = _sklearn()
    est: Any
    if inspect.isclass(obj):
        try:
            est = obj()
        except TypeError as exc:
            raise UsageError(
                f"{target} cannot be built with default arguments ({exc}); define an instance in a file "
                "and give path/to/file.py:NAME"
            ) from None
    else:
        est = obj
    kind = _estimator_kind(base, est)
    if kind is not None:
        raise UsageError(f"{target} is {kind}; invcheck checks regressors (real-valued predictions)")
    seeds = [k for k, v in est.get_params(deep=True).items()
             if (k == "random_state" or k.endswith("__random_state")) and v is None]

    if seeds:

        def fit_predict(X_train, y_train, X_test, *, rng=None):
            e = base.clone(est)
            if rng is not None:
                e.set_params(**{k: int(rng.integers(2**31 - 1)) for k in seeds})
            return np.asarray(e.fit(X_train, y_train).predict(X_test), dtype=np.float64)

    else:

        def fit_predict(X_train, y_train, X_test):  # type: ignore[misc]  # no rng: deterministic
            e = base.clone(est)
            return np.asarray(e.fit(X_train, y_train).predict(X_test), dtype=np.float64)

    fit_predict.__name__ = name
    return Learner(
        name=name,
        fn=fit_predict,
        target=target,
        randomized=bool(seeds),
        options={"description": repr(est)},
    )
