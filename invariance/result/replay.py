"""Counterexamples that replay: recompute both sides, save to files, load them back safely.

A saved counterexample is a pair of data files (docs/design.md#replay-files): ``NAME.npz`` holds plain
float64 arrays (loaded with ``allow_pickle=False``) and ``NAME.json`` plain JSON (format, target, name,
property, deviation, threshold, settings, versions, the directory the check ran in). Both are
validated before anything is imported; the only code a replay runs is the target the file names.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from dataclasses import dataclass, replace

import numpy as np

from invariance.errors import UsageError
from invariance.probe.call import Caller, CallError, Profile, deviation, failed_alike

__all__ = ["FORMAT", "Saved", "deviation_of", "load", "save", "still_violates"]

FORMAT = "invcheck-counterexample"
FORMAT_VERSION = 1
#: arrays every file holds (y_hat / y_hat_transformed only where that side answered)
ARRAYS = ("U", "X_train", "y_train", "X_test", "X_train_transformed", "X_test_transformed")
#: V and y_train_transformed: an output property's map of the targets and the transformed side's targets
OPTIONAL = ("y_hat", "y_hat_transformed", "V", "y_train_transformed")


def deviation_of(caller: Caller, X, y, Xt, X2, Xt2, *, V=None, y2=None) -> float:
    """Both sides recomputed: their deviation; inf when exactly one side fails, 0 when both fail alike.
    With an output map ``V`` the second side is trained on ``y2`` (= y Vᵀ) and must predict Ŷ Vᵀ."""
    sides: list[np.ndarray | CallError] = []
    for A, labels, At in ((X, y, Xt), (X2, y if y2 is None else y2, Xt2)):
        try:
            sides.append(caller.predict(A, labels, At))
        except CallError as exc:
            sides.append(exc)
    a, b = sides
    if isinstance(a, CallError) or isinstance(b, CallError):
        return 0.0 if failed_alike(a, b) else float("inf")
    return deviation(a if V is None else a @ np.asarray(V).T, b, y)


def still_violates(caller: Caller, cx: dict) -> bool:
    """Whether a recorded counterexample (its JSON, labels as the learner received them) still violates:
    the two sides differ by more than its recorded threshold, or exactly one side fails."""
    arr = lambda key: np.asarray(cx[key], dtype=np.float64)  # noqa: E731
    opt = lambda key: None if cx.get(key) is None else arr(key)  # noqa: E731
    dev = deviation_of(caller, arr("X_train"), arr("y_train"), arr("X_test"), arr("X_train_transformed"),
                       arr("X_test_transformed"), V=opt("V"), y2=opt("y_train_transformed"))
    return dev > float(cx["threshold"])


def replay_caller(caller: Caller) -> Caller:
    """``caller`` handing recorded labels through unchanged (a counterexample records the labels the
    learner received, 1 + |y| already applied where the profile asked for it)."""
    return caller.with_profile(replace(caller.profile, positive_labels=False))


# ------------------------------------------------------------------------------------------ files


def _stem(name: str, prop: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{name}-{prop}")


def save(result, directory: str, settings: dict) -> list[str]:
    """Write each deterministic counterexample of ``result`` as ``NAME-PROPERTY.npz`` + ``.json`` in
    ``directory``; returns the JSON paths. Two-sample-test rejections are not saved (no single pair of
    predictions shows them)."""
    os.makedirs(directory, exist_ok=True)
    written = []
    for prop in result.counterexamples:
        if result.distribution is not None:
            continue
        cx = result.shown_counterexample(prop)  # the strongest where the minimal one shows only arithmetic
        stem = os.path.join(directory, _stem(result.name, prop))
        arrays = {k: np.asarray(getattr(cx, k), dtype=np.float64) for k in ARRAYS}
        for k in OPTIONAL:
            if getattr(cx, k) is not None:
                arrays[k] = np.asarray(getattr(cx, k), dtype=np.float64)
        np.savez(stem + ".npz", **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as its own flag
        seed = cx.caller.seed if (cx.caller is not None and cx.caller.profile.randomized) else None
        meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "target": result.target,
            "name": result.name,
            "property": prop,
            "deviation": cx.deviation if np.isfinite(cx.deviation) else None,
            "one_side_failed": cx.error,
            "threshold": cx.threshold,
            "call_seed": seed,
            "command": cx.replay_info.get("command"),
            "settings": settings,
            "cwd": os.getcwd(),
        }
        with open(stem + ".json", "w") as fh:
            json.dump(meta, fh, indent=2, allow_nan=False)
        written.append(stem + ".json")
    return written


@dataclass(frozen=True)
class Saved:
    """A validated saved counterexample."""

    path: str
    meta: dict
    arrays: dict

    @property
    def target(self) -> str:
        return self.meta["target"]


def _bad(path: str, why: str) -> UsageError:
    return UsageError(f"{path}: not a valid invcheck counterexample file ({why}); "
                      "write one with invcheck TARGET --save DIR")


def load(path: str) -> Saved:
    """Read and validate a saved counterexample (either file of the pair). Raises :class:`UsageError`
    with one line for a missing, damaged or foreign file; imports nothing."""
    stem, ext = os.path.splitext(path)
    if ext not in (".json", ".npz"):
        raise UsageError(f"{path}: give the .json or .npz file that invcheck --save wrote")
    jpath, npath = stem + ".json", stem + ".npz"
    if not os.path.exists(jpath):  # the JSON first: a foreign one is named as such, not as a missing .npz
        raise UsageError(f"no such file {jpath!r}: a saved counterexample is a pair NAME.json + NAME.npz")
    try:
        with open(jpath) as fh:
            meta = json.load(fh)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise _bad(jpath, f"unreadable JSON: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _bad(jpath, f"its format is not {FORMAT!r}")
    if not os.path.exists(npath):
        raise UsageError(f"no such file {npath!r}: a saved counterexample is a pair NAME.json + NAME.npz")
    if meta.get("format_version") != FORMAT_VERSION:
        raise _bad(jpath, f"format_version {meta.get('format_version')!r}, this invcheck reads {FORMAT_VERSION}")
    for key, kind in (("target", str), ("name", str), ("property", str), ("threshold", (int, float))):
        if not isinstance(meta.get(key), kind) or isinstance(meta.get(key), bool):
            raise _bad(jpath, f"{key!r} is missing or not a {getattr(kind, '__name__', 'number')}")
    if not np.isfinite(meta["threshold"]) or meta["threshold"] <= 0:
        raise _bad(jpath, "threshold is not a positive number")
    if meta.get("call_seed") is not None and not isinstance(meta["call_seed"], int):
        raise _bad(jpath, "call_seed is not an integer")
    try:
        with np.load(npath, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        # numpy's own words would advise loading with allow_pickle: a saved file never holds pickled objects
        why = ("it holds pickled objects, which invcheck never writes nor loads" if "pickle" in str(exc)
               else "not a NumPy .npz archive")
        raise _bad(npath, f"unreadable arrays: {why}") from None
    missing = [k for k in ARRAYS if k not in arrays]
    if missing:
        raise _bad(npath, f"missing arrays {', '.join(missing)}")
    for k, a in arrays.items():
        if k not in ARRAYS + OPTIONAL:
            raise _bad(npath, f"unexpected array {k!r}")
        if a.dtype != np.float64:
            raise _bad(npath, f"{k} has dtype {a.dtype}, not float64")
        if not np.all(np.isfinite(a)):
            raise _bad(npath, f"{k} holds NaN or inf")
    X, y, Xt, U = arrays["X_train"], arrays["y_train"], arrays["X_test"], arrays["U"]
    if X.ndim != 2 or Xt.ndim != 2 or y.ndim not in (1, 2) or U.ndim != 2:
        raise _bad(npath, "X_train and X_test must be matrices, y_train a vector (or n×H targets), U a matrix")
    n, d = X.shape
    m = Xt.shape[0]
    if y.shape[0] != n or Xt.shape[1] != d or U.shape != (d, d) or n < 1 or m < 1:
        raise _bad(npath, f"inconsistent shapes X_train {X.shape}, y_train {y.shape}, X_test {Xt.shape}, U {U.shape}")
    if arrays["X_train_transformed"].shape != X.shape or arrays["X_test_transformed"].shape != Xt.shape:
        raise _bad(npath, "the transformed data do not have the shapes of the original")
    if ("V" in arrays) != ("y_train_transformed" in arrays):
        raise _bad(npath, "an output counterexample needs both V and y_train_transformed")
    if "V" in arrays and (y.ndim != 2 or arrays["V"].shape != (y.shape[1], y.shape[1])
                          or arrays["y_train_transformed"].shape != y.shape):
        raise _bad(npath, f"inconsistent output shapes y_train {y.shape}, V {arrays['V'].shape}")
    return Saved(path, meta, arrays)


def replay_saved(saved: Saved, learner) -> float:
    """Recompute both sides of ``saved`` with ``learner`` (loaded from its target): the deviation."""
    seed = saved.meta.get("call_seed")
    caller = Caller(learner, timeout=(saved.meta.get("settings") or {}).get("timeout", 10.0),
                    profile=Profile(randomized=seed is not None), seed=seed)
    a = saved.arrays
    return deviation_of(caller, a["X_train"], a["y_train"], a["X_test"], a["X_train_transformed"],
                        a["X_test_transformed"], V=a.get("V"), y2=a.get("y_train_transformed"))
