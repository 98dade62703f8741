"""Assignment 3's reference Newton solver against scikit-learn's lbfgs, on the CPU.

    python benchmarks/logistic_vs_sklearn.py [--threads 1] [--repeat 5]

N = 200 000, d = 100 synthetic data (lib.logistic.synthetic, non-separable). scikit-learn:
LogisticRegression(solver="lbfgs", tol=1e-8, C=1e10) — no effective penalty. Ours: ``newton``
read from the solution notebook (autograder.grading.reference, not a copy) on float32 tensors, with
the same (negligible) ridge λ = 1/(C·N) and a stopping tolerance on the Newton decrement. Our
time includes building the float32 tensors from the float64 NumPy data with
``lib.logistic.to_tensors``, as the notebook does. Both log-losses are evaluated the same way,
in float64 NumPy, on the same data.

Both sides get the same number of threads (``--threads``: torch's and the BLAS/OpenMP pools
scikit-learn and SciPy use, set with threadpoolctl): on a shared machine more threads than
free cores spin against each other and make either side 2 to 10 times slower. Each solver
runs ``--repeat`` times, interleaved, and the median counts.

The last line is ``time_ratio=<ours/sklearn> logloss_gap=<ours − sklearn's>``; the target is
time_ratio ≤ 0.8 with logloss_gap ≤ 1e-6. Before it, a per-operation profile of one Newton step.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lib  # noqa: E402
from autograder.grading.reference import reference_namespace  # noqa: E402

N, D, C = 200_000, 100, 1e10
NEWTON_TOL = 1e-10  # stop once the Newton decrement (≈ 2·(E − E*)) is below this


def log_loss(Phi: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    u = Phi @ np.asarray(w, dtype=np.float64)
    return float(np.mean(np.logaddexp(0.0, u) - y * u))


def run_sklearn(X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, int]:
    start = time.perf_counter()
    model = LogisticRegression(C=C, tol=1e-8, max_iter=10_000).fit(X, y)
    seconds = time.perf_counter() - start
    return seconds, np.concatenate([model.intercept_, model.coef_.ravel()]), int(model.n_iter_[0])


def run_ours(newton, Phi: np.ndarray, y: np.ndarray, dtype: torch.dtype
             ) -> tuple[float, np.ndarray, int]:
    start = time.perf_counter()
    P, t = lib.logistic.to_tensors(Phi, y, device="cpu", dtype=str(dtype)[6:])
    w, losses = newton(P, t, 1.0 / (C * len(y)), 50, tol=NEWTON_TOL)
    seconds = time.perf_counter() - start
    return seconds, w.double().numpy(), len(losses) - 1


def profile_one_step(ns: dict, Phi: np.ndarray, y: np.ndarray, dtype: torch.dtype) -> None:
    """Time each operation of one Newton step, as the reference performs it."""
    P, t = lib.logistic.to_tensors(Phi, y, device="cpu", dtype=str(dtype)[6:])
    n = P.shape[0]
    w = torch.zeros(P.shape[1], dtype=dtype)
    Phi_s = torch.empty_like(P)
    state: dict = {}

    def op(name: str, fn) -> None:
        fn()
        start = time.perf_counter()
        for _ in range(3):
            fn()
        print(f"  {name:<44} {(time.perf_counter() - start) / 3 * 1e3:8.2f} ms")

    print(f"profile of one Newton step ({str(dtype)[6:]}, N = {n}, M = {P.shape[1]}, "
          f"{torch.get_num_threads()} threads):")
    op("u = Phi @ w", lambda: state.update(u=P @ w))
    op("mu = sigmoid(u)", lambda: state.update(mu=ns["sigmoid"](state["u"])))
    op("g = Phi.T @ (mu - y) / N", lambda: state.update(g=P.T @ (state["mu"] - t) / n))
    op("Phi_s = Phi * sqrt(mu (1 - mu) / N) (into buffer)", lambda: torch.mul(
        P, torch.sqrt(state["mu"] * (1 - state["mu"]) / n)[:, None], out=Phi_s))
    op("Phi_s = Phi * sqrt(...) (fresh allocation)", lambda: P * torch.sqrt(
        state["mu"] * (1 - state["mu"]) / n)[:, None])
    op("H = Phi_s.T @ Phi_s", lambda: state.update(H=Phi_s.T @ Phi_s))
    op("cholesky + cholesky_solve", lambda: torch.cholesky_solve(
        state["g"][:, None], torch.linalg.cholesky(state["H"] + 1e-8 * torch.eye(P.shape[1],
                                                                                  dtype=dtype))))
    op("du = Phi @ step", lambda: P @ state["g"])
    op("loss from u (one line-search trial)", lambda: torch.mean(
        torch.clamp(state["u"], min=0) + torch.log1p(torch.exp(-torch.abs(state["u"])))
        - t * state["u"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="threads for both sides")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads):
        compare(args.repeat)


def compare(repeat: int) -> None:
    ns = reference_namespace(ROOT / "solutions" / "03-logistic-gpu" / "logistic.ipynb")
    X, y = lib.logistic.synthetic(N, D, seed=0)
    Phi = lib.logistic.add_bias(X)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) \
        if Path("/proc/loadavg").exists() else "unknown"
    print(f"N = {N}, d = {D}; torch {torch.__version__}; {torch.get_num_threads()} thread(s) "
          f"for both sides; load average {load}")
    runs: dict[str, list] = {"sklearn": [], "ours float32": [], "ours float64": []}
    for _ in range(repeat):
        runs["sklearn"].append(run_sklearn(X, y))
        runs["ours float32"].append(run_ours(ns["newton"], Phi, y, torch.float32))
    runs["ours float64"].append(run_ours(ns["newton"], Phi, y, torch.float64))
    median = {name: statistics.median(r[0] for r in results) for name, results in runs.items()}
    loss_sk = log_loss(Phi, y, runs["sklearn"][0][1])
    for name, results in runs.items():
        _, w, iterations = results[0]
        gap = log_loss(Phi, y, w) - loss_sk
        print(f"{name:<13} median {median[name]:7.3f} s  {iterations:3d} iterations  "
              f"log-loss {log_loss(Phi, y, w):.12f}  gap {gap:+.1e}  "
              f"(all runs: {', '.join(f'{r[0]:.3f}' for r in results)} s)")
    profile_one_step(ns, Phi, y, torch.float32)
    ratio = median["ours float32"] / median["sklearn"]
    gap = log_loss(Phi, y, runs["ours float32"][0][1]) - loss_sk
    print(f"time_ratio={ratio:.3f} logloss_gap={gap:.2e}")


if __name__ == "__main__":
    main()
