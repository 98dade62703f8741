"""nbgrader preprocessor that decides hidden-test verdicts outside the student's kernel.

:class:`HiddenTestsExecute` replaces nbgrader's ``Execute`` in
``c.Autograde.autograde_preprocessors`` (see the root ``nbgrader_config.py``), so stock
``nbgrader autograde`` uses it. It executes the notebook like ``Execute`` does, in a
sandboxed kernel (:mod:`autograder.sandbox.limits`), keeping the outputs within the bounds of
:mod:`autograder.grading.outputs` as they arrive. Once the notebook's last cell has run, it
probes each graded question in the same kernel, whose outputs are no longer kept:

1. a probe (:mod:`autograder.grading.probe`) calls the student's functions, as the whole
   notebook left them, on inputs generated here from a per-submission random seed, and
   reads back plain JSON numbers;
2. once the kernel is gone, the reference's answers on the same inputs are computed from the
   solution notebook (its solution cells' final state), the question's hidden pytest module
   runs in this process, and
3. the verdict replaces the grade cell's outputs, so nbgrader's ``SaveAutoGrades`` scores the
   verdict and nothing the kernel printed (fake pass messages, stderr noise, warnings).

No student cell runs after a probe and no output of the kernel is kept from then on:
whatever student code records during a probe, or prints while one runs, cannot reach the
notebook the TA and the student see. Where the kernel died before every reached question
was probed (a cell or a probe ended it), a second kernel whose outputs are never kept runs
the notebook's code again up to the last of them and probes them (``separate_probe_kernel``:
always).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import re
import resource
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_output, output_from_msg
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, default

from autograder.grading.answers import MAX_LINE, MISSING, decode_probe_line, find_probe_line
from autograder.grading.misconceptions import find_matches
from autograder.grading.outputs import OutputBudget, OutputLimits, merged_streams, refused_note
from autograder.grading.probe import kernel_code, new_nonce
from autograder.grading.runner import QuestionResult, make_calls, run_questions
from autograder.grading.verdict import (
    RECORD_KEY,
    graded_questions,
    is_grade_code_cell,
    reference_answers,
    verdict_outputs,
    verdict_record,
)
from autograder.sandbox.kernel import SandboxedKernelManager


@contextlib.contextmanager
def memory_guard(growth: int) -> Iterator[None]:
    """Let this process's heap grow by at most ``growth`` bytes meanwhile (RLIMIT_DATA): a
    kernel that sends one message of a thousand parts under the size limit would otherwise
    have ZeroMQ buffer all of it here. Past the limit ZeroMQ drops the connection (then
    reconnected) and Python raises MemoryError: the submission fails, the worker survives."""
    status = Path("/proc/self/status")
    if growth <= 0 or not status.is_file():
        yield
        return
    used = int(re.search(r"VmData:\s+(\d+) kB", status.read_text())[1]) * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = used + growth if hard == resource.RLIM_INFINITY else min(used + growth, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


class GradingEnvironmentError(RuntimeError):
    """The grading kernel cannot run the instructor's own code: no grade may be given."""


