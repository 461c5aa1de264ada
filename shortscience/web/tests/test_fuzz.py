"""Hostile input at every route: no answer is a 500.

Every route of the site (the admin's and allauth's own pages aside, but log-in and sign-up
in) is asked with GET and with POST, by a visitor, a member and a moderator, with path
parameters, query strings and form values drawn from a list of what breaks code: numbers
past 64 bits, negative and fractional ids, NaN, text where numbers go, markup, NUL and
other control characters, lone surrogates' escapes, right-to-left overrides, 10 KB values,
lists where one value goes. Django's test client raises a view's exception instead of
answering 500, so a failure names the route, the input and the traceback.

Seeded and bounded: each run asks the same few thousand requests (a few seconds), and a
new route is in them as soon as it is in urls.py.
"""

from __future__ import annotations

import json
import random
import re
from unittest import mock

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from shortscience.accounts.ratelimit import POLICIES
from shortscience.accounts.services import create_api_token
from shortscience.community.tests.helpers import make_moderator
from shortscience.groups import services as groups
from shortscience.test import BaseTestCase, make_comment, make_paper, make_summary, make_user

SEED = 15
HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "1e309",
    "NaN",
    "9" * 30,
    str(2**63),
    "abc",
    "true",
    "null",
    "[]",
    "{}",
    '{"a": [1, {"b": null}]}',
    "' OR '1'='1' --",
    '"; DROP TABLE papers_paper; --',
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "//evil.example/",
    "https://evil.example/",
    "../../../../etc/passwd",
    "%00",
    "\x01\x0b\x1f",
    "\x7f\x85",
    "\\ud800",
    "\u202eevil",
    "\ufeff\u200b",
    "\U0001d54f\U0001d538 \U0001f9ea",  # math letters, an emoji
    "$\\input{/etc/passwd}$",
    "\\cite{" + ",".join(str(n) for n in range(50)) + "}",
    "[" * 2000,
    "x" * 10_000,
    "2017-02-30T25:61:00Z",
    "cs.LG,,,,",
    "author: year:99999-0 venue:",
]
# The names the views read from query strings and forms (grep GET/POST in the apps, the
# forms' fields, the API's parameters).
FIELDS = [
    *("q", "page", "cpage", "tab", "year", "key", "name", "next", "share", "size", "sort"),
    *("ids", "fields", "cursor", "updated_since", "limit", "format", "kind", "type"),
    *("body", "text", "value", "parent", "comment", "paper", "visibility", "is_anonymous"),
    *("reason", "note", "action", "confirm", "kept", "merged", "field", "a", "b", "content"),
    *("display_name", "bio", "orcid", "scope", "email_mode", "publish", "preview", "summary"),
    *("login", "password", "email", "username", "password1", "password2", "remember"),
    *("date", "time", "minutes", "time_zone", "presenter", "location", "notes", "description"),
]
SKIPPED = re.compile(r"^(admin/|accounts/(?!login/|signup/|password/reset/$)|\^api/)")
GROUPS = re.compile(r"<(?:(\w+):)?(\w+)>")


