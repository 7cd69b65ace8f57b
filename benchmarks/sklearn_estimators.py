"""scikit-learn regressors that need arguments, as ``invcheck`` targets.

    invcheck benchmarks/sklearn_estimators.py:kernel_ridge_rbf --json

Module-level *instances*: the adapter fits a fresh ``clone`` of each on every call. The classes with
usable defaults (``sklearn.linear_model:Lasso`` …) need no entry here.
"""

from sklearn.cross_decomposition import PLSRegression
from sklearn.decomposition import PCA
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

kernel_ridge_rbf = KernelRidge(kernel="rbf")
pls_scaled = PLSRegression(scale=True)
pls_unscaled = PLSRegression(scale=False)
scaler_ridge = make_pipeline(StandardScaler(), Ridge())
pca_whiten_ridge = make_pipeline(PCA(whiten=True), Ridge())
