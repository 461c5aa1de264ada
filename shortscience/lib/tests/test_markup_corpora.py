"""Conformance against third-party corpora in ../shared/testdata (skipped when absent).

Exact output is not compared: the sanitizer and the heading shift change it on purpose.
What must hold for every input is that rendering finishes and nothing in the output
would run: no script element, no on* attribute, no javascript:/vbscript:/data: URL.
"""

from __future__ import annotations

import json
import unittest
from pathlib import Path

from shortscience.lib import markup
from shortscience.lib.tests.test_sanitizer import problems

TESTDATA = Path(__file__).resolve().parents[3].parent / "shared" / "testdata"


def corpus(*parts: str) -> Path:
    path = TESTDATA.joinpath(*parts)
    if not path.exists():
        raise unittest.SkipTest(f"{path} is not here (optional conformance data)")
    return path


class CorporaTests(unittest.TestCase):
    def assertSafe(self, text: str, label: str) -> None:
        html = markup.render(text).html
        found = problems(html)
        self.assertEqual(found[:5], [], f"{label}: {text[:200]!r}")

    def test_it_neutralizes_every_payloadbox_xss_payload(self):
        lines = (
            corpus("xss", "payloadbox", "xss-payload-list.txt")
            .read_text(errors="replace")
            .splitlines()
        )
        self.assertGreater(len(lines), 6000)
        # One by one, so that no payload is hidden by the one before it…
        for n, line in enumerate(lines):
            self.assertSafe(line, f"line {n + 1}")
        # …and in blocks, so that payloads also meet each other inside one document.
        for start in range(0, len(lines), 100):
            self.assertSafe("\n".join(lines[start : start + 100]), f"lines {start + 1}+")

    def test_it_neutralizes_every_dompurify_payload(self):
        cases = [
            c
            for c in json.loads(corpus("xss", "dompurify", "expect.json").read_text())
            if "payload" in c
        ]
        self.assertGreater(len(cases), 200)
        for case in cases:
            self.assertSafe(case["payload"], case.get("title", ""))

    def test_it_neutralizes_the_owasp_filter_evasion_vectors(self):
        vectors = json.loads(corpus("xss", "owasp", "xss_filter_evasion_vectors.json").read_text())
        for vector in vectors:
            self.assertSafe(vector["code"], vector.get("section", ""))

    def test_it_neutralizes_the_bleach_vectors(self):
        for path in sorted(corpus("xss", "bleach_tests_data").glob("*.test")):
            self.assertSafe(path.read_text().split("\n--\n")[0], path.name)

    def test_it_renders_every_commonmark_spec_example_safely(self):
        examples = json.loads(
            corpus("markdown", "commonmark", "markdown-it-py_commonmark.json").read_text()
        )
        self.assertGreater(len(examples), 600)
        for example in examples:
            self.assertSafe(example["markdown"], f"example {example['example']}")

    def test_it_survives_the_inputs_that_crashed_markdown_parsers(self):
        for name in ["fatal.md", "xss.md"]:
            text = corpus("markdown", "markdown-it-py_fixtures", name).read_text()
            for block in text.split("\n.\n"):
                self.assertSafe(block, name)

    def test_it_typesets_katex_screenshot_expressions_without_crashing(self):
        expressions = json.loads(corpus("math", "katex", "ss_data_expressions.json").read_text())
        self.assertGreater(len(expressions), 100)
        text = "\n\n".join(
            f"$${e['tex']}$$" if e.get("display") else f"\\({e['tex']}\\)"
            for e in expressions
            if "\n\n" not in e["tex"]
        )
        html = markup.render(text).html
        self.assertEqual(problems(html)[:5], [])
        self.assertGreater(html.count('<span class="katex">'), 80)
