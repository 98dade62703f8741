"""Realistic wrong answers for Assignment 1 (regression and basis models)."""

import numpy as np

from autograder.mistakes import mistake

# -- Q1 fit_simple_linear -------------------------------------------------------------


@mistake("regression.simple_linear", "fit_simple_linear")
def swapped_ratio(x, y):
    """Slope with numerator and denominator swapped."""
    dx, dy = x - x.mean(), y - y.mean()
    w1 = (dx @ dx) / (dx @ dy)
    return float(y.mean() - w1 * x.mean()), float(w1)


@mistake("regression.simple_linear", "fit_simple_linear")
def intercept_is_mean_of_y(x, y):
    """Intercept ȳ, forgetting the − ŵ1·x̄ term."""
    dx = x - x.mean()
    return float(y.mean()), float(dx @ (y - y.mean()) / (dx @ dx))


@mistake("regression.simple_linear", "fit_simple_linear")
def expanded_sums(x, y):
    """Textbook expanded form (Σxy − N·x̄·ȳ)/(Σx² − N·x̄²): cancels on large inputs."""
    n = len(x)
    w1 = (np.sum(x * y) - n * x.mean() * y.mean()) / (np.sum(x * x) - n * x.mean() ** 2)
    return float(y.mean() - w1 * x.mean()), float(w1)


@mistake("regression.simple_linear", "fit_simple_linear")
def no_check_for_constant_x(x, y):
    """Loop that divides by zero when all x are equal (returns nan instead of raising)."""
    x_bar, y_bar = sum(x) / len(x), sum(y) / len(y)
    num = den = 0.0
    for xi, yi in zip(x, y, strict=True):
        num += (xi - x_bar) * (yi - y_bar)
        den += (xi - x_bar) ** 2
    w1 = num / den if den else float("nan")
    return float(y_bar - w1 * x_bar), float(w1)


# -- Q2 polynomial_design / gaussian_design ----------------------------------------------


@mistake("regression.polynomial_design", "polynomial_design")
def powers_from_one(x, M):
    """Powers 1..M: the bias column φ0 = 1 is missing."""
    return x[:, None] ** np.arange(1, M + 1)


@mistake("regression.polynomial_design", "polynomial_design")
def vander_default_order(x, M):
    """np.vander's default decreasing powers."""
    return np.vander(x, M)


@mistake("regression.polynomial_design", "polynomial_design")
def degree_m_instead_of_m_columns(x, M):
    """M + 1 columns (degree M instead of M basis functions)."""
    return x[:, None] ** np.arange(M + 1)


@mistake("regression.polynomial_design", "polynomial_design")
def transposed(x, M):
    """Shape (M, N) instead of (N, M)."""
    return (x[:, None] ** np.arange(M)).T


@mistake("regression.gaussian_design", "gaussian_design")
def missing_bias_column(x, centers, s):
    """Only the Gaussian bumps, no φ0 = 1 column."""
    return np.exp(-((x[:, None] - centers[None, :]) ** 2) / (2 * s**2))


@mistake("regression.gaussian_design", "gaussian_design")
def width_without_two(x, centers, s):
    """exp(−(x − m)²/s²): the factor 2 of 2s² dropped."""
    bumps = np.exp(-((x[:, None] - centers[None, :]) ** 2) / s**2)
    return np.hstack([np.ones((len(x), 1)), bumps])


@mistake("regression.gaussian_design", "gaussian_design")
def width_not_squared(x, centers, s):
    """exp(−(x − m)²/(2s)): s instead of s²."""
    bumps = np.exp(-((x[:, None] - centers[None, :]) ** 2) / (2 * s))
    return np.hstack([np.ones((len(x), 1)), bumps])


@mistake("regression.gaussian_design", "gaussian_design")
def bias_column_last(x, centers, s):
    """Bias column appended at the end instead of first."""
    bumps = np.exp(-((x[:, None] - centers[None, :]) ** 2) / (2 * s**2))
    return np.hstack([bumps, np.ones((len(x), 1))])


# -- Q3 empirical_risk / fit_least_squares ---------------------------------------------


@mistake("regression.empirical_risk", "empirical_risk")
def one_over_n(Phi, y, w):
    """1/N instead of 1/(2N) (the mean squared error)."""
    return float(np.mean((Phi @ w - y) ** 2))


