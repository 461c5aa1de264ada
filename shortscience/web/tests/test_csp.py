from __future__ import annotations

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
    def test_a_page_runs_only_the_sites_own_scripts_and_allows_inline_style_attributes_only(
        self,
    ):
        policy = directives(self.client.get("/about"))
        self.assertEqual(policy["script-src"], "'self'")
        self.assertEqual(policy["style-src"], "'self'")
        self.assertEqual(policy["style-src-elem"], "'self'")
        self.assertEqual(policy["style-src-attr"], "'unsafe-inline'")
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


class TemplatesKeepToThePolicyTests(SimpleTestCase):
    """What the policy would block, kept out of the templates: scripts and styles live in
    static files (emails are not pages, and keep their inline styles)."""

    INLINE = {
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
