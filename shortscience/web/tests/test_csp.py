from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings

from shortscience.test import BaseTestCase, make_paper, make_summary
from shortscience.web import csp
from shortscience.web.csp import ContentSecurityPolicyMiddleware
from shortscience.web.tests.helpers import PageCacheTestCase

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(d.strip().partition(" ")[::2] for d in header.split(";"))


class ContentSecurityPolicyTests(BaseTestCase):
    def test_a_page_runs_only_the_sites_own_scripts_and_styles_and_no_inline_style(self):
        policy = directives(self.client.get("/about"))
        self.assertEqual(policy["script-src"], "'self'")
        self.assertEqual(policy["style-src"], "'self'")
        self.assertEqual(policy["style-src-elem"], "'self'")
        self.assertEqual(policy["style-src-attr"], "'none'")
        self.assertEqual(policy["img-src"], "'self' data: https:")
        self.assertEqual(policy["frame-ancestors"], "'none'")
        self.assertEqual(policy["base-uri"], "'none'")
        self.assertEqual(policy["object-src"], "'none'")
        self.assertEqual(policy["form-action"], "'self'")
        self.assertNotIn("unsafe-eval", self.client.get("/about")["Content-Security-Policy"])

    def test_a_member_a_404_and_an_api_error_get_the_policy_too(self):
        self.assertIn("Content-Security-Policy", self.client.get("/no-such-page"))
        self.assertIn("Content-Security-Policy", self.client.get("/api/v1/no-such-endpoint"))
        self.client.force_login(self.alice)
        self.assertIn("Content-Security-Policy", self.client.get("/"))

    def test_the_api_docs_page_is_served_under_the_policy_with_only_static_scripts(self):
        response = self.client.get("/api/v1/docs")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(directives(response)["script-src"], "'self'")
        scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
        self.assertTrue(scripts)
        for tag in scripts:
            # Swagger UI's settings travel in a JSON block, which a browser does not run.
            self.assertTrue(" src=" in tag or 'type="application/json"' in tag, tag)

    @override_settings(DEBUG=True)
    def test_djangos_debug_404_page_keeps_its_inline_styles(self):
        self.assertNotIn("Content-Security-Policy", self.client.get("/no-such-page"))


def sheet_of(response) -> str:
    sheets = re.findall(r"<style>(.*?)</style>", response.content.decode(), re.S)
    assert len(sheets) == 1, sheets
    return sheets[0]


def hash_of(sheet: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(sheet.encode()).digest()).decode() + "'"


class MathStylesTests(BaseTestCase):
    """KaTeX positions math with style attributes; pages carry them in a sheet of their own,
    allowed by its hash, so that the policy allows no inline style at all."""

    def setUp(self):
        super().setUp()
        self.paper = make_paper("Styled Paper")
        self.summary = make_summary(
            self.paper, self.alice, "A fraction $\\frac{a}{b}$ and $$\\sum_i x_i^2$$"
        )

    def test_a_page_with_math_has_no_style_attribute_and_a_sheet_its_policy_allows(self):
        self.assertIn(' style="', self.summary.body_html)
        response = self.client.get(self.paper.get_absolute_url())
        page = response.content.decode()
        self.assertNotIn(" style=", page)
        sheet = sheet_of(response)
        policy = directives(response)
        self.assertEqual(policy["style-src-elem"], f"'self' {hash_of(sheet)}")
        self.assertEqual(policy["style-src"], f"'self' {hash_of(sheet)}")
        self.assertEqual(policy["style-src-attr"], "'none'")
        # Every style the summary's math had is in the sheet, for the elements that had it.
        rules = dict(re.findall(r'\[data-ks="(\w+)"\]\{([^}]*)\}', sheet))
        restored = re.sub(
            r' data-ks="(\w+)"',
            lambda m: ' style="' + rules[m.group(1)].replace("!important", "") + ';"',
            page,
        )
        self.assertIn(self.summary.body_html, restored)

    def test_a_members_page_and_a_cached_page_carry_their_own_sheet_and_its_hash(self):
        self.client.force_login(self.bob)
        member = self.client.get(self.paper.get_absolute_url())
        self.assertNotIn(" style=", member.content.decode())
        self.assertIn(hash_of(sheet_of(member)), directives(member)["style-src-elem"])

    def test_text_that_reads_like_a_style_attribute_stays_text(self):
        body = 'Write style="color:red}body{display:none" in a tag: `<b style="x">`.'
        summary = make_summary(make_paper("Text Paper"), self.bob, body + " And $x$.")
        response = self.client.get(summary.paper.get_absolute_url())
        self.assertIn('style="color:red}body{display:none"', response.content.decode())
        self.assertNotIn("display:none", sheet_of(response))
        self.assertNotIn('"x"', sheet_of(response))

    def test_html_for_a_script_to_insert_carries_its_styles_as_data(self):
        self.client.force_login(self.bob)
        preview = self.client.post(
            "/markup/preview", {"text": "Math: $\\frac{a}{b}$", "paper": self.paper.pk}
        )
        self.assertEqual(preview.status_code, 200)
        html = preview.content.decode()
        self.assertIn(' data-style="', html)
        self.assertNotIn(" style=", html)
        comment = self.client.post(
            f"/summary/{self.summary.pk}/comments/preview",
            {"body": "Comment math $\\sqrt{x}$"},
            HTTP_ACCEPT="application/json",
        )
        self.assertEqual(comment.status_code, 200, comment.content)
        self.assertIn(' data-style="', comment.json()["html"])
        self.assertNotIn(" style=", comment.json()["html"])
        posted = self.client.post(
            f"/summary/{self.summary.pk}/comments",
            {"body": "Posted math $\\sqrt{y}$"},
            HTTP_ACCEPT="application/json",
        )
        self.assertEqual(posted.status_code, 201, posted.content)
        self.assertIn(' data-style="', posted.json()["html"])
        self.assertNotIn(" style=", posted.json()["html"])


