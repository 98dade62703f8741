"""Realistic wrong answers for Assignment 1 (regression and basis models)."""

import numpy as np

from autograder.mistakes import Feedback, alternative, mistake, non_answer

#: One misconception, several ways of writing it. The reversed powers also reach the population
#: risk through polynomial_design: one name fits both questions.
REVERSED_POWERS = Feedback(
    "the powers in decreasing order",
    "Column j of Φ and the weight w_j belong to xʲ, lowest power first; np.vander and np.polyval "
    "put the highest power first.",
    "basis-functions")
NORMAL_EQUATIONS = Feedback(
    "least squares solved on ΦᵀΦ",
    "Forming ΦᵀΦ squares the condition number of Φ and loses half the digits: apply "
    "np.linalg.lstsq or pinv to Φ and y directly.",
    "normal-equations")

# -- Q1 fit_simple_linear -------------------------------------------------------------


@mistake("regression.simple_linear", "fit_simple_linear", Feedback(
    "the slope's ratio upside down",
    "ŵ1 divides the co-variation Σ(xᵢ − x̄)(yᵢ − ȳ) by the spread Σ(xᵢ − x̄)², not the other "
    "way round.",
    "simple-linear"))
def swapped_ratio(x, y):
    """Slope with numerator and denominator swapped."""
    dx, dy = x - x.mean(), y - y.mean()
    w1 = (dx @ dx) / (dx @ dy)
    return float(y.mean() - w1 * x.mean()), float(w1)


@mistake("regression.simple_linear", "fit_simple_linear", Feedback(
    "the intercept taken as ȳ",
    "The fitted line passes through (x̄, ȳ), so the intercept is ȳ − ŵ1·x̄; it equals ȳ only "
    "when x̄ = 0.",
    "simple-linear"))
def intercept_is_mean_of_y(x, y):
    """Intercept ȳ, forgetting the − ŵ1·x̄ term."""
    dx = x - x.mean()
    return float(y.mean()), float(dx @ (y - y.mean()) / (dx @ dx))


@mistake("regression.simple_linear", "fit_simple_linear", Feedback(
    "the expanded sums Σxy − N·x̄·ȳ",
    "On large inputs (years, timestamps) the two terms are huge and nearly equal, and their "
    "difference loses its digits: subtract the means first, as the centered sums do.",
    "simple-linear"))
def expanded_sums(x, y):
    """Textbook expanded form (Σxy − N·x̄·ȳ)/(Σx² − N·x̄²): cancels on large inputs."""
    n = len(x)
    w1 = (np.sum(x * y) - n * x.mean() * y.mean()) / (np.sum(x * x) - n * x.mean() ** 2)
    return float(y.mean() - w1 * x.mean()), float(w1)


@mistake("regression.simple_linear", "fit_simple_linear", Feedback(
    "no error when all x are equal",
    "When every xᵢ is the same the slope is 0/0: check for it and raise ValueError rather than "
    "return NaN.",
    "simple-linear"))
def no_check_for_constant_x(x, y):
    """Loop that divides by zero when all x are equal (returns nan instead of raising)."""
    x_bar, y_bar = sum(x) / len(x), sum(y) / len(y)
    num = den = 0.0
    for xi, yi in zip(x, y, strict=True):
        num += (xi - x_bar) * (yi - y_bar)
        den += (xi - x_bar) ** 2
    w1 = num / den if den else float("nan")
    return float(y_bar - w1 * x_bar), float(w1)


@alternative("regression.simple_linear", "fit_simple_linear")
def covariance_over_variance(x, y):
    """ŵ1 = mean((x − x̄)(y − ȳ)) / mean((x − x̄)²): the centered sums divided by N."""
    if np.all(x == x[0]):
        raise ValueError("all x are equal")
    dx, dy = x - np.mean(x), y - np.mean(y)
    w1 = np.mean(dx * dy) / np.mean(dx * dx)
    return float(np.mean(y) - w1 * np.mean(x)), float(w1)


