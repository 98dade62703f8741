"""Bounds on what a kernel's outputs may cost the grader, enforced as messages arrive.

A student's kernel can print a line of a gigabyte, display a huge image or raise an
exception with a huge traceback. Two layers keep the grading process's memory bounded:

* the client's sockets refuse any message part larger than ``max_message_bytes`` and queue
  few messages (:class:`autograder.sandbox.kernel.BoundedKernelClient`), so a flood never
  reaches this process's memory in one piece;
* :class:`OutputBudget` admits each output as it arrives: no output larger than
  ``per_output`` bytes, no cell's outputs larger than ``per_cell``, no notebook's larger than
  ``per_notebook``. What does not fit is cut (text) or left out (images, other data), and
  the cell gets a note that the TA and the student can read.

Sizes are bytes of UTF-8 text (images count their base64 text).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output

NOTE_PREFIX = "[autograder] "


def human(size: int) -> str:
    """``size`` bytes in words (KiB, MiB, GiB)."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{size} bytes"


def _text_bytes(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, list | tuple):
        return sum(_text_bytes(item) for item in value)
    if isinstance(value, dict):
        return sum(_text_bytes(k) + _text_bytes(v) for k, v in value.items())
    return 8


def output_bytes(output: Any) -> int:
    """What an output costs: its text, data, traceback and metadata."""
    return sum(_text_bytes(output.get(key)) for key in
               ("text", "data", "metadata", "ename", "evalue", "traceback") if key in output)


def _cut(text: str, limit: int) -> str:
    """The first ``limit`` bytes of ``text``, on a character boundary."""
    return text.encode("utf-8", "surrogatepass")[:max(0, limit)].decode("utf-8", "ignore")


@dataclass(frozen=True)
class OutputLimits:
    per_output: int = 2 * 1024**2
    per_cell: int = 4 * 1024**2
    per_notebook: int = 16 * 1024**2

    def describe(self) -> str:
        return (f"{human(self.per_output)} per output, {human(self.per_cell)} per cell, "
                f"{human(self.per_notebook)} per notebook")


@dataclass
class OutputBudget:
    """Admits a notebook's outputs, cell by cell, within :class:`OutputLimits`."""

    limits: OutputLimits
    used: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    cut: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    def _room(self, index: int) -> int:
        notebook_left = self.limits.per_notebook - sum(self.used.values())
        return max(0, min(self.limits.per_output, self.limits.per_cell - self.used[index],
                          notebook_left))

    def admit(self, output: NotebookNode, index: int) -> NotebookNode | None:
        """``output`` as it may be kept in cell ``index`` (cut or None if it does not fit)."""
        size = output_bytes(output)
        room = self._room(index)
        if size > room:
            self.cut[index].append(size)
            output = self._shrink(output, room)
            if output is None:
                return None
            size = output_bytes(output)
        self.used[index] += size
        return output

    def release(self, outputs: list[NotebookNode], index: int) -> None:
        """Outputs cleared by the kernel (``clear_output``) no longer count."""
        self.used[index] = max(0, self.used[index] - sum(map(output_bytes, outputs)))

    @staticmethod
    def _shrink(output: NotebookNode, room: int) -> NotebookNode | None:
        kind = output.get("output_type")
        if kind == "stream" and room > 0:
            output["text"] = _cut(output.get("text", ""), room)
            return output
        if kind == "error" and room > 0:
            output["ename"] = _cut(str(output.get("ename", "")), 200)
            output["evalue"] = _cut(str(output.get("evalue", "")), room // 4)
            lines, left = [], room - _text_bytes(output["evalue"]) - 200
            for line in output.get("traceback", []):
                line = _cut(str(line), left)
                left -= _text_bytes(line)
                if not line:
                    break
                lines.append(line)
            output["traceback"] = lines
            return output
        if kind in ("display_data", "execute_result") and room > 0:
            plain = _cut(str(output.get("data", {}).get("text/plain", "")), room)
            if plain:  # the text form, when that much fits
                output["data"], output["metadata"] = {"text/plain": plain}, {}
                return output
        return None

    def note(self, index: int) -> NotebookNode | None:
        """A stderr note on the outputs of cell ``index`` that were cut or left out."""
        sizes = self.cut.pop(index, [])
        if not sizes:
            return None
        return new_output("stream", name="stderr", text=(
            f"{NOTE_PREFIX}{len(sizes)} output(s) of this cell were cut or left out "
            f"(largest {human(max(sizes))}): the grader keeps at most {self.limits.describe()}.\n"))


def merged_streams(outputs: list[NotebookNode]) -> list[NotebookNode]:
    """``outputs`` with each run of adjacent stream outputs of one name (stdout, stderr)
    merged into one, in order. How a kernel's writes are cut into messages depends on
    timing (``print`` may send its newline in a message of its own); a graded notebook
    must not. Text on either side of a plot or another output stays where it was. Each
    run's text is joined once (a kernel may send thousands of fragments)."""
    merged: list[NotebookNode] = []
    for (kind, name), run in itertools.groupby(outputs, key=_stream_of):
        pieces = list(run)
        if kind == "stream" and len(pieces) > 1:
            merged.append(new_output("stream", name=name,
                                     text="".join(o.get("text", "") for o in pieces)))
        else:
            merged.extend(pieces)
    return merged


def _stream_of(output: NotebookNode) -> tuple[str | None, Any]:
    """What groups adjacent outputs: a stream's name; any other output stands alone."""
    if output.get("output_type") == "stream":
        return "stream", output.get("name")
    return None, id(output)


def refused_note(max_message_bytes: int) -> NotebookNode:
    """The note for a cell whose output stopped arriving (a message part over the limit
    is refused by the client's sockets, and what follows it may be lost)."""
    return new_output("stream", name="stderr", text=(
        f"{NOTE_PREFIX}the output of this cell was cut: the kernel sent a message larger "
        f"than the grader accepts ({human(max_message_bytes)}), or its output did not "
        "finish in time.\n"))
