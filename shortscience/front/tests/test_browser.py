"""One walk through the site in real Chromium: read typeset math with JavaScript off,
then write a summary with math, watch the live preview, publish it and find it on the page.

Runs when Chromium is installed (Debian's `chromium` package; CHROMIUM_PATH overrides the
path); CI sets REQUIRE_BROWSER=1 so that a missing browser fails instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import unittest
from io import StringIO
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core.management import call_command

from shortscience.papers.models import Paper
from shortscience.summaries.models import Summary
from shortscience.test import make_user

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
)
REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - playwright is a dev dependency
    sync_playwright = None


@unittest.skipUnless((CHROMIUM and sync_playwright) or REQUIRED, "Chromium is not installed")
class BrowserWalkTests(StaticLiveServerTestCase):
    @classmethod
    def setUpClass(cls):
        # Playwright's sync API runs an event loop in this thread; the ORM calls the test
        # makes between browser steps are ordinary blocking calls, which Django would refuse.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        super().setUpClass()
        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def setUp(self):
        call_command("load_demo", stdout=StringIO())
        self.writer = make_user("writer", display_name="Wanda Writer")
        EmailAddress.objects.create(
            user=self.writer, email=self.writer.email, verified=True, primary=True
        )

    def test_math_is_typeset_without_javascript_and_a_summary_goes_from_editor_to_page(self):
        paper = Paper.objects.filter(
            summaries__visibility="public", summaries__body_html__contains="katex-display"
        ).first()
        self.assertIsNotNone(paper)

        # 1. A reader with JavaScript off sees typeset math, styled by the site's own KaTeX CSS.
        context = self.browser.new_context(
            java_script_enabled=False, viewport={"width": 1200, "height": 900}
        )
        page = context.new_page()
        page.goto(self.live_server_url + paper.get_absolute_url())
        formula = page.locator(".summary-body .katex-display .katex-html").first
        expect(formula).to_be_visible()
        box = formula.bounding_box()
        self.assertGreater(box["width"], 10)
        self.assertGreater(box["height"], 10)
        font = formula.locator(".mord").first.evaluate("e => getComputedStyle(e).fontFamily")
        self.assertIn("KaTeX", font)
        # The MathML twin is there for screen readers but clipped away for sighted readers.
        mathml = page.locator(".summary-body .katex-mathml").first
        self.assertEqual(mathml.evaluate("e => getComputedStyle(e).position"), "absolute")
        page.screenshot(path=str(SCREENSHOTS / "paper-no-js.png"), full_page=False)
        context.close()

        # 2. A writer logs in, writes with math, sees the live preview, publishes.
        target = Paper.objects.exclude(summaries__isnull=False).first()
        context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(self.live_server_url + "/accounts/login/")
        page.fill("input[name=login]", "writer")
        page.fill("input[name=password]", "password")
        page.click("form button[type=submit]")
        page.wait_for_url(self.live_server_url + "/")
        page.goto(self.live_server_url + target.get_absolute_url())
        page.click("text=Write the first summary")
        page.fill(
            "textarea[name=body]",
            "The key quantity is $\\mathcal{L}(\\theta) = \\sum_i \\log p_\\theta(x_i)$, maximised.\n\n"
            "$$\\nabla_\\theta \\mathcal{L} = 0$$\n",
        )
        preview = page.locator("#preview .katex").first
        expect(preview).to_be_visible(timeout=10_000)
        page.screenshot(path=str(SCREENSHOTS / "editor-preview.png"), full_page=False)
        page.click("button[name=publish]")
        page.wait_for_url("**/summary/*")

        summary = Summary.objects.get(user=self.writer, paper=target)
        self.assertIn("katex", summary.body_html)
        page.goto(self.live_server_url + target.get_absolute_url())
        published = page.locator(f"#summary-{summary.pk}")
        expect(published.locator(".byline")).to_have_text("Wanda Writer")
        expect(published.locator(".katex-display")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "paper-published.png"), full_page=True)
        context.close()
