from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from pathlib import Path
from unittest import TestCase, mock

from shortscience.lib import katex, markup
from shortscience.lib.env import ConfigError


def annotation(html: str) -> str:
    start = html.index('<annotation encoding="application/x-tex">') + len(
        '<annotation encoding="application/x-tex">'
    )
    return html[start : html.index("</annotation>", start)]


def wait_for_exit(pid: int, seconds: float = 5) -> None:
    """Wait until pid is dead; a killed child stays a zombie until its parent reaps it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} is still running")


class EngineTests(TestCase):
    def make_engine(self, **kwargs) -> katex.KatexEngine:
        engine = katex.KatexEngine(**kwargs)
        self.addCleanup(engine.close)
        return engine

    def test_it_renders_a_batch_in_order_with_display_mode(self):
        html = self.make_engine().render_many(
            [("a^2", False), (r"\frac{1}{2}", True), ("b", False)]
        )
        self.assertEqual([annotation(h) for h in html], ["a^2", r"\frac{1}{2}", "b"])
        self.assertNotIn("katex-display", html[0])
        self.assertIn('<span class="katex-display">', html[1])
        self.assertIn("<math", html[0])  # htmlAndMathml

    def test_it_does_not_start_node_for_an_empty_batch(self):
        engine = self.make_engine(node_binary="/nonexistent/node")
        self.assertEqual(engine.render_many([]), [])
        self.assertIsNone(engine.pid)

    def test_it_turns_invalid_tex_into_a_katex_error_span(self):
        bad, good = self.make_engine().render_many([(r"\frac{", False), ("x", False)])
        self.assertTrue(bad.startswith('<span class="katex-error"'))
        self.assertIn(r"\frac{", bad)
        self.assertIn('<span class="katex">', good)

    def test_it_escapes_html_in_tex_it_cannot_parse(self):
        (html,) = self.make_engine().render_many([(r"\frac{<img src=x onerror=alert(1)>", False)])
        self.assertNotIn("<img", html)
        self.assertIn("&lt;img", html)

    def test_it_shares_macros_within_a_document_but_not_between_documents(self):
        engine = self.make_engine()
        _, used = engine.render_many(
            [(r"\gdef\ssTestSet{\mathbb{R}}", False), (r"\ssTestSet", False)]
        )
        self.assertIn('mathvariant="double-struck"', used)
        (later,) = engine.render_many([(r"\ssTestSet", False)])
        self.assertNotIn('mathvariant="double-struck"', later)
        self.assertIn("#cc0000", later)  # KaTeX shows an undefined command in red

    def test_documents_sharing_one_request_do_not_share_macros(self):
        _, used, other_doc, empty_then_used = self.make_engine().render_many(
            [
                (r"\gdef\ssTestSet{\mathbb{R}}", False),
                (r"\ssTestSet", False),
                (r"\ssTestSet", False),
                (r"\ssTestSet", False),
            ],
            [2, 1, 0, 1],
        )
        self.assertIn('mathvariant="double-struck"', used)
        for later in (other_doc, empty_then_used):
            self.assertNotIn('mathvariant="double-struck"', later)
            self.assertIn("#cc0000", later)

    def test_it_restarts_a_worker_that_was_killed_between_documents(self):
        engine = self.make_engine()
        engine.render_many([("x", False)])
        first = engine.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        wait_for_exit(first)
        (html,) = engine.render_many([("y", False)])
        self.assertEqual(annotation(html), "y")
        self.assertNotEqual(engine.pid, first)

    def test_it_retries_once_when_the_worker_dies_under_a_document(self):
        engine = self.make_engine()
        engine.render_many([("x", False)])
        victim = engine.pid
        assert victim is not None
        threading.Timer(0.05, os.kill, (victim, signal.SIGKILL)).start()
        items = [(rf"\sum_{{i={n}}}^n \frac{{a_i}}{{b_i}}", False) for n in range(1500)]
        html = engine.render_many(items)
        self.assertEqual(len(html), 1500)
        self.assertEqual(annotation(html[-1]), items[-1][0])
        self.assertNotEqual(engine.pid, victim)

    def test_it_gives_error_spans_and_a_fresh_worker_after_a_timeout(self):
        engine = self.make_engine(timeout=0.05)
        engine.render_many([("warm", False)])  # the start-up has its own, longer, allowance
        slow = engine.pid
        items = [(rf"\sum_{{i={n}}}^n \frac{{a_i}}{{b_i}}", False) for n in range(3000)]
        html = engine.render_many(items)
        self.assertEqual(len(html), 3000)
        self.assertTrue(all(h.startswith('<span class="katex-error"') for h in html))
        self.assertIn("took longer than 0.05 s", html[0])
        self.assertIsNone(engine.pid)  # killed, not left computing
        assert slow is not None
        wait_for_exit(slow)
        with self.assertRaises(ProcessLookupError):
            os.kill(slow, 0)
        engine.timeout = 10
        (after,) = engine.render_many([("z", False)])
        self.assertEqual(annotation(after), "z")

    def test_it_reads_the_timeout_and_node_binary_from_the_environment(self):
        with mock.patch.dict(
            os.environ, {"KATEX_TIMEOUT_SECONDS": "3", "NODE_BINARY": "/opt/node"}
        ):
            engine = katex.KatexEngine()
        self.assertEqual(engine.timeout, 3)
        self.assertEqual(engine.node_binary, "/opt/node")

    def test_it_refuses_a_timeout_that_is_not_a_positive_number(self):
        for raw in ["soon", "0", "-1"]:
            with (
                self.subTest(raw=raw),
                mock.patch.dict(os.environ, {"KATEX_TIMEOUT_SECONDS": raw}),
                self.assertRaises(ConfigError),
            ):
                katex.KatexEngine()

    def test_it_is_safe_to_share_between_threads(self):
        engine = self.make_engine()
        results: dict[int, list[str]] = {}

        def work(n: int) -> None:
            results[n] = engine.render_many([(f"x_{{{n}}}", False), (f"y^{{{n}}}", True)])

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for n in range(8):
            self.assertEqual([annotation(h) for h in results[n]], [f"x_{{{n}}}", f"y^{{{n}}}"])

    def test_it_explains_a_missing_node_binary(self):
        engine = self.make_engine(node_binary="/nonexistent/node")
        with self.assertRaisesRegex(katex.KatexUnavailable, "NODE_BINARY"):
            engine.render_many([("x", False)])

    def test_it_explains_a_missing_katex_package(self):
        with tempfile.TemporaryDirectory() as empty:
            engine = self.make_engine(katex_dir=empty)
            with self.assertRaisesRegex(katex.KatexUnavailable, "npm install"):
                engine.render_many([("x", False)])

    def test_it_explains_a_katex_package_that_does_not_load(self):
        with tempfile.TemporaryDirectory() as broken:
            Path(broken, "package.json").write_text('{"main": "missing.js"}')
            engine = self.make_engine(katex_dir=broken)
            with self.assertRaisesRegex(katex.KatexUnavailable, "cannot load KaTeX"):
                engine.render_many([("x", False)])


class DefaultEngineTests(TestCase):
    def test_render_survives_its_worker_being_killed(self):
        markup.render("$a$")
        engine = katex.get_engine()
        pid = engine.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        wait_for_exit(pid)
        html = markup.render("$b$").html
        self.assertEqual(annotation(html), "b")
        self.assertNotEqual(engine.pid, pid)

    def test_module_level_render_many_uses_one_long_lived_worker(self):
        katex.render_many([("a", False)])
        pid = katex.get_engine().pid
        katex.render_many([("b", False)])
        self.assertEqual(katex.get_engine().pid, pid)

    def test_a_forked_child_starts_its_own_worker_and_leaves_the_parents_alone(self):
        # gunicorn --preload forks after the app is imported; a shared worker would mix
        # the answers of two processes.
        katex.render_many([("a", False)])
        parent_worker = katex.get_engine().pid
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover -- runs in the child, which reports through the pipe
            try:
                html = katex.render_many([("b", False)])[0]
                ok = annotation(html) == "b" and katex.get_engine().pid != parent_worker
                os.write(write_end, b"ok" if ok else b"wrong")
            finally:
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as report:
            result = report.read()
        os.waitpid(child, 0)
        self.assertEqual(result, b"ok")
        self.assertEqual(katex.get_engine().pid, parent_worker)
        self.assertEqual(annotation(katex.render_many([("c", False)])[0]), "c")