class StylesToSheetTests(SimpleTestCase):
    def test_each_distinct_style_becomes_one_rule_that_wins_as_the_attribute_did(self):
        html, sheet = csp.styles_to_sheet(
            '<p><span class="strut" style="height:1em;vertical-align:-0.2em;"></span>'
            '<span style="top:-3em;"></span><span class="x" style="height:1em;vertical-align:-0.2em;">'
            "</span></p>"
        )
        self.assertEqual(
            html,
            '<p><span class="strut" data-ks="0"></span><span data-ks="1"></span>'
            '<span class="x" data-ks="0"></span></p>',
        )
        self.assertEqual(
            sheet,
            '[data-ks="0"]{height:1em!important;vertical-align:-0.2em!important}'
            '[data-ks="1"]{top:-3em!important}',
        )

    def test_a_style_that_could_leave_its_rule_or_the_sheet_is_dropped(self):
        for value in (
            "color:red}body{display:none",
            "x:</style><script>",
            "a:b;c:url(&quot;x&quot;)",
        ):
            with self.subTest(value=value):
                html, sheet = csp.styles_to_sheet(f'<span style="{value}">a</span>')
                self.assertEqual((html, sheet), ("<span>a</span>", ""))

    def test_style_inside_another_attributes_value_or_in_text_is_left_alone(self):
        html = '<a title="a style=" href="/x">b style="top:1em"</a><img alt=" style=">'
        self.assertEqual(csp.styles_to_sheet(html), (html, ""))


class PolicyTests(SimpleTestCase):
    def run_middleware(self, response: HttpResponse) -> HttpResponse:
        middleware = ContentSecurityPolicyMiddleware(lambda request: response)
        return middleware(RequestFactory().get("/"))

    def test_a_response_with_a_policy_of_its_own_keeps_it(self):
        own = HttpResponse(headers={"Content-Security-Policy": "default-src 'none'"})
        self.assertEqual(self.run_middleware(own)["Content-Security-Policy"], "default-src 'none'")

    @override_settings(CSP_FORM_ACTION=["'self'", "https://github.com"])
    def test_forms_may_go_to_the_log_in_providers_that_are_on(self):
        # Their log-in is a POST here answered by a redirect there, which Chrome checks too.
        response = self.run_middleware(HttpResponse())
        self.assertEqual(directives(response)["form-action"], "'self' https://github.com")
        self.assertEqual(response["Content-Security-Policy"], csp.policy())


class CachedPageTests(PageCacheTestCase):
    def test_a_page_served_from_the_cache_carries_the_policy(self):
        paper = self.write(make_paper, "Cached Paper")
        self.write(make_summary, paper, self.alice, "Math: $x^2$.")
        miss = self.client.get(paper.get_absolute_url())
        hit = self.client.get(paper.get_absolute_url())
        self.assertEqual((miss["X-Cache"], hit["X-Cache"]), ("miss", "hit"))
        self.assertEqual(hit["Content-Security-Policy"], miss["Content-Security-Policy"])
        self.assertEqual(directives(hit)["script-src"], "'self'")
        # The page's own sheet, kept with it, and the hash that allows it.
        self.assertEqual(hit.content, miss.content)
        self.assertIn(hash_of(sheet_of(hit)), directives(hit)["style-src-elem"])


class TemplatesKeepToThePolicyTests(SimpleTestCase):
    """What the policy would block, kept out of the templates: scripts and styles live in
    static files (emails are not pages, and keep their inline styles)."""

    INLINE = {
        "a style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE),
        "an inline script": re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>"),
        "a style element": re.compile(r"<style\b"),
        "an event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE),
        "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    }

    def test_no_page_template_has_an_inline_script_a_style_element_or_an_event_handler(self):
        found = []
        for path in sorted(TEMPLATES.rglob("*.html")):
            if path.relative_to(TEMPLATES).parts[0] == "emails":
                continue
            text = path.read_text()
            for what, pattern in self.INLINE.items():
                found += [f"{path.relative_to(TEMPLATES)}: {what}" for _ in pattern.findall(text)]
        self.assertEqual(found, [])
