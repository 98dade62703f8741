"""The browser fixture itself: a page renders, and console errors are collected."""

from __future__ import annotations


def test_page_renders_and_collects_console_errors(page):
    page.set_content("<h1>ok</h1><script>console.error('reported')</script>")
    assert page.inner_text("h1") == "ok"
    assert page.problems == ["console error: reported"]
