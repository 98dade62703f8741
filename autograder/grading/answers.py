"""Strict decoding of a probe's output into :class:`Answer` values.

This runs in the grading process. The text it reads came from a student's kernel and is
hostile until proven otherwise: every field is type-checked, sizes are bounded, numbers
must be plain JSON numbers, and anything unexpected becomes an :class:`Answer` of kind
``"invalid"`` (which fails every check) rather than an exception or an object the student
chose. The numbers end up in this process's own NumPy arrays.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.grading.probe import MAX_ELEMENTS

#: The longest probe line accepted (bytes of JSON); a longer one is treated as tampering.
#: MAX_ELEMENTS numbers fit with room to spare; the grader's message limit is larger.
MAX_LINE = 4 * 1024 * 1024
_NUMERIC_DTYPES = {
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "float64",
}
_PARSE_CONSTANTS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


@dataclass(frozen=True)
class Answer:
    """What one call of a student function returned, as plain numbers.

    ``kind`` is one of ``"array"`` (NumPy), ``"tensor"`` (PyTorch), ``"scalar"``,
    ``"tuple"``, ``"list"``, ``"none"``, ``"error"`` (the function raised), ``"other"``
    (an object of another type), ``"too_large"``, ``"missing"`` (no answer came back) and
    ``"invalid"`` (the probe output was malformed).
    """

    kind: str
    values: np.ndarray | None = None  # float64 copy of the numbers, in the answer's shape
    dtype: str | None = None          # dtype the student's object claimed
    device: str | None = None         # tensors only
    input_device: str | None = None   # the device the inputs were created on
    items: tuple[Answer, ...] = ()
    type_name: str | None = None      # scalar's Python type, or the unexpected object's type
    error: str | None = None          # exception type name, for kind "error"
    message: str = ""                 # exception message or why it is invalid
    exact_type: bool = True           # False for ndarray/Tensor subclasses
    requires_grad: bool = False

    @property
    def shape(self) -> tuple[int, ...] | None:
        return None if self.values is None else tuple(self.values.shape)

    def describe(self) -> str:
        """A short student-facing description of what came back."""
        if self.kind == "error":
            suffix = f": {self.message}" if self.message else ""
            return f"raised {self.error}{suffix}"
        if self.kind in ("array", "tensor"):
            label = "NumPy array" if self.kind == "array" else f"tensor on {self.device}"
            return f"a {label} of shape {self.shape} and dtype {self.dtype}"
        if self.kind == "scalar":
            return f"a {self.type_name} ({self.values})"
        if self.kind in ("tuple", "list"):
            return f"a {self.kind} of {len(self.items)} items"
        if self.kind == "none":
            return "None"
        if self.kind == "other":
            return f"an object of type {self.type_name}"
        if self.kind == "too_large":
            return "an array too large to check"
        return self.message or self.kind


MISSING = Answer("missing", message="no answer came back from the notebook")


def _invalid(why: str) -> Answer:
    return Answer("invalid", message=f"the notebook's answer could not be read ({why})")


def _numbers(data: Any, shape: Any) -> np.ndarray:
    if not isinstance(shape, list) or len(shape) > 8:
        raise ValueError("bad shape")
    if not all(type(n) is int and 0 <= n <= MAX_ELEMENTS for n in shape):
        raise ValueError("bad shape")
    if not isinstance(data, list) or len(data) != math.prod(shape):
        raise ValueError("data does not match shape")
    if len(data) > MAX_ELEMENTS:
        raise ValueError("too many numbers")
    if not all(type(x) in (int, float, bool) for x in data):
        raise ValueError("non-numeric data")
    return np.array(data, dtype=np.float64).reshape(shape)


def decode_answer(raw: Any, depth: int = 0) -> Answer:
    """Build an :class:`Answer` from one decoded JSON value, validating every field."""
    if not isinstance(raw, dict) or depth > 4:
        return _invalid("not an object")
    kind = raw.get("kind")
    input_device = raw.get("input_device")
    input_device = input_device[:40] if isinstance(input_device, str) else None
    try:
        if kind in ("array", "tensor"):
            dtype = raw.get("dtype")
            if dtype not in _NUMERIC_DTYPES:
                return _invalid("unknown dtype")
            device = raw.get("device") if kind == "tensor" else None
            if device is not None and (not isinstance(device, str) or len(device) > 40):
                return _invalid("bad device")
            return Answer(kind, values=_numbers(raw.get("data"), raw.get("shape")), dtype=dtype,
                          device=device, input_device=input_device,
                          exact_type=raw.get("exact_type") is True,
                          requires_grad=raw.get("requires_grad") is True)
        if kind == "scalar":
            value = raw.get("value")
            type_name = raw.get("type")
            if type(value) not in (int, float, bool) or not isinstance(type_name, str):
                return _invalid("bad scalar")
            return Answer(kind, values=np.array(float(value)), type_name=type_name[:40],
                          input_device=input_device)
        if kind in ("tuple", "list"):
            items = raw.get("items")
            if not isinstance(items, list) or len(items) > 64:
                return _invalid("bad sequence")
            return Answer(kind, items=tuple(decode_answer(item, depth + 1) for item in items))
        if kind == "none":
            return Answer(kind)
        if kind == "error":
            error, message = raw.get("error"), raw.get("message", "")
            if not isinstance(error, str) or not isinstance(message, str):
                return _invalid("bad error")
            return Answer(kind, error=error[:80], message=message[:300])
        if kind in ("other", "too_large"):
            type_name = raw.get("type")
            return Answer(kind, type_name=type_name[:80] if isinstance(type_name, str) else "?")
    except (ValueError, TypeError, OverflowError) as exc:
        return _invalid(str(exc))
    return _invalid("unknown kind")


def decode_probe_line(line: str, expected: Mapping[str, object]) -> dict[str, Answer]:
    """Decode one probe line into ``{call name: Answer}`` for the calls in ``expected``.

    Calls the line does not answer get :data:`MISSING`; extra entries are ignored.
    """
    if len(line) > MAX_LINE:
        return {name: _invalid("too long") for name in expected}
    try:
        raw = json.loads(line, parse_constant=_PARSE_CONSTANTS.__getitem__)
    except (ValueError, KeyError, RecursionError):
        return {name: _invalid("not JSON") for name in expected}
    if not isinstance(raw, dict):
        return {name: _invalid("not an object") for name in expected}
    return {name: decode_answer(raw[name]) if name in raw else MISSING for name in expected}


def find_probe_line(stdout: str, nonce: str) -> str | None:
    """The single line of ``stdout`` that carries ``nonce``, or None if there is not exactly one."""
    lines = [line[len(nonce):] for line in stdout.splitlines() if line.startswith(nonce)]
    return lines[0] if len(lines) == 1 else None
