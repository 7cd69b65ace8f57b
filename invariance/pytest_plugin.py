"""pytest plugin (registered under ``pytest11``): Hypothesis profiles for invcheck's own searches.

``--invcheck-profile ci`` (or ``CI=true``) selects the derandomized profile.
"""

from __future__ import annotations

import os


def pytest_addoption(parser):
    group = parser.getgroup("invcheck")
    group.addoption("--invcheck-seed", type=int, default=0, help="seed for invcheck's searches (default 0)")


def pytest_configure(config):
    from hypothesis import settings

    settings.register_profile("invcheck-ci", derandomize=True, deadline=None, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("invcheck-ci")
