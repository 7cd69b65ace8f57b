"""Do the checker's own tests fail when its decision rules are broken? (issue 9, part 8)

    python benchmarks/mutate_checker.py [--only NAME] [--list]

Each mutation edits one rule in a scratch copy of the repository (invariance/, algorithms/, tests/) and
runs the tests that guard it (``pytest -x``). A mutation is *killed* when a test fails; every one must be.
Prints one line per mutation and the kill count; exits 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUARDS = ["tests/core/test_judge.py", "tests/core/test_pipeline.py", "tests/core/test_evidence.py",
          "tests/core/test_tolerance.py"]

#: name → (file, old text, new text, the tests that guard it)
MUTATIONS = {
    "FLOOR 1e-10 → 1e-7": ("invariance/judge/tolerance.py", "FLOOR = 1e-10", "FLOOR = 1e-7", GUARDS),
    "NOISE_FACTOR 100 → 1e4": ("invariance/judge/tolerance.py", "NOISE_FACTOR = 100.0", "NOISE_FACTOR = 1e4", GUARDS),
    "F32_WEIGHT 0.1 → 1": ("invariance/judge/tolerance.py", "F32_WEIGHT = 0.1", "F32_WEIGHT = 1.0", GUARDS),
    "twins judged by perturbing them": (
        "invariance/judge/tolerance.py", 'return "gaussian" if exact_inputs else "example"', 'return "example"',
        GUARDS),
    "a looser twin limit (1e-6 floor on exact inputs)": (
        "invariance/judge/tolerance.py", "    if deviation <= FLOOR:\n        return None",
        "    if deviation <= FLOOR or (exact_inputs and deviation <= 1e-6):\n"
        "        return None", GUARDS),
    "one rounding probe instead of three": ("invariance/judge/tolerance.py", "CONFIRM_PROBES = 3", "CONFIRM_PROBES = 1",
                                             ["tests/core/test_search.py", "tests/core/test_judge.py"]),
    "symmetry rule: signed permutations claimed as orthogonal": (
        "invariance/judge/verdicts.py", "    if orthogonal_ok:\n        return Symmetry.ORTHOGONAL",
        "    if orthogonal_ok or signed_passed:\n        return Symmetry.ORTHOGONAL", GUARDS),
    "symmetry rule: permutations before signed permutations": (
        "invariance/judge/verdicts.py",
        "    if signed_passed:\n        return Symmetry.SIGNED_PERMUTATIONS\n    if perm_passed:",
        "    if perm_passed:\n        return Symmetry.PERMUTATIONS\n    if signed_passed:", GUARDS),
    "no Bonferroni over test points": (
        "invariance/search/distribution.py", "p_adj = min(1.0, min(pvals) * tests)", "p_adj = min(pvals)",
        ["tests/core/test_law_test.py", "tests/core/test_randomised.py"]),
    "every look at α instead of α/3": (
        "invariance/search/distribution.py", "per_look = alpha / looks", "per_look = alpha",
        ["tests/core/test_law_test.py", "tests/core/test_judge.py"]),
    "evidence: 10 % usable suffices": ("invariance/judge/evidence.py", "MIN_USABLE = 0.5", "MIN_USABLE = 0.1",
                                        ["tests/core/test_judge.py", "tests/core/test_evidence.py"]),
    "gate: a failed learner exits 0": (
        "invariance/cli/check.py", "    if any(r.failed for r in results):\n        return 3",
        "    if any(r.failed for r in results):\n        return 0",
        ["tests/cli/test_cli.py", "tests/core/test_evidence.py"]),
    "gate: a mismatch exits 0": (
        "invariance/cli/check.py", "    if any(r.mismatch for r in results):\n        return 1",
        "    if any(r.mismatch for r in results):\n        return 0",
        ["tests/cli/test_cli.py", "tests/workers/test_parallel.py"]),
    "pytest gate: a property that must fail may pass": (
        "invariance/testing.py", "        if not must_pass and report.passed:", "        if False:",
        ["tests/core/test_pytest_gate.py"]),
    "pytest gate: a diagnosis passes": (
        "invariance/testing.py", "        if result.failed:\n            assert",
        "        if False:\n            assert",
        ["tests/core/test_pytest_gate.py"]),
    "verdict rule: a twin violation with a generic pass is invariant": (
        "invariance/judge/verdicts.py", '''    if orthogonal_passed:
        return Judgement(Verdict.NOT_INVARIANT,''', '''    if orthogonal_passed:
        return Judgement(Verdict.INVARIANT,''', GUARDS),
}


def run_one(name: str, scratch: str) -> tuple[bool, str, float]:
    path, old, new, tests = MUTATIONS[name]
    target = os.path.join(scratch, path)
    with open(target) as fh:
        text = fh.read()
    if text.count(old) != 1:
        return False, f"mutation text not found exactly once in {path}", 0.0
    with open(target, "w") as fh:
        fh.write(text.replace(old, new))
    t0 = time.perf_counter()
    try:
        res = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
                             cwd=scratch, capture_output=True, text=True,
                             env={**os.environ, "CI": "true", "PYTHONPATH": scratch})
    finally:
        with open(target, "w") as fh:
            fh.write(text)
    tail = [line for line in res.stdout.splitlines()
            if line.startswith("FAILED") or " passed" in line or " failed" in line]
    return res.returncode != 0, (tail[0] if tail else res.stdout[-200:]).strip(), time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--only", action="append", default=[])
    p.add_argument("--list", action="store_true")
    args = p.parse_args()
    names = [n for n in MUTATIONS if not args.only or any(o in n for o in args.only)]
    if args.list:
        print("\n".join(names))
        return
    scratch = tempfile.mkdtemp(prefix="invcheck-mutate-")
    for part in ("invariance", "algorithms", "tests", "pyproject.toml"):
        src = os.path.join(ROOT, part)
        (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(scratch, part))
    killed = 0
    for name in names:
        dead, why, secs = run_one(name, scratch)
        killed += dead
        print(f"{'killed ' if dead else 'SURVIVED'}  {name:62s} {secs:6.1f}s  {why[:110]}", flush=True)
    print(f"{killed}/{len(names)} mutations of the decision rules fail a test")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
