"""scikit-learn regressors for the labelled corpus: module-level instances (re-importable by name).

Classes built with their defaults are referenced directly in :mod:`benchmarks.corpus.labels`
(``sklearn.linear_model.LinearRegression``); the instances here fix the arguments that matter.
"""

from __future__ import annotations

from sklearn.cross_decomposition import PLSRegression
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import ARDRegression, BayesianRidge, Lasso, OrthogonalMatchingPursuit, Ridge
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.svm import SVR
from sklearn.tree import DecisionTreeRegressor

kernel_ridge_rbf = KernelRidge(kernel="rbf", alpha=0.1)
kernel_ridge_laplacian = KernelRidge(kernel="laplacian", alpha=0.1)
lasso = Lasso(alpha=0.1)
tree = DecisionTreeRegressor(random_state=0)
knn_brute = KNeighborsRegressor(n_neighbors=3, algorithm="brute")
knn_kd_tree = KNeighborsRegressor(n_neighbors=3, algorithm="kd_tree", leaf_size=1)
bayesian_ridge = BayesianRidge()
ard = ARDRegression()
omp = OrthogonalMatchingPursuit(n_nonzero_coefs=1)
svr_scale = SVR()  # gamma="scale"
svr_fixed_gamma = SVR(gamma=0.1)
gp = GaussianProcessRegressor(alpha=1e-2)
pls = PLSRegression(n_components=1, scale=False)
poly_ridge = make_pipeline(PolynomialFeatures(degree=2), Ridge(alpha=0.1))
standardized_ridge = make_pipeline(StandardScaler(), Ridge(alpha=0.1))
