"""Device choice for PyTorch code, in the style of Dive into Deep Learning's helpers."""

from __future__ import annotations

from typing import Any


def best_device() -> Any:
    """The fastest available ``torch.device``: CUDA, then Apple MPS, then the CPU."""
    import torch

    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe(device: Any) -> str:
    """A one-line description of ``device`` for notebook output."""
    import torch

    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return str(device)