@alternative("regression.simple_linear", "fit_simple_linear")
def least_squares_on_centered_inputs(x, y):
    """lstsq on the columns [1, x − x̄], then w0 = b0 − w1·x̄."""
    if np.ptp(x) == 0:
        raise ValueError("all x are equal")
    b0, w1 = np.linalg.lstsq(np.column_stack([np.ones_like(x), x - x.mean()]), y, rcond=None)[0]
    return float(b0 - w1 * x.mean()), float(w1)


@non_answer("regression.simple_linear", "fit_simple_linear")
def mean_of_y_and_no_slope(x, y):
    """Predicts ȳ everywhere: w0 = ȳ, w1 = 0."""
    if np.ptp(x) == 0:
        raise ValueError("all x are equal")
    return float(np.mean(y)), 0.0


# -- Q2 polynomial_design / gaussian_design ----------------------------------------------


@mistake("regression.polynomial_design", "polynomial_design", Feedback(
    "the bias column φ0 = 1 missing",
    "The basis starts at φ0(x) = x⁰ = 1: the M columns are the powers 0, …, M − 1.",
    "basis-functions"))
def powers_from_one(x, M):
    """Powers 1..M: the bias column φ0 = 1 is missing."""
    return x[:, None] ** np.arange(1, M + 1)


@mistake("regression.polynomial_design", "polynomial_design", REVERSED_POWERS)
def vander_default_order(x, M):
    """np.vander's default decreasing powers."""
    return np.vander(x, M)


@mistake("regression.polynomial_design", "polynomial_design", Feedback(
    "M + 1 columns instead of M",
    "M counts the basis functions φ0, …, φ_(M−1): the highest power is M − 1.",
    "basis-models"))
def degree_m_instead_of_m_columns(x, M):
    """M + 1 columns (degree M instead of M basis functions)."""
    return x[:, None] ** np.arange(M + 1)


@mistake("regression.polynomial_design", "polynomial_design", Feedback(
    "Φ transposed",
    "Φ has one row per data point and one column per basis function: shape (N, M).",
    "basis-models"))
def transposed(x, M):
    """Shape (M, N) instead of (N, M)."""
    return (x[:, None] ** np.arange(M)).T


@alternative("regression.polynomial_design", "polynomial_design")
def vander_increasing(x, M):
    """np.vander(x, M, increasing=True)."""
    return np.vander(x, M, increasing=True)


@alternative("regression.polynomial_design", "polynomial_design")
def column_by_column(x, M):
    """Each column the previous one times x, starting from ones."""
    Phi = np.ones((len(x), M))
    for j in range(1, M):
        Phi[:, j] = Phi[:, j - 1] * x
    return Phi


@mistake("regression.polynomial_design", "polynomial_design", Feedback(
    "the columns j·x instead of xʲ",
    "x[:, None] * np.arange(M) multiplies x by j; the polynomial basis needs the powers xʲ.",
    "basis-functions"))
def multiples_not_powers(x, M):
    """x[:, None] * np.arange(M): the columns j·x instead of x**j."""
    return x[:, None] * np.arange(M)


@mistake("regression.gaussian_design", "gaussian_design", Feedback(
    "the bias column φ0 = 1 missing",
    "The first column of Φ is the constant φ0(x) = 1, followed by one Gaussian bump per center.",
    "basis-functions"))
def missing_bias_column(x, centers, s):
    """Only the Gaussian bumps, no φ0 = 1 column."""
    return np.exp(-((x[:, None] - centers[None, :]) ** 2) / (2 * s**2))


@mistake("regression.gaussian_design", "gaussian_design", Feedback(
    "exp(−(x − m)²/s²): the 2 of 2s² dropped",
    "The lecture's Gaussian basis function divides the squared distance by 2s².",
    "basis-functions"))
def width_without_two(x, centers, s):
    """exp(−(x − m)²/s²): the factor 2 of 2s² dropped."""
    bumps = np.exp(-((x[:, None] - centers[None, :]) ** 2) / s**2)
    return np.hstack([np.ones((len(x), 1)), bumps])


