"""nbgrader preprocessor that decides hidden-test verdicts outside the student's kernel.

:class:`HiddenTestsExecute` replaces nbgrader's ``Execute`` in
``c.Autograde.autograde_preprocessors`` (see the root ``nbgrader_config.py``), so stock
``nbgrader autograde`` uses it. It executes the notebook like ``Execute`` does, in a
sandboxed kernel (:mod:`autograder.sandbox.limits`), and after each autograder-test cell whose
hidden block names a question it

1. sends a probe (:mod:`autograder.grading.probe`) that calls the student's functions on inputs
   generated here from a per-submission random seed, and reads back plain JSON numbers;
2. once the kernel is gone, computes the reference's answers on the same inputs from the
   solution notebook, runs the question's hidden pytest module in this process, and
3. replaces the cell's outputs by the verdict, so nbgrader's ``SaveAutoGrades`` scores the
   verdict and nothing the kernel printed (fake pass messages, stderr noise, warnings).
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

from autograder.grading.answers import MISSING, decode_probe_line, find_probe_line
from autograder.grading.probe import kernel_code, new_nonce
from autograder.grading.runner import QuestionResult, make_calls, run_questions
from autograder.grading.verdict import (
    graded_questions,
    is_grade_code_cell,
    reference_answers,
    verdict_outputs,
)
from autograder.sandbox.kernel import SandboxedKernelManager


class HiddenTestsExecute(Execute):
    """Execute the notebook, probe each graded question, grade it here."""

    enabled = Bool(True).tag(config=True)
    seed = Integer(None, allow_none=True,
                   help="Seed for the hidden tests' random inputs (default: a fresh random "
                        "seed per submission, so outputs cannot be hard-coded).").tag(config=True)
    sandbox = Bool(True, help="Run the kernel in the sandbox of autograder.sandbox.limits.").tag(
        config=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.sandbox:
            self.kernel_manager_class = SandboxedKernelManager

    # -- notebook level ---------------------------------------------------------------
    def preprocess(self, nb: NotebookNode, resources: Any = None,
                   km: Any = None) -> tuple[NotebookNode, Any]:
        self._questions = graded_questions(nb)
        seed = self.seed if self.seed is not None else secrets.randbits(63)
        self._calls = {q: make_calls(q, seed) for q in set(self._questions.values())}
        self._probe_lines: dict[str, str | None] = {}
        self._kernel_dead = False
        nb, resources = super().preprocess(nb, resources, km=km)
        self._grade(nb, resources)
        return nb, resources

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
        reference = reference_answers(self._source_notebook(resources), self._calls)
        results = run_questions(student, reference, self._calls)
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if is_grade_code_cell(cell) and grade_id in self._questions:
                result = results[self._questions[grade_id]]
                if self._probe_lines.get(grade_id) is None:
                    result = self._unanswered(result)
                cell.outputs = verdict_outputs(result, float(cell.metadata.nbgrader["points"]))

    def _unanswered(self, result: QuestionResult) -> QuestionResult:
        why = ("the kernel died before this question was checked" if self._kernel_dead
               else "no answer came back from the notebook (did it time out or exit?)")
        for check in result.checks:
            check.passed, check.message = False, f"{why}"
        return result

    # -- cell level ---------------------------------------------------------------------
    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        if self._kernel_dead:
            return cell, resources
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._kernel_dead = True
            return cell, resources
        except CellTimeoutError as exc:
            cell.outputs.append(new_output("error", ename="CellTimeoutError",
                                           evalue=str(exc).splitlines()[0], traceback=[]))
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if is_grade_code_cell(cell) and grade_id in self._questions:
            self._probe_lines[grade_id] = self._probe(self._calls[self._questions[grade_id]],
                                                      index)
            self.nb.cells[index] = cell  # execute_cell stored the probe cell there
        return cell, resources

    async def _async_handle_timeout(self, timeout: int, cell: Any = None) -> Any:
        """nbclient's timeout (interrupt the kernel), then kill whatever the kernel started:
        an interrupt stops the kernel's own loop, not a fork bomb's children."""
        reply = await super()._async_handle_timeout(timeout, cell)
        kill_strays = getattr(self.km, "kill_strays", None)
        if kill_strays is not None and kill_strays():
            await asyncio.sleep(0.5)
            if kill_strays():  # still spawning after the interrupt: the kernel is lost
                self.log.warning("the kernel keeps starting processes: killing it")
                self.km.kill_strays(everything=True)
        return reply

    def _probe(self, calls: Any, index: int) -> str | None:
        nonce = new_nonce()
        probe = new_code_cell(kernel_code(calls, nonce))
        try:
            self.execute_cell(probe, index, store_history=False)
        except DeadKernelError:
            self._kernel_dead = True
            return None
        except CellTimeoutError:
            return None
        stdout = "".join(o.get("text", "") for o in probe.outputs
                         if o.get("output_type") == "stream" and o.get("name") == "stdout")
        return find_probe_line(stdout, nonce)