def is_setup_cell(cell: Any) -> bool:
    """A read-only code cell of the instructor's that is not a test (imports, data)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("locked")) and \
        not meta.get("grade") and not meta.get("solution")


def _first_error(cell: NotebookNode) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename', 'Error')}: {str(output.get('evalue', ''))[:200]}"
    return None


class HiddenTestsExecute(Execute):
    """Execute the notebook, probe each graded question, grade it here."""

    enabled = Bool(True).tag(config=True)
    seed = Integer(None, allow_none=True,
                   help="Seed for the hidden tests' random inputs (default: a fresh random "
                        "seed per submission, so outputs cannot be hard-coded).").tag(config=True)
    sandbox = Bool(True, help="Run the kernel in the sandbox of autograder.sandbox.limits.").tag(
        config=True)
    separate_probe_kernel = Bool(False, help="Probe in a second kernel that runs the notebook's "
                                             "code again (False: in the notebook's own kernel "
                                             "once its last cell has run, and in a second one "
                                             "only where that kernel died).").tag(config=True)
    max_output_bytes = Integer(OutputLimits.per_output, help="Largest output kept (bytes of "
                                                             "text or base64 image).").tag(
        config=True)
    max_cell_output_bytes = Integer(OutputLimits.per_cell, help="Outputs kept per cell.").tag(
        config=True)
    max_notebook_output_bytes = Integer(OutputLimits.per_notebook,
                                        help="Outputs kept per notebook.").tag(config=True)
    name_misconceptions = Bool(True, help="Tell a student whose failed answer matches a "
                                          "catalogued mistake which one (autograder.mistakes)."
                               ).tag(config=True)
    max_memory_growth = Integer(512 * 1024**2, help="How much this process's heap may grow "
                                                    "while it grades one notebook (0: no "
                                                    "limit).").tag(config=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.sandbox:
            self.kernel_manager_class = SandboxedKernelManager

    @default("shutdown_kernel")
    def _kill_when_done(self) -> str:
        """Nothing of a graded kernel is kept: kill it (0.3 s sooner than a graceful
        shutdown, and no atexit handler of the student's runs)."""
        return "immediate"

    # -- notebook level ---------------------------------------------------------------
    def preprocess(self, nb: NotebookNode, resources: Any = None,
                   km: Any = None) -> tuple[NotebookNode, Any]:
        self._questions = graded_questions(nb)
        seed = self.seed if self.seed is not None else secrets.randbits(63)
        self._calls = {q: make_calls(q, seed) for q in set(self._questions.values())}
        self._probe_lines: dict[str, str | None] = {}
        self._why_unanswered: dict[str, str] = {}
        self._reached: list[str] = []  # grade cells run in a live kernel, in order
        self._killers: set[str] = set()  # questions whose probe ended the kernel
        self._kernel_dead, self._in_probe, self._index, self._ran = False, False, -1, 0
        self._setup_error: str | None = None
        self._student_code_ran = False
        self._budget = OutputBudget(OutputLimits(self.max_output_bytes,
                                                 self.max_cell_output_bytes,
                                                 self.max_notebook_output_bytes))
        self._mode = "notebook"
        with memory_guard(self.max_memory_growth):
            nb, resources = super().preprocess(nb, resources, km=km)
            if self._pending():  # a second kernel, whose outputs are never kept
                self._mode, self._kernel_dead = "probe", False
                super().preprocess(self._probe_copy(nb), resources)
                self.nb = nb
        for grade_id in self._pending():
            self._why_unanswered.setdefault(grade_id, "the kernel died before this question "
                                                      "was checked")
        self._grade(nb, resources)
        return nb, resources

    def _pending(self) -> list[str]:
        """Reached questions with no answer yet, but those whose probe ended a kernel."""
        return [grade_id for grade_id in self._reached
                if grade_id not in self._probe_lines and grade_id not in self._killers]

    def _probe_copy(self, nb: NotebookNode) -> NotebookNode:
        """The notebook's code up to the last question still to probe, without outputs: not
        the later cells that ran, one of which may be what ended the first kernel (a
        memory bomb timed out, then killed it: run again, it would end this one too)."""
        pending = set(self._pending())
        last = max(i for i, cell in enumerate(nb.cells[:self._ran])
                   if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") in pending)
        shadow = copy.copy(nb)
        shadow.cells = [new_code_cell(cell.source, metadata=copy.deepcopy(cell.metadata))
                        if cell.cell_type == "code" else copy.deepcopy(cell)
                        for cell in nb.cells[:last + 1]]
        return shadow

    def _source_notebook(self, resources: Any) -> Path:
        coursedir = CourseDirectory(config=self.config)
        info = resources["nbgrader"]
        folder = coursedir.format_path(coursedir.source_directory, ".", info["assignment"])
        return Path(folder) / f"{info['notebook']}.ipynb"

    def _grade(self, nb: NotebookNode, resources: Any) -> None:
        if not self._questions:
            return
        student = {}
        for grade_id, question in self._questions.items():
            calls = self._calls[question]
            line = self._probe_lines.get(grade_id)
            student[question] = decode_probe_line(line, calls) if line is not None else \
                {name: MISSING for name in calls}
        source = self._source_notebook(resources)
        results = run_questions(student, reference_answers(source, self._calls), self._calls)
        matches = find_matches(student, results, self._calls, source) \
            if self.name_misconceptions else {}
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if is_grade_code_cell(cell) and grade_id in self._questions:
                question = self._questions[grade_id]
                result = results[question]
                if self._probe_lines.get(grade_id) is None:
                    result = self._unanswered(result, grade_id)
                cell.outputs = verdict_outputs(result, float(cell.metadata.nbgrader["points"]),
                                               matches.get(question))
                cell.metadata[RECORD_KEY] = verdict_record(question, result, matches.get(question))

    def _unanswered(self, result: QuestionResult, grade_id: str) -> QuestionResult:
        why = self._why_unanswered.get(grade_id, "the notebook did not reach this question "
                                                 "(the kernel died or the grading stopped)")
        if self._setup_error:
            why = f"the notebook's setup cell failed ({self._setup_error}), and {why}"
        for check in result.checks:
            check.passed, check.message = False, why
        return result

    # -- kernel ---------------------------------------------------------------------------
    def create_kernel_manager(self) -> Any:
        km = super().create_kernel_manager()
        if self._mode == "probe" and hasattr(km, "matplotlib_backend"):
            km.matplotlib_backend = "agg"  # nobody sees its figures
        return km

    # -- cell level ---------------------------------------------------------------------
    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        if not self._kernel_dead:
            cell, resources = self._run_cell(cell, resources, index)
        if index == len(self.nb.cells) - 1 and not self._kernel_dead and \
                (self._mode == "probe" or not self.separate_probe_kernel):
            self._probe_pending()
        return cell, resources

    def _run_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        self._index, self._timed_out = index, False
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._kernel_dead = True
        except CellTimeoutError:  # the output stopped arriving (see outputs.refused_note)
            self._timed_out = True
        if cell.cell_type == "code":
            cell.outputs = merged_streams(cell.outputs)
        if self._kernel_dead:
            return cell, resources
        if self._timed_out:
            cell.outputs.append(refused_note(self._message_limit()))
            self._reconnect()
        if self._mode != "probe":
            self._check_setup(cell)
            note = self._budget.note(index)
            if note is not None:
                cell.outputs.append(note)
            self._ran = index + 1
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if is_grade_code_cell(cell) and grade_id in self._questions and \
                    not self._kernel_dead:
                self._reached.append(grade_id)
        return cell, resources

    def _probe_pending(self) -> None:
        """After the last cell: probe each reached question, in order, until one ends the
        kernel (the rest are left to a second kernel)."""
        positions = {cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"): index
                     for index, cell in enumerate(self.nb.cells)}
        for grade_id in self._pending():
            cell = self.nb.cells[positions[grade_id]]
            self._probe_lines[grade_id] = self._probe(grade_id, positions[grade_id])
            self.nb.cells[positions[grade_id]] = cell  # execute_cell stored the probe there
            if self._kernel_dead:
                self._probe_lines.pop(grade_id)
                self._killers.add(grade_id)
                return

    def on_cell_executed(self, **kwargs: Any) -> None:
        """nbgrader's hook adds the reply's error when the kernel sent none: within bounds."""
        cell = kwargs["cell"]
        before = len(cell.outputs)
        super().on_cell_executed(**kwargs)
        added, cell.outputs[before:] = cell.outputs[before:], []
        for output in added:
            if self._in_probe:  # the reply's error says why the probe failed
                cell.outputs.append(output)
            elif self._mode != "probe":
                kept = self._budget.admit(output, self._index)
                cell.outputs += [kept] if kept is not None else []

    def _check_setup(self, cell: NotebookNode) -> None:
        """A setup cell that fails before any student code ran means the grading environment
        is broken (``lib`` not importable, say): stop rather than grade a class 0."""
        if cell.get("cell_type") != "code" or not cell.source.strip():
            return
        error = _first_error(cell) if is_setup_cell(cell) else None
        if error is not None and self._setup_error is None:
            self._setup_error = error
            if not self._student_code_ran:
                raise GradingEnvironmentError(
                    f"the notebook's setup cell failed in the grading kernel before any "
                    f"student code ran ({error}): the grading environment is broken (is the "
                    "course's lib importable in the sandbox?); no grade was given")
        if not cell.get("metadata", {}).get("nbgrader", {}).get("locked"):
            self._student_code_ran = True

    def _reconnect(self) -> None:
        """After a timeout the kernel may have sent a message the client refused, which
        ends ZeroMQ's connection: connect again (a kernel that does not answer is dead)."""
        reconnect = getattr(self.kc, "reconnect", None)
        if reconnect is None:
            return
        try:
            run_sync(reconnect)(timeout=self.timeout or 60)
        except RuntimeError:
            self._kernel_dead = True

    def _message_limit(self) -> int:
        return int(getattr(self.kc, "max_message_bytes", 0))

    async def _async_handle_timeout(self, timeout: int, cell: Any = None) -> Any:
        """nbclient's timeout (interrupt the kernel), then kill whatever the kernel started:
        an interrupt stops the kernel's own loop, not a fork bomb's children."""
        self._timed_out = True
        reply = await super()._async_handle_timeout(timeout, cell)
        kill_strays = getattr(self.km, "kill_strays", None)
        if kill_strays is not None and kill_strays():
            await asyncio.sleep(0.5)
            if kill_strays():  # still spawning after the interrupt: the kernel is lost
                self.log.warning("the kernel keeps starting processes: killing it")
                self.km.kill_strays(everything=True)
        return reply

    def _probe(self, grade_id: str, index: int) -> str | None:
        nonce = new_nonce()
        probe = new_code_cell(kernel_code(self._calls[self._questions[grade_id]], nonce))
        self._in_probe, self._probe_room, self._timed_out = True, MAX_LINE + 1024, False
        try:
            self.execute_cell(probe, index, store_history=False)
        except DeadKernelError:
            self._kernel_dead = True
            self._why_unanswered[grade_id] = "the kernel died while this question was checked"
            return None
        except CellTimeoutError:
            self._why_unanswered[grade_id] = "the answer did not arrive in time"
            self._reconnect()
            return None
        finally:
            self._in_probe = False
        if self._timed_out:
            self._reconnect()
        error = _first_error(probe)
        if error is not None and "CellTimeoutError" in error:
            self._why_unanswered[grade_id] = (f"the functions did not return within "
                                              f"{self.timeout} s")
        elif error is not None:
            self._why_unanswered[grade_id] = f"the check could not run in the kernel ({error})"
        else:
            self._why_unanswered[grade_id] = ("no answer came back from the notebook (its "
                                              "output was redirected or cut)")
        stdout = "".join(o.get("text", "") for o in probe.outputs
                         if o.get("output_type") == "stream")
        return find_probe_line(stdout, nonce)

    # -- messages, as they arrive ---------------------------------------------------------
    def output(self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None,
               cell_index: int) -> NotebookNode | None:
        if self._in_probe:  # only the probe's own line is kept, and only so much of it
            return self._probe_output(outs, msg)
        if self._mode == "probe":  # the probe kernel's outputs are never kept
            return None
        if self.clear_before_next_output:
            self._budget.release(outs, cell_index)
        out = super().output(outs, msg, display_id, cell_index)
        if out is None or not outs or outs[-1] is not out:
            return out
        kept = self._budget.admit(out, cell_index)
        if kept is None:
            outs.pop()
        return kept

    def _probe_output(self, outs: list[NotebookNode], msg: dict[str, Any]) -> None:
        content = msg.get("content", {})
        if msg.get("msg_type") == "error":
            outs.append(new_output("error", ename=str(content.get("ename", ""))[:100],
                                   evalue=str(content.get("evalue", ""))[:300], traceback=[]))
        elif msg.get("msg_type") == "stream" and content.get("name") == "stdout":
            text = str(content.get("text", ""))[:self._probe_room]
            self._probe_room -= len(text)
            outs.append(new_output("stream", name="stdout", text=text))

    def clear_output(self, outs: list[NotebookNode], msg: dict[str, Any],
                     cell_index: int) -> None:
        if not msg.get("content", {}).get("wait"):
            self._budget.release(outs, cell_index)
        super().clear_output(outs, msg, cell_index)

    def _update_display_id(self, display_id: str, msg: dict[str, Any]) -> None:
        """Display updates reach the running cell only (never an earlier one, and nothing
        during a probe), within its bounds."""
        if self._in_probe or self._mode == "probe":
            return
        outputs = self.nb.cells[self._index].get("outputs", [])
        for position in self._display_id_map.get(display_id, {}).get(self._index, []):
            if position >= len(outputs):
                continue
            if msg["header"]["msg_type"] == "update_display_data":
                msg["header"]["msg_type"] = "display_data"
            new = output_from_msg(msg)
            self._budget.release([outputs[position]], self._index)
            kept = self._budget.admit(new, self._index)
            if kept is not None:
                outputs[position] = kept

    def handle_comm_msg(self, outs: list[NotebookNode], msg: dict[str, Any],
                        cell_index: int) -> None:
        """Widgets are not graded: their messages (and state) are dropped, not stored."""