@mistake("regression.gaussian_design", "gaussian_design", Feedback(
    "the width s not squared",
    "The exponent divides the squared distance by 2s², twice the squared width.",
    "basis-functions"))
def width_not_squared(x, centers, s):
    """exp(−(x − m)²/(2s)): s instead of s²."""
    bumps = np.exp(-((x[:, None] - centers[None, :]) ** 2) / (2 * s))
    return np.hstack([np.ones((len(x), 1)), bumps])


@mistake("regression.gaussian_design", "gaussian_design", Feedback(
    "the bias column last",
    "φ0 = 1 is the first column of Φ (so that w0 is the bias), the Gaussian bumps follow.",
    "basis-models"))
def bias_column_last(x, centers, s):
    """Bias column appended at the end instead of first."""
    bumps = np.exp(-((x[:, None] - centers[None, :]) ** 2) / (2 * s**2))
    return np.hstack([bumps, np.ones((len(x), 1))])


@mistake("regression.gaussian_design", "gaussian_design", Feedback(
    "the given centers ignored",
    "Use the centers m_j passed to the function, in the order given.",
    "basis-functions"))
def evenly_spaced_centers(x, centers, s):
    """Ignores the given centers and spreads len(centers) of them evenly on [0, 1]."""
    spread = np.linspace(0.0, 1.0, len(centers))
    bumps = np.exp(-((x[:, None] - spread[None, :]) ** 2) / (2 * s**2))
    return np.hstack([np.ones((len(x), 1)), bumps])


@alternative("regression.gaussian_design", "gaussian_design")
def subtract_outer(x, centers, s):
    """np.subtract.outer for the differences, np.column_stack for the bias."""
    return np.column_stack([np.ones(len(x)),
                            np.exp(-np.subtract.outer(x, centers) ** 2 / (2 * s * s))])


# -- Q3 empirical_risk / fit_least_squares ---------------------------------------------


@mistake("regression.empirical_risk", "empirical_risk", Feedback(
    "1/N instead of 1/(2N)",
    "The lecture's R_emp has the factor 1/(2N): half the mean squared error.",
    "basis-models"))
def one_over_n(Phi, y, w):
    """1/N instead of 1/(2N) (the mean squared error)."""
    return float(np.mean((Phi @ w - y) ** 2))


@mistake("regression.empirical_risk", "empirical_risk", Feedback(
    "the squared error not divided by N",
    "R_emp averages over the N points: ‖Φw − y‖²/(2N).",
    "basis-models"))
def not_normalized(Phi, y, w):
    """½‖Φw − y‖² without dividing by N."""
    return float(0.5 * np.sum((Phi @ w - y) ** 2))


@mistake("regression.empirical_risk", "empirical_risk", Feedback(
    "the root mean square error",
    "R_emp is the squared error ‖Φw − y‖²/(2N), with no square root.",
    "basis-models"))
def root_mean_square(Phi, y, w):
    """The RMSE, √(‖Φw − y‖²/N)."""
    return float(np.sqrt(np.mean((Phi @ w - y) ** 2)))


@mistake("regression.empirical_risk", "empirical_risk", Feedback(
    "the norm instead of its square",
    "R_emp uses the squared norm ‖Φw − y‖², divided by 2N.",
    "basis-models"))
def norm_not_squared(Phi, y, w):
    """‖Φw − y‖/(2N): the norm, not its square."""
    return float(np.linalg.norm(Phi @ w - y) / (2 * len(y)))


@alternative("regression.empirical_risk", "empirical_risk")
def half_mean_square(Phi, y, w):
    """np.mean((Φw − y)²)/2."""
    return float(np.mean((Phi @ w - y) ** 2) / 2)


