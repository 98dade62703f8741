"""The only code the autograder runs inside a student's kernel.

A *probe* calls the student's functions on inputs chosen by the grading process and
prints the results as plain JSON numbers on one line that starts with a random nonce.
Nothing else crosses from the kernel to the grader: no pickles, no objects, no verdicts.
Whatever the kernel prints is only the student's *claim* about what their function
returns; the grading process decodes it strictly (:mod:`autograder.grading.answers`) and compares
it with the reference in its own interpreter.

``PROBE_SOURCE`` is self-contained on purpose: it is sent to the kernel as text, so it
may import only what a student notebook already has (numpy, optionally torch). The same
source is executed in-process by :func:`probe_in_process` for the reference solution and
for the mistake catalogue, so both sides of every comparison go through one encoder.
"""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Numbers one probe sends back at most, all answers together (a student returning a huge
#: array gets "too large", and the line stays far below the grader's message limit; the
#: largest reference answer of all questions has about 2,000 numbers).
MAX_ELEMENTS = 100_000

PROBE_SOURCE = r'''
def _autograder_probe(namespace, calls, nonce, max_elements):
    import json as _json
    import sys as _sys
    import numpy as _np

    def _torch():
        return _sys.modules.get("torch")

    def _device(name):
        if name != "auto":
            return _torch().device(name)
        from lib.device import best_device  # the device the notebooks themselves use
        return best_device()

    def decode(spec):
        kind = spec["kind"]
        if kind == "array":
            return _np.array(spec["data"], dtype=spec["dtype"]).reshape(spec["shape"])
        if kind == "tensor":
            import torch
            array = _np.array(spec["data"], dtype=spec["dtype"]).reshape(spec["shape"])
            return torch.from_numpy(array).to(_device(spec["device"]))
        if kind == "scalar":
            return spec["value"]
        if kind == "tuple":
            return tuple(decode(item) for item in spec["items"])
        if kind == "none":
            return None
        raise ValueError("unknown argument kind " + repr(kind))

    left = [max_elements]

    def flat(array):
        if array.size > left[0]:
            return None
        left[0] -= array.size
        return _np.ravel(array).tolist()

    def encode(value, depth=0):
        torch = _torch()
        if value is None:
            return {"kind": "none"}
        if isinstance(value, bool):
            return {"kind": "scalar", "type": "bool", "value": bool(value)}
        if isinstance(value, (int, float)):
            return {"kind": "scalar", "type": type(value).__name__, "value": float(value)}
        if isinstance(value, _np.generic) and value.dtype.kind in "biuf":
            return {"kind": "scalar", "type": "numpy." + str(value.dtype), "value": float(value)}
        if isinstance(value, _np.ndarray) and value.dtype.kind in "biuf":
            data = flat(_np.asarray(value))
            if data is None:
                return {"kind": "too_large", "shape": list(value.shape)}
            return {"kind": "array", "dtype": str(value.dtype), "shape": list(value.shape),
                    "data": data, "exact_type": type(value) is _np.ndarray}
        if torch is not None and isinstance(value, torch.Tensor):
            if type(value) is not torch.Tensor:  # a subclass may intercept every method
                return {"kind": "other", "type": "Tensor subclass " + type(value).__name__[:60]}
            detached = value.detach()
            array = detached.to("cpu").numpy() if detached.dtype != torch.bfloat16 else \
                detached.to("cpu", torch.float32).numpy()
            data = flat(array)
            if data is None:
                return {"kind": "too_large", "shape": list(array.shape)}
            return {"kind": "tensor", "dtype": str(detached.dtype).replace("torch.", ""),
                    "shape": list(array.shape), "data": data, "device": str(detached.device),
                    "requires_grad": bool(value.requires_grad), "exact_type": True}
        if isinstance(value, (tuple, list)) and depth < 3:
            return {"kind": type(value).__name__ if type(value) in (tuple, list) else "tuple",
                    "items": [encode(item, depth + 1) for item in value]}
        return {"kind": "other", "type": type(value).__name__[:80]}

    results = {}
    for name, call in calls.items():
        function = namespace.get(call["function"])
        if function is None:
            results[name] = {"kind": "error", "error": "NameError",
                             "message": call["function"] + " is not defined"}
            continue
        try:
            args = [decode(arg) for arg in call["args"]]
            value = function(*args)
            # "echo": report an argument as it is after the call (was it modified in place?)
            results[name] = encode(value if "echo" not in call else args[call["echo"]])
            if "inputs_on" in call:
                results[name]["input_device"] = str(_device(call["inputs_on"]))
        except Exception as exc:
            results[name] = {"kind": "error", "error": type(exc).__name__,
                             "message": str(exc)[:300]}
    _sys.stdout.write(nonce + _json.dumps(results) + "\n")
    _sys.stdout.flush()
'''


@dataclass(frozen=True)
class Call:
    """One call of a student function: ``function(*args)``, with numeric arguments.

    Arguments may be NumPy arrays, Python numbers, ``None``, tuples of these, or
    :class:`TensorArg` for PyTorch questions. With ``echo=i`` the answer is not the
    function's result but its argument ``i`` as it is after the call, which tells whether
    the function modified an input it was told to leave alone.
    """

    function: str
    args: tuple[Any, ...]
    echo: int | None = None

    def __init__(self, function: str, *args: Any, echo: int | None = None) -> None:
        if echo is not None and not 0 <= echo < len(args):
            raise ValueError(f"echo={echo}: no such argument")
        object.__setattr__(self, "function", function)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "echo", echo)


