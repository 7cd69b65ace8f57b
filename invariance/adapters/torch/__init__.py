"""``torch.optim`` optimizers as learners: the paper's online protocol (docs/design.md#contracts).

Default model: a linear neuron ``nn.Linear(d, 1, bias=False)`` with zero weights, square loss
½(ŷ − y)², one example per step in order, ``passes`` passes, float64. Options: passes, lr, batch
size, optimizer keyword arguments, ``model="layer"``: a linear layer W ∈ R^{H×d} (``outputs`` = H,
zero weights, loss ½‖Wx − y‖², targets n×H: the learner then has H outputs and the checker asks the
output side too), and ``model="mlp"``: a network with a fully connected input layer
(hidden width, activation) whose first layer is initialised Gaussian by default (rotation invariant in
distribution); ``init="uniform"`` keeps torch's default i.i.d. uniform initialisation, which is not.
An MLP learner is randomised: it takes ``rng`` and seeds a private ``torch.Generator`` from it.

The modules: :mod:`.options` (the checked options, a frozen dataclass), :mod:`.model` (the model and
the optimizer built on it), :mod:`.protocol` (the training loop), :mod:`.exact` and :mod:`.precision`
(the float64 rewrite, the watch for coarser dtypes), :mod:`.probes` (what the load-time runs decide, as
frozen profiles), :mod:`.replay` (state replay), :mod:`.learner` (the learner). torch itself is imported
only when a function here runs.
"""

from __future__ import annotations

from invariance.adapters.torch.learner import learner_from_optimizer
from invariance.adapters.torch.options import (
    CLOSURE_NONE,
    CLOSURE_PASSED,
    CLOSURE_REJECTED,
    DEFAULTS,
    TorchOptions,
)
from invariance.adapters.torch.probes import (
    PrecisionProfile,
    StepProfile,
    closure_protocol,
    exact_variant,
    needs_create_graph,
    step_precision,
    uses_global_rng,
)
from invariance.adapters.torch.protocol import train_predict
from invariance.adapters.torch.replay import breaks_at, trace_states

__all__ = ["learner_from_optimizer", "DEFAULTS", "TorchOptions", "StepProfile", "PrecisionProfile", "train_predict",
           "trace_states", "breaks_at", "step_precision", "closure_protocol", "exact_variant", "needs_create_graph",
           "uses_global_rng", "CLOSURE_PASSED", "CLOSURE_REJECTED", "CLOSURE_NONE"]