def routes() -> list[str]:
    """Every route as its pattern text (`paper/<int:pk>/<str:slug>`), once each."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if not SKIPPED.match(route) and route not in found:
                    found.append(route)

    walk(get_resolver().url_patterns, "")
    return found


class FuzzTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.dora = make_moderator(make_user("dora"))
        self.paper = make_paper("Fuzzed Paper", venue_key="conf/nips", venue_name="NeurIPS")
        self.summary = make_summary(self.paper, self.alice, "A summary with $x$.")
        self.comment = make_comment(self.summary, self.bob, "A comment.")
        # A reading group of alice's with a meeting and a post, bob a member.
        self.group = groups.create_group(self.alice, name="Fuzzed group")
        groups.join(self.group, self.bob)
        meeting = groups.schedule_meeting(
            self.group,
            self.alice,
            paper=self.paper,
            starts_at=timezone.now(),
            minutes=60,
            time_zone="UTC",
            presenter=self.bob,
            location="",
            notes="",
        )
        groups.post(meeting, self.bob, "A post.")
        self.rng = random.Random(SEED)  # noqa: S311 - a repeatable draw, not a secret

    def values(self, n: int) -> list[str]:
        return self.rng.sample(HOSTILE, n)

    def fill(self, route: str) -> list[str]:
        """The route with real ids (so views go past their look-ups) and with hostile ones."""
        real = {
            "int": [
                str(self.paper.pk),
                str(self.summary.pk),
                str(self.comment.pk),
                "2017",
                str(2**63),
                "0",
            ],
            "str": ["alice", "paper", "summary", "comment", "papers", *self.values(3)],
            "path": ["conf/nips", "cs.LG", "1706.03762", *self.values(3)],
            "slug": [self.group.slug, self.group.slug, "no-such-group"],
            None: ["alice", *self.values(2)],
        }
        urls = []
        for _ in range(3):
            url = GROUPS.sub(lambda m: self.rng.choice(real[m.group(1)]), route)
            if "^" in url or "(?P" in url:  # a regex route (allauth's own): filled by hand
                continue
            urls.append("/" + url.replace("%", "%25").replace("?", "%3F").replace("#", "%23"))
        return urls

    def query(self) -> dict[str, str | list[str]]:
        fields = self.rng.sample(FIELDS, 6)
        return {
            f: (self.values(2) if self.rng.random() < 0.1 else self.rng.choice(HOSTILE))
            for f in fields
        }

    def body(self) -> str:
        """A JSON body for the API: its fields with hostile values of every JSON type."""
        values = [*HOSTILE, 0, -1, 2**70, 1.5, None, True, [], {}, ["x"] * 600, {"a": 1}]
        fields = self.rng.sample([*FIELDS, "title", "markdown", "anonymous", "identifier"], 5)
        return json.dumps({f: self.rng.choice(values) for f in fields})

    def ask(self, method: str, url: str, data, **headers) -> None:
        """`data`: a dict, sent as a query string or a form; a string, sent as JSON."""
        if isinstance(data, str):
            headers["content_type"] = "application/json"
        try:
            response = getattr(self.client, method)(url, data, **headers)
        except Exception as e:
            raise AssertionError(f"{method.upper()} {url!r} {data!r} raised {e!r}") from e
        self.assertLess(response.status_code, 500, f"{method.upper()} {url!r} {data!r}")

    # Buckets that never empty: a 429 would stop the input before the code it is meant for.
    @mock.patch.dict(POLICIES, {policy: (10**9, 1) for policy in POLICIES})
    def test_no_route_answers_500_to_hostile_input_from_a_visitor_a_member_or_a_moderator(self):
        every = routes()
        self.assertGreater(len(every), 60)
        for who in (None, self.bob, self.dora):
            self.client.logout()
            if who is not None:
                self.client.force_login(who)
            for route in every:
                for url in self.fill(route):
                    with self.subTest(who=who and who.username, route=route):
                        self.ask("get", url, self.query())
                        self.ask("post", url, self.query())

    @mock.patch.dict(POLICIES, {policy: (10**9, 1) for policy in POLICIES})
    def test_no_api_route_answers_500_to_a_hostile_json_body_with_or_without_a_token(self):
        _, token = create_api_token(self.bob, name="fuzz", scope="write")
        api = [route for route in routes() if route.startswith("api/")]
        for headers in ({}, {"HTTP_AUTHORIZATION": f"Bearer {token}"}):
            for route in api:
                for url in self.fill(route):
                    with self.subTest(route=route, token=bool(headers)):
                        for method in ("post", "put", "patch", "delete"):
                            self.ask(method, url, self.body(), **headers)
                        self.ask("get", url, self.query(), **headers)
