"""A dozen common scikit-learn regressors as named instances: ``invcheck`` targets and report rows.

    invcheck invariance.report.zoo_sklearn:standard_scaled_ridge
    invcheck report   # checks and plots every one of them (targets ``invariance.report.zoo_sklearn:NAME``)

Module-level *instances* (the adapter fits a fresh ``clone`` on every call), listed in :data:`ZOO`
in report order. Defaults are scikit-learn's except where noted on the line: the L1 penalties are
lowered so that the sparse target of the paper's problems is not simply zeroed out, and the
tree ensembles get a fixed ``random_state`` (one reproducible model, checked as a deterministic
learner) and fewer trees (cost; no bearing on invariance). Importing this module without
scikit-learn raises :class:`~invariance.errors.MissingDependency` with the install command.
"""

from __future__ import annotations

from invariance.errors import MissingDependency

try:
    import sklearn  # noqa: F401
except ImportError:  # pragma: no cover - only without scikit-learn
    raise MissingDependency("scikit-learn", "sklearn", "the scikit-learn zoo (invariance.report.zoo_sklearn)") from None

from sklearn.cross_decomposition import PLSRegression  # noqa: E402
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor  # noqa: E402
from sklearn.kernel_ridge import KernelRidge  # noqa: E402
from sklearn.linear_model import (  # noqa: E402
    ARDRegression,
    BayesianRidge,
    ElasticNet,
    HuberRegressor,
    Lasso,
    LinearRegression,
    Ridge,
)
from sklearn.neighbors import KNeighborsRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVR  # noqa: E402
from sklearn.tree import DecisionTreeRegressor  # noqa: E402

linear_regression = LinearRegression()
ridge = Ridge()
lasso = Lasso(alpha=0.01)  # default α = 1 predicts the mean on these problems
elastic_net = ElasticNet(alpha=0.01)  # likewise
bayesian_ridge = BayesianRidge()
ard_regression = ARDRegression()
huber = HuberRegressor()
k_neighbors = KNeighborsRegressor()
kernel_ridge = KernelRidge()  # linear kernel
kernel_ridge_rbf = KernelRidge(kernel="rbf")
svr = SVR()  # RBF kernel
decision_tree = DecisionTreeRegressor(random_state=0)
random_forest = RandomForestRegressor(n_estimators=20, random_state=0)
gradient_boosting = GradientBoostingRegressor(n_estimators=20, random_state=0)
pls = PLSRegression()  # scale=True: per-feature standardisation
standard_scaled_ridge = make_pipeline(StandardScaler(), Ridge())

#: The zoo in report order (names of the instances above).
ZOO = (
    "linear_regression", "ridge", "lasso", "elastic_net", "bayesian_ridge", "ard_regression", "huber",
    "k_neighbors", "kernel_ridge", "kernel_ridge_rbf", "svr", "decision_tree", "random_forest",
    "gradient_boosting", "pls", "standard_scaled_ridge",
)

#: Why a zoo entry cannot fit its training rows (the report's "did not fit" flags quote it): each is
#: a property of the estimator as configured here, not of a learning rate (none of them has one the
#: tuning grid could move).
NO_FIT = {
    "ard_regression": "numerically unstable here: on ±1 rows with k < d its evidence maximisation prunes "
    "precisions until some weights reach ±1e5 in a few trials, whose training and test losses then dominate the "
    "mean (it learns e₁ in the other trials)",
    "k_neighbors": "by design: it predicts the mean label of the 5 nearest training rows, so a training row "
    "gets its own label averaged with 4 others",
    "kernel_ridge_rbf": "by design: ridge penalty α = 1 on an RBF kernel whose width (γ = 1/d) makes distinct ±1 "
    "rows nearly orthogonal features: the penalty keeps about ½ of each label",
    "svr": "by design: the ε-insensitive loss (ε = 0.1) leaves residuals up to 0.1 unpenalised and C = 1 bounds "
    "the dual weights",
    "random_forest": "by design: each of the 20 trees is fitted on a bootstrap sample, so a training row is "
    "missing from about a third of them, which predict it from the other rows",
    "gradient_boosting": "by design: 20 trees at learning rate 0.1 leave (1 − 0.1)²⁰ ≈ 12 % of the residual "
    "(training loss ≈ 0.015)",
    "pls": "by design: 2 PLS components fit the labels only as far as two directions of the training rows "
    "explain them",
}
