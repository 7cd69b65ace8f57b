"""JAX/optax optimizers as learners: the same online protocol as the torch adapter, in JAX.

A target such as ``optax:adam`` or ``optax.contrib:muon`` — any factory returning an
``optax.GradientTransformation`` — is called with ``learning_rate`` (``--lr``, default 0.05, as for
torch) plus the ``--opt KEY=VALUE`` keywords. The model is the linear neuron W ∈ R^{1×d} (a matrix,
as torch's ``nn.Linear`` weight, so that matrix optimizers such as Muon apply), or with
``--model layer`` a linear layer W ∈ R^{H×d} (``--outputs H``, targets n×H), zero at the start,
square loss ½‖W x − y‖², one example per step in order, ``passes`` passes, with float64 enabled
(``jax_enable_x64``). The step is ``jax.jit``-compiled once per dimension.

The modules: :mod:`.options` (the checked options, a frozen dataclass), :mod:`.protocol` (the training
loop), :mod:`.precision` (the working precision, read from a jaxpr), :mod:`.exact` (the float64
rewrite, a jaxpr interpreter), :mod:`.learner` (the learner). jax and optax are an optional extra
(``pip install 'invcheck[optax]'``), imported only when a function here runs.
"""

from __future__ import annotations

from invariance.adapters.optax.exact import exact_step, exact_variant
from invariance.adapters.optax.learner import learner_from_optax
from invariance.adapters.optax.options import DEFAULTS, OptaxOptions
from invariance.adapters.optax.precision import update_precision
from invariance.adapters.optax.protocol import is_optax_factory

__all__ = ["is_optax_factory", "learner_from_optax", "DEFAULTS", "OptaxOptions", "update_precision", "exact_step",
           "exact_variant"]
