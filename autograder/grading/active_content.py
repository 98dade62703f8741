"""No active content from a student's notebook reaches a page a person opens.

A submission's markdown and its kernel's outputs are rendered for the TA by the formgrader
(a page of the Jupyter server the TA is logged in to: a script there acts with the TA's
token) and for the student in the feedback HTML. nbgrader's templates pass markdown and
``text/html`` outputs through raw, ``application/javascript`` outputs become scripts, and
prompts, image metadata and stream names are pasted into the page unescaped.

:class:`RemoveActiveContent` runs last in ``autograde`` (so the autograded notebook, which
both pages render, is clean) and first in ``generate_feedback``. It rebuilds every output
from the fields that are allowed (text, PNG/JPEG/GIF images as validated base64, HTML and
markdown through the nh3 sanitizer), replaces markdown that holds HTML or links by its
sanitized rendering (nbconvert's own renderer, the one the pages use), keeps only image
attachments and forces prompts and ids into their formats. Anything else is dropped with
a note saying what was removed.
"""

from __future__ import annotations

import re
import uuid
from html import escape
from typing import Any

import nh3
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

from autograder.grading.outputs import NOTE_PREFIX

IMAGES = ("image/png", "image/jpeg", "image/gif")
TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
        "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
        "li", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary",
        "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
              "td": {"colspan", "rowspan", "align"}, "th": {"colspan", "rowspan", "align"},
              "ol": {"start"}}
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=]*")
_CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
#: Markdown without these cannot produce HTML tags or links in any CommonMark renderer.
_MARKDOWN_ACTIVE = ("<", "](", "]:", "&")


def _safe_url(tag: str, attribute: str, value: str) -> str | None:
    """Images only from the notebook itself (no request leaves the page), data only there."""
    if attribute == "src":
        return value if tag == "img" and _DATA_IMAGE.fullmatch(value) else None
    if value.startswith("data:"):
        return None
    if attribute in ("width", "height"):
        return value if value.isdigit() else None
    return value


def clean_html(html: str) -> str:
    """``html`` with nothing left that runs or loads anything but images and links."""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, attribute_filter=_safe_url,
                     url_schemes={"http", "https", "mailto", "data"}, strip_comments=True,
                     link_rel="noopener noreferrer nofollow")


def clean_markdown(source: str, attachments: dict[str, Any] | None = None) -> str:
    """Markdown as it may be rendered: unchanged if it holds no HTML and no link, else its
    sanitized rendering as one HTML block (no blank line, so every renderer keeps it whole)."""
    if not any(marker in source for marker in _MARKDOWN_ACTIVE):
        return source
    renderer = IPythonRenderer(escape=False, allow_harmful_protocols=False,
                               attachments=attachments or {}, embed_images=False)
    try:
        html = clean_html(MarkdownWithMath(renderer=renderer).render(source))
    except Exception:  # markdown the renderer cannot take (a missing attachment): as text
        html = f"<pre>{escape(source)}</pre>"
    return "<div>" + html.replace("\r", "").replace("\n", "&#10;") + "</div>"


def _text(value: Any) -> str:
    return "".join(map(str, value)) if isinstance(value, list) else str(value)


def _image(value: Any) -> str | None:
    text = _text(value)
    return text if _BASE64.fullmatch(text) else None


def _clean_data(data: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    kept: dict[str, str] = {}
    for mime, value in data.items():
        if mime == "text/plain":
            kept[mime] = _text(value)
        elif mime in IMAGES and _image(value) is not None:
            kept[mime] = _image(value)
        elif mime == "text/html":
            kept[mime] = clean_html(_text(value))
        elif mime == "text/markdown":
            kept["text/html"] = clean_html(clean_markdown(_text(value)))
    removed = sorted(str(mime)[:60] for mime in data if mime not in kept
                     and not (mime == "text/markdown" and "text/html" in kept))
    return kept, removed


def _clean_metadata(metadata: Any, kept: dict[str, str]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for mime in set(kept) & set(IMAGES):
        sizes = metadata.get(mime, {}) if isinstance(metadata, dict) else {}
        sizes = sizes if isinstance(sizes, dict) else {}
        found = {k: int(v) for k, v in sizes.items()
                 if k in ("width", "height") and isinstance(v, int | float) and 0 < v < 10**5}
        if found:
            clean[mime] = found
    return clean


def _count(value: Any) -> int | None:
    return value if type(value) is int else None


def clean_output(output: Any) -> NotebookNode:
    """An output rebuilt from its allowed fields only."""
    kind = output.get("output_type") if isinstance(output, dict) else None
    if kind == "stream":
        name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stdout"
        return new_output("stream", name=name, text=_text(output.get("text", "")))
    if kind == "error":
        traceback = output.get("traceback", [])
        return new_output("error", ename=_text(output.get("ename", "")),
                          evalue=_text(output.get("evalue", "")),
                          traceback=[_text(line) for line in traceback]
                          if isinstance(traceback, list) else [])
    if kind in ("display_data", "execute_result"):
        data = output.get("data", {})
        kept, removed = _clean_data(data if isinstance(data, dict) else {})
        if removed and not kept:
            kept["text/plain"] = (f"{NOTE_PREFIX}an output of type {', '.join(removed)} was "
                                  "removed: graded notebooks keep text, HTML and images only")
        metadata = _clean_metadata(output.get("metadata", {}), kept)
        if kind == "execute_result":
            return new_output(kind, data=kept, metadata=metadata,
                              execution_count=_count(output.get("execution_count")))
        return new_output(kind, data=kept, metadata=metadata)
    return new_output("stream", name="stderr",
                      text=f"{NOTE_PREFIX}an output of unknown type was removed\n")


def clean_cell(cell: NotebookNode) -> None:
    """Make one cell safe to render (in place)."""
    if not _CELL_ID.fullmatch(str(cell.get("id", "x"))):
        cell["id"] = uuid.uuid4().hex[:8]
    if cell.get("cell_type") == "code":
        cell["execution_count"] = _count(cell.get("execution_count"))
        cell["outputs"] = [clean_output(output) for output in cell.get("outputs", [])]
        return
    attachments = cell.get("attachments") or {}
    images = {name: {mime: _image(value) for mime, value in bundle.items()
                     if mime in IMAGES and _image(value) is not None}
              for name, bundle in attachments.items() if isinstance(bundle, dict)}
    if "attachments" in cell:
        cell["attachments"] = {name: bundle for name, bundle in images.items() if bundle}
    if cell.get("cell_type") == "markdown":
        cell["source"] = clean_markdown(_text(cell.get("source", "")), images)
    else:  # raw cells are pasted into HTML pages as they are
        cell["source"] = clean_html(_text(cell.get("source", "")))


class RemoveActiveContent(NbGraderPreprocessor):
    """Sanitize every cell's outputs, markdown, attachments and prompts."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        for cell in nb.cells:
            clean_cell(cell)
        language = nb.metadata.get("language_info")
        if language is not None:
            nb.metadata["language_info"] = {"name": "python"}
        nb.metadata.pop("widgets", None)
        return nb, resources