@mistake("regression.empirical_risk", "empirical_risk")
def not_normalized(Phi, y, w):
    """½‖Φw − y‖² without dividing by N."""
    return float(0.5 * np.sum((Phi @ w - y) ** 2))


@mistake("regression.empirical_risk", "empirical_risk")
def root_mean_square(Phi, y, w):
    """The RMSE, √(‖Φw − y‖²/N)."""
    return float(np.sqrt(np.mean((Phi @ w - y) ** 2)))


@mistake("regression.least_squares", "fit_least_squares")
def explicit_inverse(Phi, y):
    """w = (ΦᵀΦ)⁻¹Φᵀy with an explicit inverse."""
    return np.linalg.inv(Phi.T @ Phi) @ Phi.T @ y


@mistake("regression.least_squares", "fit_least_squares")
def solve_normal_equations(Phi, y):
    """np.linalg.solve on the normal equations: fails when ΦᵀΦ is singular."""
    return np.linalg.solve(Phi.T @ Phi, Phi.T @ y)


@mistake("regression.least_squares", "fit_least_squares")
def lstsq_on_normal_equations(Phi, y):
    """lstsq of ΦᵀΦ w = Φᵀy: minimum norm, but squares the condition number."""
    return np.linalg.lstsq(Phi.T @ Phi, Phi.T @ y, rcond=None)[0]


@mistake("regression.least_squares", "fit_least_squares")
def column_vector(Phi, y):
    """Correct numbers returned as a column of shape (M, 1)."""
    return np.linalg.lstsq(Phi, y[:, None], rcond=None)[0]


# -- Q4 select_degree ------------------------------------------------------------------


def _risks(x_train, y_train, x_val, y_val, Ms, fit_on_validation=False):
    train, val = [], []
    for M in Ms:
        Phi_t = x_train[:, None] ** np.arange(M)
        Phi_v = x_val[:, None] ** np.arange(M)
        w = np.linalg.lstsq(Phi_t, y_train, rcond=None)[0]
        w_val = np.linalg.lstsq(Phi_v, y_val, rcond=None)[0] if fit_on_validation else w
        train.append(np.sum((Phi_t @ w - y_train) ** 2) / (2 * len(y_train)))
        val.append(np.sum((Phi_v @ w_val - y_val) ** 2) / (2 * len(y_val)))
    return np.array(train), np.array(val)


@mistake("regression.select_degree", "select_degree")
def selects_by_training_risk(x_train, y_train, x_val, y_val, Ms):
    """Chooses M with the smallest training risk."""
    train, val = _risks(x_train, y_train, x_val, y_val, Ms)
    return train, val, int(Ms[np.argmin(train)])


@mistake("regression.select_degree", "select_degree")
def returns_index_not_m(x_train, y_train, x_val, y_val, Ms):
    """Returns the index of the best candidate instead of its M."""
    train, val = _risks(x_train, y_train, x_val, y_val, Ms)
    return train, val, int(np.argmin(val))


@mistake("regression.select_degree", "select_degree")
def refits_on_validation(x_train, y_train, x_val, y_val, Ms):
    """Validation risk of a model refitted on the validation data."""
    train, val = _risks(x_train, y_train, x_val, y_val, Ms, fit_on_validation=True)
    return train, val, int(Ms[np.argmin(val)])


# -- Q5 one_hot ------------------------------------------------------------------------


@mistake("regression.one_hot", "one_hot")
def classes_from_data(labels, num_classes):
    """K taken as max(label) + 1, ignoring num_classes."""
    return np.eye(labels.max() + 1 if labels.size else 0)[labels]


@mistake("regression.one_hot", "one_hot")
def eye_indexing_without_checks(labels, num_classes):
    """np.eye(K)[labels]: a label of −1 silently selects the last class."""
    return np.eye(num_classes)[labels]


@mistake("regression.one_hot", "one_hot")
def one_based_labels(labels, num_classes):
    """Treats labels as 1-based (Y[i, labels[i] − 1] = 1)."""
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError("label out of range")
    Y = np.zeros((len(labels), num_classes))
    Y[np.arange(len(labels)), labels - 1] = 1.0
    return Y