@mistake("regression.least_squares", "fit_least_squares", Feedback(
    "the explicit inverse (ΦᵀΦ)⁻¹",
    "(ΦᵀΦ)⁻¹Φᵀy needs ΦᵀΦ invertible, and forming ΦᵀΦ squares the conditioning: solve the "
    "least-squares problem on Φ itself (np.linalg.lstsq, an SVD).",
    "normal-equations"))
def explicit_inverse(Phi, y):
    """w = (ΦᵀΦ)⁻¹Φᵀy with an explicit inverse."""
    return np.linalg.inv(Phi.T @ Phi) @ Phi.T @ y


@mistake("regression.least_squares", "fit_least_squares", Feedback(
    "np.linalg.solve on the normal equations",
    "ΦᵀΦ is singular when there are fewer distinct points than basis functions; a least-squares"
    " solver on Φ itself (np.linalg.lstsq, an SVD) handles that case too.",
    "normal-equations"))
def solve_normal_equations(Phi, y):
    """np.linalg.solve on the normal equations: fails when ΦᵀΦ is singular."""
    return np.linalg.solve(Phi.T @ Phi, Phi.T @ y)


@mistake("regression.least_squares", "fit_least_squares", NORMAL_EQUATIONS)
def lstsq_on_normal_equations(Phi, y):
    """lstsq of ΦᵀΦ w = Φᵀy: minimum norm, but squares the condition number."""
    return np.linalg.lstsq(Phi.T @ Phi, Phi.T @ y, rcond=None)[0]


@mistake("regression.least_squares", "fit_least_squares", Feedback(
    "a column of shape (M, 1)",
    "Return w as a 1-d array of shape (M,): pass y as it is, not y[:, None].",
    "basis-models"))
def column_vector(Phi, y):
    """Correct numbers returned as a column of shape (M, 1)."""
    return np.linalg.lstsq(Phi, y[:, None], rcond=None)[0]


@mistake("regression.least_squares", "fit_least_squares", Feedback(
    "the SVD without a cut-off",
    "Dividing by singular values at rounding level blows the solution up: treat the tiny ones "
    "as zero (as lstsq and pinv do) for the minimum-norm solution.",
    "normal-equations"))
def svd_without_cutoff(Phi, y):
    """Φ⁺y from the SVD, dividing by every singular value, even those at rounding level."""
    U, sigma, Vt = np.linalg.svd(Phi, full_matrices=False)
    with np.errstate(all="ignore"):
        return Vt.T @ ((U.T @ y) / sigma)


@mistake("regression.least_squares", "fit_least_squares", NORMAL_EQUATIONS)
def pinv_of_normal_equations(Phi, y):
    """pinv(ΦᵀΦ)Φᵀy: the minimum-norm solution in exact arithmetic, squared conditioning."""
    return np.linalg.pinv(Phi.T @ Phi) @ Phi.T @ y


@alternative("regression.least_squares", "fit_least_squares")
def numpy_lstsq(Phi, y):
    """np.linalg.lstsq(Φ, y, rcond=None)."""
    return np.linalg.lstsq(Phi, y, rcond=None)[0]


@alternative("regression.least_squares", "fit_least_squares")
def pseudo_inverse(Phi, y):
    """np.linalg.pinv(Φ) @ y."""
    return np.linalg.pinv(Phi) @ y


@alternative("regression.least_squares", "fit_least_squares")
def scipy_lstsq(Phi, y):
    """scipy.linalg.lstsq (LAPACK's gelsd, an SVD)."""
    import scipy.linalg

    return scipy.linalg.lstsq(Phi, y)[0]


@alternative("regression.least_squares", "fit_least_squares")
def svd_with_relative_cutoff(Phi, y):
    """Φ⁺y from the SVD, singular values below 1e-12·σ_max treated as zero."""
    U, sigma, Vt = np.linalg.svd(Phi, full_matrices=False)
    keep = sigma > 1e-12 * sigma.max(initial=0.0)
    return Vt[keep].T @ ((U[:, keep].T @ y) / sigma[keep])


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


@mistake("regression.select_degree", "select_degree", Feedback(
    "M chosen by the training risk",
    "The training risk only decreases as M grows: choose M by the validation risk.",
    "data-format"))
