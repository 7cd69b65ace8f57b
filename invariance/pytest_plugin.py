"""pytest plugin (registered under ``pytest11``).

* A test that requests the ``invcheck_case`` fixture is parametrized over every learner × property
  of the targets listed in the ini option ``invcheck_targets`` (or ``--invcheck-targets``), with ids
  like ``adagrad_diag-pm1``; call ``invcheck_case.check()`` in it.
* ``--invcheck-seed`` and ``--invcheck-max-examples`` set the search (defaults: 0 and the checker's), for the
  fixture and for ``@invariance_cases`` alike: given on the command line, they override the decorator's own.
* With ``CI`` set, the derandomized Hypothesis profile ``invcheck-ci`` is loaded.
"""

from __future__ import annotations

import os


def pytest_addoption(parser):
    group = parser.getgroup("invcheck")
    group.addoption("--invcheck-targets", default=None, help="comma-separated TARGETs for the invcheck_case fixture")
    group.addoption("--invcheck-seed", type=int, default=None,
                    help="seed for invcheck's searches (default 0, or what @invariance_cases says)")
    group.addoption("--invcheck-max-examples", type=int, default=None, help="Hypothesis examples per property")
    parser.addini("invcheck_targets", "TARGETs whose learners the invcheck_case fixture runs over", type="linelist",
                  default=[])


def pytest_configure(config):
    from hypothesis import settings

    settings.register_profile("invcheck-ci", derandomize=True, deadline=None, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("invcheck-ci")


def pytest_generate_tests(metafunc):
    if "invcheck_case" not in metafunc.fixturenames:
        return
    opt = metafunc.config.getoption("invcheck_targets")
    targets = [t.strip() for t in opt.split(",")] if opt else list(metafunc.config.getini("invcheck_targets"))
    if not targets:
        raise ValueError(
            "the invcheck_case fixture needs targets: set invcheck_targets in pytest.ini or pass --invcheck-targets"
        )
    from invariance.testing import cases_for

    seed = metafunc.config.getoption("invcheck_seed")
    cases = cases_for(
        *targets,
        seed=0 if seed is None else seed,
        max_examples=metafunc.config.getoption("invcheck_max_examples"),
    )
    metafunc.parametrize("invcheck_case", cases, ids=[c.id for c in cases])


def pytest_collection_modifyitems(config, items):
    """``--invcheck-seed`` / ``--invcheck-max-examples`` given on the command line reach the cases that
    ``@invariance_cases`` built at import time with its own defaults."""
    given = {field: value for field, value in (("seed", config.getoption("invcheck_seed")),
                                                 ("max_examples", config.getoption("invcheck_max_examples")))
             if value is not None}
    if not given:
        return
    from dataclasses import replace

    from invariance.testing import InvarianceCase

    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        for name, value in params.items():
            if isinstance(value, InvarianceCase):
                params[name] = replace(value, **given)