@dataclass(frozen=True)
class TensorArg:
    """A tensor argument: created in the kernel from ``array`` on ``device``.

    ``device="auto"`` means the kernel's best device (CUDA, then MPS, then CPU).
    """

    array: np.ndarray
    dtype: str = "float32"
    device: str = "auto"


def encode_argument(arg: Any) -> dict[str, Any]:
    """Encode one argument as plain JSON data for the kernel."""
    if isinstance(arg, TensorArg):
        array = np.asarray(arg.array)
        return {"kind": "tensor", "dtype": arg.dtype, "device": arg.device,
                "shape": list(array.shape), "data": array.ravel().tolist()}
    if isinstance(arg, np.ndarray):
        return {"kind": "array", "dtype": str(arg.dtype), "shape": list(arg.shape),
                "data": arg.ravel().tolist()}
    if arg is None:
        return {"kind": "none"}
    if isinstance(arg, bool | int | float | str):
        return {"kind": "scalar", "value": arg}
    if isinstance(arg, tuple):
        return {"kind": "tuple", "items": [encode_argument(item) for item in arg]}
    raise TypeError(f"cannot send an argument of type {type(arg).__name__} to a kernel")


def encode_calls(calls: Mapping[str, Call]) -> dict[str, dict[str, Any]]:
    """Encode the calls of one question for :data:`PROBE_SOURCE`."""
    encoded = {}
    for name, call in calls.items():
        entry: dict[str, Any] = {"function": call.function,
                                 "args": [encode_argument(a) for a in call.args]}
        devices = {a.device for a in call.args if isinstance(a, TensorArg)}
        if devices:
            entry["inputs_on"] = devices.pop()
        if call.echo is not None:
            entry["echo"] = call.echo
        encoded[name] = entry
    return encoded


def new_nonce() -> str:
    """A marker the student cannot guess in advance, prefixed to the probe's output line."""
    return f"@@autograder-{secrets.token_hex(16)}@@"


def kernel_code(calls: Mapping[str, Call], nonce: str) -> str:
    """Python source that runs the probe in a student's kernel, leaving no names behind.

    One line that compiles the probe: IPython transforms and parses a cell's source before
    running it, 12 ms of the kernel's CPU for the probe's hundred lines, 1 ms for a string.
    """
    payload = json.dumps(encode_calls(calls))
    source = (PROBE_SOURCE
              + f"\n_autograder_probe(globals(), __import__('json').loads({payload!r}), "
              f"{nonce!r}, {MAX_ELEMENTS})\ndel _autograder_probe\n")
    return f"exec(compile({source!r}, '<autograder-probe>', 'exec'))\n"


@functools.cache
def _compiled_probe() -> Any:
    return compile(PROBE_SOURCE, "<autograder-probe>", "exec")


def probe_in_process(calls: Mapping[str, Call], namespace: Mapping[str, Any]) -> str:
    """Run the probe here, on ``namespace`` (the reference or a mistake); return its line."""
    import contextlib
    import io

    scope: dict[str, Any] = {}
    exec(_compiled_probe(), scope)
    buffer = io.StringIO()
    nonce = new_nonce()
    with contextlib.redirect_stdout(buffer):
        scope["_autograder_probe"](dict(namespace), encode_calls(calls), nonce, MAX_ELEMENTS)
    return buffer.getvalue()[len(nonce):]