def selects_by_training_risk(x_train, y_train, x_val, y_val, Ms):
    """Chooses M with the smallest training risk."""
    train, val = _risks(x_train, y_train, x_val, y_val, Ms)
    return train, val, int(Ms[np.argmin(train)])


@mistake("regression.select_degree", "select_degree", Feedback(
    "the position of the best M instead of M",
    "Return the value Ms[i] itself, not its index i.",
    "data-format"))
def returns_index_not_m(x_train, y_train, x_val, y_val, Ms):
    """Returns the index of the best candidate instead of its M."""
    train, val = _risks(x_train, y_train, x_val, y_val, Ms)
    return train, val, int(np.argmin(val))


@mistake("regression.select_degree", "select_degree", Feedback(
    "models refitted on the validation data",
    "Fit each model on the training set only, then measure its risk on the validation set.",
    "data-format"))
def refits_on_validation(x_train, y_train, x_val, y_val, Ms):
    """Validation risk of a model refitted on the validation data."""
    train, val = _risks(x_train, y_train, x_val, y_val, Ms, fit_on_validation=True)
    return train, val, int(Ms[np.argmin(val)])


@alternative("regression.select_degree", "select_degree")
def polyfit_and_polyval(x_train, y_train, x_val, y_val, Ms):
    """np.polyfit/np.polyval for the fits (highest power first, internally scaled)."""
    train, val = [], []
    for M in Ms:
        coefficients = np.polyfit(x_train, y_train, int(M) - 1)
        train.append(np.mean((np.polyval(coefficients, x_train) - y_train) ** 2) / 2)
        val.append(np.mean((np.polyval(coefficients, x_val) - y_val) ** 2) / 2)
    return np.array(train), np.array(val), int(Ms[int(np.argmin(val))])


# -- Q4(b) population_risk --------------------------------------------------------------


def _poly(x, w):
    return (x[:, None] ** np.arange(len(w))) @ w


@mistake("regression.population_risk", "population_risk", Feedback(
    "the noise term σ²/2 forgotten",
    "The targets are f*(x) plus noise, and the noise adds σ²/2 to the expected loss, which no "
    "model can remove.",
    "population-loss"))
def without_the_noise(w, noise):
    """½∫(f − f*)²: the noise term σ²/2 forgotten."""
    nodes, weights = np.polynomial.legendre.leggauss(64)
    x = (nodes + 1) / 2
    return float(0.25 * weights @ (_poly(x, w) - np.sin(2 * np.pi * x)) ** 2)


@mistake("regression.population_risk", "population_risk", Feedback(
    "the mean squared error without the ½",
    "The course's loss carries the factor ½ (as in R_emp = ‖Φw − y‖²/(2N)), on the noise term "
    "too.",
    "population-loss"))
def without_the_half(w, noise):
    """∫(f − f*)² + σ²: the mean squared error, not the lecture's ½."""
    nodes, weights = np.polynomial.legendre.leggauss(64)
    x = (nodes + 1) / 2
    return float(0.5 * weights @ (_poly(x, w) - np.sin(2 * np.pi * x)) ** 2 + noise**2)


@mistake("regression.population_risk", "population_risk")
def monte_carlo(w, noise):
    """A Monte Carlo average over 10⁴ random x (and noise): an estimate, off by ~1%."""
    rng = np.random.default_rng()
    x = rng.uniform(0, 1, size=10_000)
    y = np.sin(2 * np.pi * x) + noise * rng.standard_normal(10_000)
    return float(np.mean((_poly(x, w) - y) ** 2) / 2)


@mistake("regression.population_risk", "population_risk", Feedback(
    "Gauss–Legendre nodes left on [−1, 1]",
    "leggauss gives nodes and weights for [−1, 1]: map the nodes to [0, 1] with x = (t + 1)/2 "
    "and halve the weights.",
    "population-loss"))
