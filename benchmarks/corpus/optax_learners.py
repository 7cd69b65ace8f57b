"""optax factories for the labelled corpus: functions of ``learning_rate`` returning an
``optax.GradientTransformation`` (the optax adapter's contract), module-level so they re-import."""

from __future__ import annotations

import jax.numpy as jnp
import optax


def adam_bf16_mu(learning_rate: float = 0.05) -> optax.GradientTransformation:
    """optax.adam with its first moment kept in bfloat16 (``mu_dtype=jnp.bfloat16``)."""
    return optax.adam(learning_rate, mu_dtype=jnp.bfloat16)


def clipped_sgd(learning_rate: float = 0.05) -> optax.GradientTransformation:
    """clip_by_global_norm(0.2) followed by plain SGD."""
    return optax.chain(optax.clip_by_global_norm(0.2), optax.sgd(learning_rate))


def clipped_by_value_sgd(learning_rate: float = 0.05) -> optax.GradientTransformation:
    """clip (per coordinate, ±0.5) followed by plain SGD."""
    return optax.chain(optax.clip(0.5), optax.sgd(learning_rate))


def momentum_sgd(learning_rate: float = 0.003) -> optax.GradientTransformation:
    """optax.sgd with heavy-ball momentum 0.9."""
    return optax.sgd(learning_rate, momentum=0.9)
