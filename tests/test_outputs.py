"""Output bounds and active-content removal, on outputs built here (no kernel)."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_output

from autograder.grading.active_content import (
    RemoveActiveContent,
    clean_cell,
    clean_html,
    clean_markdown,
    clean_output,
)
from autograder.grading.outputs import OutputBudget, OutputLimits, merged_streams, output_bytes

LIMITS = OutputLimits(per_output=100, per_cell=250, per_notebook=400)


def test_a_long_stream_is_cut_to_the_output_limit_with_a_note():
    budget = OutputBudget(LIMITS)
    kept = budget.admit(new_output("stream", name="stdout", text="é" * 1000), 0)
    assert output_bytes(kept) <= 100 and kept.text == "é" * 50
    note = budget.note(0)
    assert "cut or left out" in note.text and "largest 2 KiB" in note.text
    assert budget.note(0) is None  # said once


def test_cells_and_the_notebook_have_their_own_limits():
    budget = OutputBudget(LIMITS)
    kept = [budget.admit(new_output("stream", name="stdout", text="x" * 100), 0)
            for _ in range(4)]
    assert [len(k.text) if k else 0 for k in kept] == [100, 100, 50, 0]
    budget.admit(new_output("stream", name="stdout", text="y" * 100), 1)
    assert budget.admit(new_output("stream", name="stdout", text="z" * 100), 2).text == "z" * 50
    assert budget.admit(new_output("stream", name="stdout", text="w"), 3) is None


def test_a_large_image_keeps_only_its_text_form_and_cleared_outputs_free_room():
    budget = OutputBudget(LIMITS)
    image = new_output("display_data", data={"image/png": "A" * 500, "text/plain": "<Figure>"})
    kept = budget.admit(image, 0)
    assert kept.data == {"text/plain": "<Figure>"}
    outputs = [budget.admit(new_output("stream", name="stdout", text="x" * 100), 0)]
    budget.release(outputs, 0)
    assert budget.admit(new_output("stream", name="stdout", text="x" * 100), 0).text == "x" * 100


def test_a_line_cut_into_two_messages_is_one_output_and_nothing_moves():
    """How ``print``'s writes reach the grader depends on timing; a graded notebook does not:
    adjacent writes to one stream are one output, and text on either side of a plot or of
    the other stream stays on its side."""
    image = new_output("display_data", data={"image/png": "iVBOR", "text/plain": "<Figure>"})
    outputs = [new_output("stream", name="stdout", text="selected M = 4"),
               new_output("stream", name="stdout", text="\n"),
               new_output("stream", name="stderr", text="RuntimeWarning: overflow\n"),
               new_output("stream", name="stderr", text="noise\n"),
               image,
               new_output("stream", name="stdout", text="after the plot\n")]
    merged = merged_streams(outputs)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in merged] == [
        ("stream", "stdout", "selected M = 4\n"),
        ("stream", "stderr", "RuntimeWarning: overflow\nnoise\n"),
        ("display_data", None, None),
        ("stream", "stdout", "after the plot\n")]
    assert merged[2] is image
    every_cut = [new_output("stream", name="stdout", text=c) for c in "ab\ncd\n"]
    assert merged_streams(every_cut) == [new_output("stream", name="stdout", text="ab\ncd\n")]
    assert merged_streams([]) == []


def test_a_huge_traceback_is_cut():
    budget = OutputBudget(OutputLimits(per_output=1000, per_cell=1000, per_notebook=1000))
    error = new_output("error", ename="ValueError", evalue="v" * 10**6,
                       traceback=["line " * 100] * 1000)
    kept = budget.admit(error, 0)
    assert output_bytes(kept) <= 1000 and kept.ename == "ValueError"


@pytest.mark.parametrize("payload", [
    '<img src=x onerror="alert(1)">', "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>', '<svg onload="alert(1)"></svg>',
    '<iframe src="https://example.org"></iframe>', '<img src="https://example.org/t.png">',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
])
def test_html_loses_everything_active(payload):
    cleaned = clean_html(payload)
    for marker in ("onerror", "<script", "javascript:", "<svg", "<iframe", "https://", "data:",
                   "style"):
        assert marker not in cleaned


def test_plain_markdown_is_left_as_written_and_html_markdown_rendered_safe():
    plain = "A $\\lambda^2$ answer with **bold** and\n\n> a quote"
    assert clean_markdown(plain) == plain
    active = 'Answer <img src=x onerror="alert(1)"> with $a < b$\n\n[link](javascript:alert(1))'
    cleaned = clean_markdown(active)
    assert cleaned.startswith("<div>") and "\n" not in cleaned
    assert "onerror" not in cleaned and "javascript:" not in cleaned
    assert "$a &lt; b$" in cleaned  # math survives for MathJax


def test_outputs_are_rebuilt_from_allowed_fields():
    js = clean_output(new_output("display_data", data={"application/javascript": "alert(1)"}))
    assert list(js.data) == ["text/plain"] and "application/javascript" in js.data["text/plain"]
    image = clean_output({"output_type": "display_data",
                          "data": {"image/png": "AAAA\"><script>", "text/plain": "fig"},
                          "metadata": {"image/png": {"width": "1 onerror=alert(1)"}}})
    assert image.data == {"text/plain": "fig"} and image.metadata == {}
    result = clean_output({"output_type": "execute_result", "execution_count": "<script>",
                           "data": {"text/markdown": "<b onclick=x>b</b>"}, "metadata": {}})
    assert result.execution_count is None and list(result.data) == ["text/html"]
    assert "<b>b</b>" in result.data["text/html"] and "onclick" not in result.data["text/html"]
    stream = clean_output({"output_type": "stream", "name": 'stdout"><script>', "text": "t"})
    assert stream.name == "stdout"


def test_cells_prompts_ids_and_attachments_are_forced_into_shape():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("1", execution_count=1),
        new_markdown_cell("![x](attachment:a.svg)", attachments={
            "a.svg": {"image/svg+xml": "<svg onload=alert(1)>"},
            "b.png": {"image/png": "AAAA"}}),
    ])
    nb.cells[0]["execution_count"] = "<img src=x onerror=alert(1)>"
    nb.cells[0]["id"] = 'x"><script>'
    nb.metadata["widgets"] = {"state": {}}
    RemoveActiveContent().preprocess(nb, {})
    assert nb.cells[0].execution_count is None and nb.cells[0].id.isalnum()
    assert nb.cells[1].attachments == {"b.png": {"image/png": "AAAA"}}
    assert "widgets" not in nb.metadata
    raw = nbformat.v4.new_raw_cell("<script>alert(1)</script><b>raw</b>")
    clean_cell(raw)
    assert raw.source == "<b>raw</b>"
