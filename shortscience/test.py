"""The cast and helpers the test suite shares.

alice writes summaries, bob is another member, charlie a third; visitors without an
account are the fourth party every view test checks.
"""

from __future__ import annotations

from datetime import date
from itertools import count

from django.contrib.auth import get_user_model
from django.test import TestCase

from shortscience.lib.records import PaperRecord
from shortscience.library.services import upsert_paper
from shortscience.papers.models import Paper
from shortscience.summaries.models import Summary, refresh_paper_stats
from shortscience.summaries.services import save_summary

_numbers = count(1)


def make_paper(title: str = "", **kwargs) -> Paper:
    n = next(_numbers)
    fields = {
        "title": title or f"A Study of Things, Part {n}",
        "authors": ["Ada Lovelace", "Charles Babbage"],
        "abstract": "We study things with $x^2$.",
        "year": 2017,
        "published": date(2017, 6, 12),
        "venue_key": "conf/nips",
        "venue_name": "NeurIPS",
        "venue_kind": "conference",
        "keywords": ["cs.LG"],
        "source": Paper.Source.ARXIV,
        "identifiers": {"arxiv": f"1706.{n:05d}v2"},
    }
    fields.update(kwargs)
    paper, _ = upsert_paper(PaperRecord(**fields))
    return paper


def make_user(username: str, **kwargs):
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="password", **kwargs
    )


def make_summary(paper: Paper, user, body: str = "A summary with $E=mc^2$.", **kwargs):
    return save_summary(
        paper=paper,
        user=user,
        body=body,
        visibility=kwargs.pop("visibility", "public"),
        is_anonymous=kwargs.pop("is_anonymous", False),
    )


def make_comment(summary, user, body: str = "A comment with $x$.", parent=None, **later):
    """A comment through the community service, as the site posts one (its fan-out task
    queued, to run with run_tasks()). `later` (is_hidden=True, is_deleted=True) is what
    happened to it since, written past the services as update_summary() does."""
    from shortscience.community.models import Comment
    from shortscience.community.services import post_comment

    comment = post_comment(user, summary, body, parent=parent)
    if later:
        Comment.objects.filter(pk=comment.pk).update(**later)
        comment.refresh_from_db()
    return comment


def make_vote(user, value: int = 1, **target):
    """A vote through the community service (summary= or comment=)."""
    from shortscience.community.models import Vote
    from shortscience.community.services import cast_vote

    cast_vote(user, value=value, **target)
    return Vote.objects.get(user=user, **target)


def run_tasks(now=None) -> dict[str, int]:
    """Run the queued background tasks now, as the worker (`send_emails --loop`) would."""
    from shortscience.web.tasks import run_due

    return run_due(now=now)


def update_summary(summary, **fields) -> None:
    """Write a summary's columns past save(), as a moderator's hide does, with the paper's
    public summary numbers refreshed as every such write in the code refreshes them."""
    Summary.objects.filter(pk=summary.pk).update(**fields)
    refresh_paper_stats([summary.paper_id])


class BaseTestCase(TestCase):
    def setUp(self):
        super().setUp()
        self.alice = make_user("alice", display_name="Alice Aumann")
        self.bob = make_user("bob", display_name="Bob Berners")
        self.charlie = make_user("charlie")


class LocalServer:
    """A local HTTP server for tests: each GET is answered by answer(path), and recorded in
    `requests`. Tests never touch the network; sources and the HTTP client talk to this."""

    def __init__(self) -> None:
        self.requests: list[dict] = []

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError

    def __enter__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append({"path": self.path, "headers": dict(self.headers)})
                status, headers, body = outer.answer(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # A short poll interval: shutdown() waits for the next poll, 0.5 s by default.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


class RecordedServer(LocalServer):
    """Answers from recorded real responses:

        with RecordedServer({"/api/query?id_list=1707.08567": (200, body, "application/atom+xml")}) as s:
            with self.settings(ARXIV_API_URL=s.url + "/api/query"): ...

    Routes map a path with its query string (or the path alone, matching any query) to
    (status, body bytes, content type). Unknown paths answer 404.
    """

    def __init__(self, routes: dict[str, tuple[int, bytes, str]]):
        super().__init__()
        self.routes = routes

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        route = self.routes.get(path) or self.routes.get(path.split("?", 1)[0])
        status, body, ctype = route or (404, b"Not Found", "text/plain")
        return status, {"Content-Type": ctype}, body


class ScriptedServer(LocalServer):
    """Answers each GET with the next (status, headers, body) of its script, then 200
    "done" once the script is spent: for retries, backoff and caching."""

    def __init__(self, *script: tuple[int, dict[str, str], bytes]):
        super().__init__()
        self.script = list(script)

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self.script.pop(0) if self.script else (200, {}, b"done")
