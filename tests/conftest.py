"""Shared test setup: Hypothesis profiles and the path to the fixture learners.

``CI=…`` selects the derandomized "ci" profile (the same examples on every run, no example
database); otherwise the "dev" profile (random, with the local database). The checker's own
searches are seeded by ``CheckConfig.seed`` and are deterministic under either profile.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
LEARNERS = TESTS / "learners"
COMMITTED = ROOT / "reports" / "invariance.json"

# the fixture learners are imported as the package ``learners`` (tests/learners/)
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
PROFILE = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(PROFILE)


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    # the project's own pytest plugin loads its "invcheck-ci" profile in pytest_configure; ours wins
    settings.load_profile(PROFILE)


@pytest.fixture
def in_repo_root(monkeypatch):
    """Run from the repository root, where targets such as ``tests/learners/plain.py:ridge`` resolve; a test
    file that needs it for every test sets ``pytestmark = pytest.mark.usefixtures("in_repo_root")``."""
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="session")
def committed() -> dict:
    """The committed report, reports/invariance.json, read back from JSON."""
    if not COMMITTED.exists():
        pytest.fail(f"{COMMITTED} is missing: run `invcheck report --out reports/ -j 2` from the repository root")
    return json.loads(COMMITTED.read_text())