def quadrature_nodes_not_mapped(w, noise):
    """Gauss–Legendre nodes used on [−1, 1] as if they lay in [0, 1]."""
    x, weights = np.polynomial.legendre.leggauss(64)
    return float(0.5 * weights @ (_poly(x, w) - np.sin(2 * np.pi * x)) ** 2 + noise**2 / 2)


@mistake("regression.population_risk", "population_risk", REVERSED_POWERS)
def polyval_order(w, noise):
    """np.polyval(w, x): the highest power first, the reverse of the basis x**j."""
    nodes, weights = np.polynomial.legendre.leggauss(64)
    x = (nodes + 1) / 2
    error = np.polyval(w, x) - np.sin(2 * np.pi * x)
    return float(0.25 * weights @ error**2 + noise**2 / 2)


@alternative("regression.population_risk", "population_risk")
def scipy_quad(w, noise):
    """scipy.integrate.quad of the squared error."""
    from scipy.integrate import quad

    def error(x):
        return (np.polynomial.polynomial.polyval(x, w) - np.sin(2 * np.pi * x)) ** 2

    return 0.5 * quad(error, 0.0, 1.0, epsabs=0.0, epsrel=1e-12, limit=200)[0] + noise**2 / 2


@alternative("regression.population_risk", "population_risk")
def fine_midpoint_rule(w, noise):
    """The midpoint rule on 10⁶ equal cells."""
    x = (np.arange(1_000_000) + 0.5) / 1_000_000
    error = np.polynomial.polynomial.polyval(x, w) - np.sin(2 * np.pi * x)
    return float(0.5 * np.mean(error**2) + noise**2 / 2)


@non_answer("regression.population_risk", "population_risk")
def noise_floor_only(w, noise):
    """σ²/2 alone, whatever the model."""
    return noise**2 / 2


# -- Q5 one_hot ------------------------------------------------------------------------


@mistake("regression.one_hot", "one_hot", Feedback(
    "K taken from the labels",
    "num_classes fixes K even when some class does not occur in labels.",
    "data-format"))
def classes_from_data(labels, num_classes):
    """K taken as max(label) + 1, ignoring num_classes."""
    return np.eye(labels.max() + 1 if labels.size else 0)[labels]


@mistake("regression.one_hot", "one_hot", Feedback(
    "no check of the label range",
    "NumPy indexing accepts −1 (the last row): raise ValueError for a label outside 0, …, K − "
    "1.",
    "data-format"))
def eye_indexing_without_checks(labels, num_classes):
    """np.eye(K)[labels]: a label of −1 silently selects the last class."""
    return np.eye(num_classes)[labels]


@mistake("regression.one_hot", "one_hot", Feedback(
    "labels treated as 1-based",
    "Class k has its 1 in column k, classes being numbered from 0.",
    "data-format"))
def one_based_labels(labels, num_classes):
    """Treats labels as 1-based (Y[i, labels[i] − 1] = 1)."""
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError("label out of range")
    Y = np.zeros((len(labels), num_classes))
    Y[np.arange(len(labels)), labels - 1] = 1.0
    return Y


@mistake("regression.one_hot", "one_hot")
def integer_codes(labels, num_classes):
    """Checks the labels, but returns int64 codes instead of the documented float64."""
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError("label out of range")
    return (labels[:, None] == np.arange(num_classes)).astype(np.int64)


@alternative("regression.one_hot", "one_hot")
def identity_rows_with_checks(labels, num_classes):
    """np.eye(K)[labels] after an explicit range check."""
    if np.any((labels < 0) | (labels >= num_classes)):
        raise ValueError("label out of range")
    return np.eye(num_classes)[labels]


@alternative("regression.one_hot", "one_hot")
def comparison_with_classes(labels, num_classes):
    """(labels[:, None] == arange(K)) as float64, after a range check."""
    if labels.size and not 0 <= labels.min() <= labels.max() < num_classes:
        raise ValueError("label out of range")
    return (labels[:, None] == np.arange(num_classes)).astype(np.float64)
