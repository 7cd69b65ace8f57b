"""Built-in learners, one module per learner, each registered with its declared verdict.

``algorithms.NAME`` is the module and ``algorithms.NAME:NAME`` the learner
``f(X_train, y_train, X_test) -> y_hat``. This file imports none of them (the loader walks the
package). The iterative ones share one training loop, :mod:`algorithms._loop`, and differ in the one
line that decides their verdict.

invariant (predictions depend on the data only through inner products):
    least_squares       minimum-norm least squares, w = X⁺y
    vaw                 Vovk–Azoury–Warmuth forecaster, xᵀ(εI + XᵀX + xxᵀ)⁻¹Xᵀy
    gd                  online gradient descent from w = 0
    newton              online Newton step, w ← w − (1/γ) A⁻¹g, A = εI + Σ g gᵀ
    adagrad_full        full-matrix AdaGrad, w ← w − η (δI + Σ g gᵀ)^{-1/2} g
    logistic_gd         full-batch GD on the logistic loss from w = 0 (the sparse logistic problem)

pm1-invariant (invariant on ±1 data only):
    adagrad_diag        diagonal AdaGrad, one example per step
    adam                Adam, one example per step

not-invariant:
    adagrad_diag_batch  diagonal AdaGrad on full-batch gradients
    egu                 exponentiated gradient unnormalised, w ← w ⊙ exp(−η∇)
    eg_pm               EG±, w = w⁺ − w⁻, both multiplicative
    spindly             GD on w = u⊙u
    spindly_pm          GD on w = u⊙u − v⊙v
    private_lr          GD with learning rates η_i = η w_i
    logistic_uv         full-batch GD on the logistic loss with w = u⊙v

Reference: M. K. Warmuth, W. Kotłowski, E. Amid, "A case where a spindly two-layer linear network
decisively outperforms any neural network with a fully connected input layer", ALT 2021.
"""
