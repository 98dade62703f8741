"""One full-batch gradient-descent iteration on CUDA against the device's copy bandwidth.

    python benchmarks/gpu_bandwidth.py

N = 10⁶, d = 1000 float32 (Φ is 4 GB, generated on the device). One iteration of the
reference ``gradient_descent`` (from the solution notebook) reads Φ twice — u = Φw and
Φᵀ(μ − y) — so it moves at least 2·N·M·4 bytes; everything else is O(N). The iteration time
is the difference between runs of 2K and K steps divided by K (this removes the extra loss
evaluation at the end and the launch overhead). The reference bandwidth is that of a 1 GiB
device-to-device copy (read + write = 2 bytes moved per byte copied). Target: ≥ 60%.

Without CUDA it prints a skip line and exits 0. The last line is
``bandwidth_fraction=<achieved/copy>`` (or the skip line).
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

N, D, K = 1_000_000, 1000, 10


def cuda_seconds(fn, repeat: int = 5) -> float:
    """Fastest of ``repeat`` runs, timed with CUDA events."""
    fn()
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(repeat):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        best = min(best, start.elapsed_time(end) / 1e3)
    return best


def copy_bandwidth(device: torch.device) -> tuple[float, float]:
    """Seconds for a 1 GiB device-to-device copy, and bytes moved (read + write) per second."""
    source = torch.empty(256 * 1024**2, dtype=torch.float32, device=device)
    target = torch.empty_like(source)
    seconds = cuda_seconds(lambda: target.copy_(source))
    return seconds, 2 * source.numel() * 4 / seconds


def main() -> int:
    if not torch.cuda.is_available():
        print("skip: no CUDA device (torch.cuda.is_available() is False); "
              "run this benchmark on a GPU machine")
        return 0
    import lib
    from autograder.grading.reference import reference_namespace

    ns = reference_namespace(ROOT / "solutions" / "03-logistic-gpu" / "logistic.ipynb")
    device = torch.device("cuda")
    print("device:", lib.device.describe(device))

    copy_s, copy_bw = copy_bandwidth(device)
    print(f"device-to-device copy of 1 GiB: {copy_s * 1e3:.3f} ms, {copy_bw / 1e9:.0f} GB/s")

    generator = torch.Generator(device=device).manual_seed(0)
    Phi = torch.randn(N, D + 1, device=device, generator=generator)
    Phi[:, 0] = 1.0
    w_true = torch.randn(D + 1, device=device, generator=generator) / D**0.5
    y = (torch.rand(N, device=device, generator=generator) < torch.sigmoid(Phi @ w_true)).float()
    w0 = torch.zeros(D + 1, device=device)
    gd = ns["gradient_descent"]
    t_k = cuda_seconds(lambda: gd(Phi, y, w0, 0.5, K), repeat=3)
    t_2k = cuda_seconds(lambda: gd(Phi, y, w0, 0.5, 2 * K), repeat=3)
    iteration_s = (t_2k - t_k) / K
    moved = 2 * N * (D + 1) * 4
    achieved = moved / iteration_s
    print(f"one GD iteration on N = {N}, M = {D + 1} float32: {iteration_s * 1e3:.3f} ms, "
          f"reads {moved / 1e9:.2f} GB -> {achieved / 1e9:.0f} GB/s")
    print(f"bandwidth_fraction={achieved / copy_bw:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
