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
