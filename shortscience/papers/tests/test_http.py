from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import time
from email.utils import formatdate
from pathlib import Path
from unittest import TestCase

from shortscience.lib.http import FetchError, HttpClient, Response
from shortscience.test import ScriptedServer


def ok(body: bytes = b"hello") -> tuple[int, dict[str, str], bytes]:
    return (200, {"Content-Type": "text/plain; charset=utf-8"}, body)


class HttpClientTests(TestCase):
    def setUp(self):
        self.sleeps: list[float] = []
        self.cache_dir = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.cache_dir)

    def client(self, **kwargs) -> HttpClient:
        kwargs.setdefault("sleep", self.sleeps.append)
        kwargs.setdefault("timeout", 5.0)
        return HttpClient(**kwargs)

    def test_it_retries_a_5xx_with_doubling_backoff_and_returns_the_answer(self):
        with ScriptedServer((503, {}, b""), (502, {}, b""), ok(b"at last")) as server:
            response = self.client().get(server.url + "/x")
        self.assertEqual((response.status, response.body), (200, b"at last"))
        self.assertEqual(len(server.requests), 3)
        self.assertEqual(self.sleeps, [1.0, 2.0])

    def test_it_waits_as_long_as_a_numeric_retry_after_asks(self):
        with ScriptedServer((429, {"Retry-After": "7"}, b""), ok()) as server:
            response = self.client().get(server.url + "/x")
        self.assertEqual(response.status, 200)
        self.assertEqual(self.sleeps, [7.0])

    def test_it_reads_a_retry_after_given_as_an_http_date(self):
        when = formatdate(time.time() + 30, usegmt=True)
        with ScriptedServer((503, {"Retry-After": when}, b""), ok()) as server:
            self.client().get(server.url + "/x")
        [slept] = self.sleeps
        # The date has whole seconds, and some time passes between answer and reading.
        self.assertGreater(slept, 27.0)
        self.assertLessEqual(slept, 30.0)

    def test_it_caps_a_retry_after_longer_than_it_is_willing_to_wait(self):
        with ScriptedServer((429, {"Retry-After": "3600"}, b""), ok()) as server:
            self.client(max_retry_after=60.0).get(server.url + "/x")
        self.assertEqual(self.sleeps, [60.0])

    def test_it_returns_a_404_at_once_without_retrying(self):
        with ScriptedServer((404, {}, b"no such thing")) as server:
            response = self.client().get(server.url + "/x")
        self.assertEqual((response.status, response.body), (404, b"no such thing"))
        self.assertEqual(len(server.requests), 1)
        self.assertEqual(self.sleeps, [])

    def test_it_raises_fetch_error_with_the_status_when_retries_run_out(self):
        with ScriptedServer(*[(500, {}, b"")] * 4) as server:
            with self.assertRaises(FetchError) as caught:
                self.client(retries=3).get(server.url + "/x")
        self.assertEqual(caught.exception.status, 500)
        self.assertIn("HTTP 500 after 4 tries", str(caught.exception))
        self.assertEqual(len(server.requests), 4)
        self.assertEqual(self.sleeps, [1.0, 2.0, 4.0])

    def test_it_raises_fetch_error_when_nothing_answers(self):
        with socket.socket() as s:  # a port that was free a moment ago: nobody listens
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with self.assertRaises(FetchError) as caught:
            self.client(retries=2).get(f"http://127.0.0.1:{port}/x")
        self.assertIsNone(caught.exception.status)
        self.assertEqual(self.sleeps, [1.0, 2.0])

    def test_it_keeps_the_minimum_interval_between_requests_to_a_host(self):
        with ScriptedServer() as server:
            client = self.client(min_interval={"127.0.0.1": 5.0})
            client.get(server.url + "/a")
            client.get(server.url + "/b")
        [slept] = self.sleeps
        self.assertGreater(slept, 4.0)
        self.assertLessEqual(slept, 5.0)

    def test_it_does_not_slow_hosts_without_an_interval(self):
        with ScriptedServer() as server:
            client = self.client(min_interval={"export.arxiv.org": 3.0})
            client.get(server.url + "/a")
            client.get(server.url + "/b")
        self.assertEqual(len(server.requests), 2)
        self.assertEqual(self.sleeps, [])

    def test_it_sends_its_user_agent_and_the_accept_header_asked_for(self):
        with ScriptedServer() as server:
            self.client(user_agent="ShortScience/0.1 (mailto:ops@example.org)").get(
                server.url + "/x", accept="application/json"
            )
        headers = server.requests[0]["headers"]
        self.assertEqual(headers["User-Agent"], "ShortScience/0.1 (mailto:ops@example.org)")
        self.assertEqual(headers["Accept"], "application/json")

    def test_it_appends_params_to_the_query_string(self):
        with ScriptedServer() as server:
            self.client().get(server.url + "/q?a=1", params={"id_list": "hep-th/9901001", "n": 1})
        self.assertEqual(server.requests[0]["path"], "/q?a=1&id_list=hep-th%2F9901001&n=1")

    def test_it_refuses_a_url_that_is_not_http(self):
        for url in ("file:///etc/passwd", "ftp://example.org/x", "javascript:alert(1)", "/x"):
            with self.subTest(url=url), self.assertRaisesRegex(FetchError, "non-HTTP"):
                self.client().get(url)

    def test_it_answers_a_repeated_get_from_the_cache(self):
        body = "Résumé".encode()
        with ScriptedServer(ok(body)) as server:
            client = self.client(cache_dir=self.cache_dir)
            first = client.get(server.url + "/x")
            second = client.get(server.url + "/x")
        self.assertEqual(len(server.requests), 1)
        self.assertEqual(second, first)
        self.assertEqual(second.text(), "Résumé")

    def test_it_misses_the_cache_for_another_url_accept_or_when_told_not_to_use_it(self):
        with ScriptedServer() as server:
            client = self.client(cache_dir=self.cache_dir)
            client.get(server.url + "/x")
            client.get(server.url + "/y")
            client.get(server.url + "/x", accept="application/json")
            client.get(server.url + "/x", use_cache=False)
        self.assertEqual(len(server.requests), 4)

    def test_it_fetches_again_when_the_cache_entry_has_expired(self):
        with ScriptedServer(ok(b"old"), ok(b"new")) as server:
            client = self.client(cache_dir=self.cache_dir, cache_seconds=3600)
            client.get(server.url + "/x")
            [entry] = self.cache_dir.rglob("*.json")
            two_hours_ago = time.time() - 7200
            os.utime(entry, (two_hours_ago, two_hours_ago))
            response = client.get(server.url + "/x")
            cached = client.get(server.url + "/x")
        self.assertEqual(response.body, b"new")
        self.assertEqual(cached.body, b"new")
        self.assertEqual(len(server.requests), 2)

    def test_it_treats_a_damaged_cache_entry_as_a_miss(self):
        with ScriptedServer(ok(b"first"), ok(b"second")) as server:
            client = self.client(cache_dir=self.cache_dir)
            client.get(server.url + "/x")
            [entry] = self.cache_dir.rglob("*.json")
            entry.write_text('{"url": "http://', encoding="utf-8")  # cut short
            response = client.get(server.url + "/x")
        self.assertEqual(response.body, b"second")
        self.assertEqual(json.loads(entry.read_text(encoding="utf-8"))["body"], "second")

    def test_a_cache_entry_that_is_valid_json_of_the_wrong_shape_is_a_miss(self):
        with ScriptedServer(ok(b"first"), ok(b"second")) as server:
            client = self.client(cache_dir=self.cache_dir)
            client.get(server.url + "/x")
            [entry] = self.cache_dir.rglob("*.json")
            entry.write_text("[]", encoding="utf-8")
            self.assertEqual(client.get(server.url + "/x").body, b"second")

    def test_a_cache_that_cannot_be_written_still_returns_the_answer(self):
        blocker = self.cache_dir / "not-a-dir"
        blocker.write_text("x", encoding="utf-8")
        with ScriptedServer(ok(b"answer")) as server:
            response = self.client(cache_dir=blocker).get(server.url + "/x")
        self.assertEqual(response.body, b"answer")

    def test_a_retry_after_of_zero_retries_at_once(self):
        with ScriptedServer((503, {"Retry-After": "0"}, b""), ok()) as server:
            self.assertEqual(self.client().get(server.url + "/x").status, 200)
        self.assertEqual(self.sleeps, [0.0])

    def test_an_unknown_charset_reads_as_utf8(self):
        response = Response(
            "http://x", 200, {"content-type": "text/plain; charset=x-user-defined"}, "é".encode()
        )
        self.assertEqual(response.text(), "é")

    def test_it_does_not_cache_an_answer_that_is_not_200(self):
        with ScriptedServer((404, {}, b""), (404, {}, b"")) as server:
            client = self.client(cache_dir=self.cache_dir)
            client.get(server.url + "/x")
            client.get(server.url + "/x")
        self.assertEqual(len(server.requests), 2)
        self.assertEqual(list(self.cache_dir.rglob("*.json")), [])
