"""Walks through the site in real Chromium. One reads typeset math with JavaScript off, then
writes a summary with math, watches the live preview, publishes it and finds it on the page.
The other is the community round trip: a newcomer signs up, confirms their email, publishes,
comments with math, votes (in place, no reload) and reports; a moderator hides the reported
summary from the queue; an anonymous visitor finds the action and its reason on the public log
and the summary gone from the paper page. The third takes the main pages, for a visitor and for
a member, at a desktop's and a phone's width, in light and dark: no page wider than a phone,
no axe violation at moderate or above, and a screenshot of each under var/screenshots/.

Runs when Chromium is installed (Debian's `chromium` package; CHROMIUM_PATH overrides the
path); CI sets REQUIRE_BROWSER=1 so that a missing browser fails instead of skipping. axe-core
comes from npm (node_modules/axe-core), injected into each page by the test.
"""

from __future__ import annotations

import os
import re
import shutil
import unittest
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from shortscience.accounts.permissions import MODERATORS_GROUP
from shortscience.community.models import Comment, Vote
from shortscience.groups.models import ReadingGroup
from shortscience.groups.services import create_group, post, schedule_meeting
from shortscience.lists.models import ReadingList
from shortscience.lists.services import add_paper, create_list
from shortscience.moderation.models import ModerationAction, Report
from shortscience.notifications.services import follow
from shortscience.papers.models import Paper
from shortscience.summaries.models import Summary
from shortscience.test import make_summary, make_user

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
)
REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
AXE_CORE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# axe's impacts are critical, serious, moderate and minor: the site allows none of the first three.
BLOCKING = ("critical", "serious", "moderate")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# What a page's elements stick out past the viewport's right edge, for a failure message. The
# MathML twin of each formula is clipped to 1 px by KaTeX's CSS: its boxes are not seen.
WIDE_ELEMENTS = """width => [...document.querySelectorAll("body *")]
  .filter(e => !e.closest(".katex-mathml") && e.getBoundingClientRect().right > width + 1)
  .slice(0, 8)
  .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
       + (typeof e.className === "string" && e.className.trim() ? "." + e.className.trim().split(/\\s+/).join(".") : "")
       + " (right edge at " + Math.round(e.getBoundingClientRect().right) + " px)")"""
AXE_RUN = """async options => (await axe.run(document, options)).violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" ")),
}))"""
# Web fonts loaded and two frames drawn: the layout is final and site.js has marked the boxes
# that scroll.
SETTLED = """async () => {
  await document.fonts.ready;
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""

# A summary that tries the layout and the outline: a section heading as writers use them, a wide
# table, a formula wider than a phone, an unbroken URL and identifier, a long line of code.
WIDE_SUMMARY = (
    "## What they did\n\n"
    "The update calls `torch.nn.functional.scaled_dot_product_attention_with_a_long_name` "
    "and is described at https://example.org/a/very/long/path/without/any/break/in/it/at/all.\n\n"
    "| model | parameters | BLEU en-de | BLEU en-fr | training cost (FLOPs) | notes |\n"
    "|---|---|---|---|---|---|\n"
    "| Transformer base | 65M | 27.3 | 38.1 | 3.3e18 | the baseline that everyone compares with |\n"
    "| Transformer big | 213M | 28.4 | 41.8 | 2.3e19 | more heads and a wider feed-forward layer |\n\n"
    "$$\\mathcal{L}(\\theta) = \\sum_{i=1}^{n} \\log p_\\theta(x_i \\mid x_{<i}) "
    "+ \\lambda \\lVert \\theta \\rVert_2^2 + \\mathbb{E}_{q_\\phi(z \\mid x)}"
    "\\left[\\log p_\\theta(x \\mid z)\\right] - D_{\\mathrm{KL}}(q_\\phi \\,\\|\\, p)$$\n\n"
    "```\nfor step in range(num_training_steps): loss = model(batch).loss; loss.backward(); "
    "optimizer.step()\n```\n"
)

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - playwright is a dev dependency
    sync_playwright = None


# How many of the formulas' struts under a selector have no height: KaTeX gives each one its
# height in a style, and without it the strut is empty and flat.
STRUTS_WITHOUT_HEIGHT = """where => {
    const struts = [...document.querySelectorAll(where + " .katex-html .katex-strut")];
    if (!struts.length) throw new Error("no formula under " + where);
    return struts.filter(e => e.getBoundingClientRect().height === 0).length;
}"""


@unittest.skipUnless((CHROMIUM and sync_playwright) or REQUIRED, "Chromium is not installed")
class ChromiumTestCase(StaticLiveServerTestCase):
    """A live server and one Chromium for the class (the browser tests of every app)."""

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

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


class BrowserWalkTests(ChromiumTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        cls.axe_source = AXE_CORE.read_text() if AXE_CORE.exists() else None

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
        # KaTeX's positions come from the page's own sheet (web/csp.py), the policy allowing no
        # inline style: a strut has its height, a stacked box its offset.
        self.assertEqual(page.locator(".summary-body [style]").count(), 0)
        self.assertEqual(page.evaluate(STRUTS_WITHOUT_HEIGHT, ".summary-body"), 0)
        offset = page.locator(".summary-body .vlist > span[data-ks]").first
        self.assertNotEqual(offset.evaluate("e => getComputedStyle(e).top"), "auto")
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
        # "main": the header has a search form with its own submit button.
        page.click("main form button[type=submit]")
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
        # The preview's positions arrive as data-style, which site.js applies.
        self.assertEqual(page.evaluate(STRUTS_WITHOUT_HEIGHT, "#preview"), 0)
        self.assertEqual(page.locator("#preview [data-style]").count(), 0)
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

    def log_in(self, page, username: str, password: str) -> None:
        page.goto(self.live_server_url + "/accounts/login/")
        page.fill("input[name=login]", username)
        page.fill("input[name=password]", password)
        page.click("main form button[type=submit]")
        page.wait_for_url(self.live_server_url + "/")

    def test_a_newcomer_signs_up_and_takes_part_and_a_moderator_hides_what_they_reported(self):
        url = self.live_server_url
        context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()

        # 1. Sign up, leaving the honeypot field alone: it sits off-screen, out of sight.
        page.goto(url + "/accounts/signup/")
        expect(page.locator("input[name=website]")).not_to_be_in_viewport()
        page.fill("input[name=email]", "newton@example.org")
        page.fill("input[name=username]", "newton")
        page.fill("input[name=password1]", "apple-falls-1687")
        page.fill("input[name=password2]", "apple-falls-1687")
        page.click("main form.signup button[type=submit]")
        page.wait_for_url("**/accounts/confirm-email/")
        newton = EmailAddress.objects.get(email="newton@example.org", verified=False).user

        # 2. allauth sends the confirmation through Django's mail backend (so in tests it is
        # django.core.mail.outbox), not through the notifications' OutboxEmail table.
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["newton@example.org"])
        link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[0].body)
        self.assertIsNotNone(link, mail.outbox[0].body)
        page.goto(url + link.group(1))
        page.click("main form button[type=submit]")
        # Confirming does not log in (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION is off): it leads
        # to the log-in page.
        page.wait_for_url("**/accounts/login/")
        self.assertTrue(EmailAddress.objects.get(user=newton).verified)
        self.log_in(page, "newton", "apple-falls-1687")
        page.screenshot(path=str(SCREENSHOTS / "community-1-confirmed.png"))

        # 3. Write a summary with math on a demo paper and publish it.
        target = Paper.objects.exclude(summaries__isnull=False).first()
        page.goto(url + target.get_absolute_url())
        page.click("text=Write the first summary")
        page.fill(
            "textarea[name=body]",
            "Gravity falls off as $F = G m_1 m_2 / r^2$.\n\n$$\\oint \\mathbf{g} \\cdot d\\mathbf{A} = -4\\pi G M$$\n",
        )
        expect(page.locator("#preview .katex-display")).to_be_visible(timeout=10_000)
        page.click("button[name=publish]")
        page.wait_for_url("**/summary/*")
        mine = Summary.objects.get(user=newton, paper=target)
        expect(page.locator(f"#summary-{mine.pk} .summary-body .katex-display")).to_be_visible()

        # 4. Comment with math on another member's (demo) summary; it shows typeset.
        other = (
            Summary.objects.filter(visibility="public", is_hidden=False, is_anonymous=False)
            .exclude(user=newton)
            .select_related("paper", "user")
            .first()
        )
        page.goto(url + other.get_absolute_url())
        page.fill("#new-comment", "Does the bound still hold when $x^2 > n$?")
        # Preview first: it shows under the text box, typeset, and posts nothing.
        page.locator("#comments > form.comment-form [data-comment-preview]").click()
        preview = page.locator("#comments > form.comment-form .comment-preview")
        expect(preview.locator(".katex-html")).to_be_visible()
        self.assertFalse(Comment.objects.filter(user=newton).exists())
        if self.axe_source:
            self.inject_axe(page)
            self.assertEqual(self.axe(page, "summary with a comment preview"), [])
        page.click("text=Post comment")
        page.wait_for_url("**#comment-*")
        comment = Comment.objects.get(user=newton, summary=other)
        typeset = page.locator(f"#comment-{comment.pk} .comment-body .katex")
        expect(typeset).to_be_visible()
        expect(typeset.locator(".katex-mathml annotation")).to_have_text("x^2 > n")

        # 5. Vote the summary up: the score changes in place, without a page reload.
        widget = page.locator(f"#summary-{other.pk} [data-vote]")
        before = int(widget.locator(".score").inner_text())
        page.evaluate("window.__samePage = true")
        widget.locator(".vote-up").click()
        expect(widget.locator(".score")).to_have_text(str(before + 1))
        expect(widget).to_have_class(re.compile(r"\bvoted-up\b"))
        expect(widget.locator(".vote-up")).to_have_attribute("aria-pressed", "true")
        self.assertTrue(page.evaluate("window.__samePage === true"))
        self.assertTrue(Vote.objects.filter(user=newton, summary=other, value=1).exists())
        page.screenshot(path=str(SCREENSHOTS / "community-2-comment-and-vote.png"), full_page=True)

        # 6. Report the summary, with a reason and a note; the form answers in place.
        page.locator(f"#summary-{other.pk} .report-link").click()
        page.wait_for_url(re.compile(rf"/moderation/report/summary/{other.pk}\?next="))
        page.check("input[name=reason][value=plagiarism]")
        page.fill("#report-note", "Whole paragraphs copied from the abstract.")
        page.click("text=Send report")
        expect(page.locator(".report-status")).to_contain_text("Thank you")
        report = Report.objects.get(reporter=newton)
        self.assertEqual((report.reason, report.target_id), ("plagiarism", other.pk))
        page.screenshot(path=str(SCREENSHOTS / "community-3-reported.png"))
        context.close()

        # 7. A moderator, in their own browser session, hides it from the queue with a reason.
        moderator = make_user("mona", display_name="Mona Moderator")
        # get_or_create: a TransactionTestCase before this one may have flushed the
        # group that the data migration made.
        moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
        EmailAddress.objects.create(
            user=moderator, email=moderator.email, verified=True, primary=True
        )
        context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        self.log_in(page, "mona", "password")
        page.goto(url + "/moderation/queue")
        item = page.locator(f"#queue-summary-{other.pk}")
        expect(item.locator(".queue-reports")).to_contain_text("Plagiarism")
        expect(item.locator(".queue-reports")).to_contain_text("@newton")
        reason = "Copied from the paper's abstract without attribution."
        item.locator("input[name=reason]").fill(reason)
        item.locator("button[value=hide]").click()
        expect(item).to_have_class(re.compile(r"\bdone\b"))
        expect(item.locator(".queue-status")).to_contain_text("Hid")
        page.screenshot(path=str(SCREENSHOTS / "community-4-queue.png"))
        context.close()
        other.refresh_from_db()
        self.assertTrue(other.is_hidden)
        self.assertEqual(ModerationAction.objects.get().reason, reason)

        # 8. Anyone sees the action and its reason on the public log; the summary is gone.
        context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(url + "/moderation/log")
        row = page.locator("table.moderation-log tbody tr").first
        expect(row).to_contain_text("Mona Moderator")
        expect(row).to_contain_text(reason)
        expect(row).not_to_contain_text("newton")
        page.screenshot(path=str(SCREENSHOTS / "community-5-log.png"))
        page.goto(url + other.paper.get_absolute_url())
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator(f"#summary-{other.pk}")).to_have_count(0)
        self.assertNotIn(other.body_html[:200], page.content())
        page.screenshot(path=str(SCREENSHOTS / "community-6-paper-after-hide.png"), full_page=True)
        response = page.goto(url + other.get_absolute_url())
        self.assertEqual(response.status, 404)
        context.close()

    def test_without_javascript_a_comment_preview_is_a_page_of_its_own_and_posting_follows(self):
        summary = Summary.objects.filter(visibility="public", is_hidden=False).first()
        context = self.browser.new_context(java_script_enabled=False, viewport=PHONE)
        page = context.new_page()
        self.log_in(page, "writer", "password")
        page.goto(self.live_server_url + summary.get_absolute_url())
        page.fill("#new-comment", "So $\\sum_i x_i$ converges?")
        page.locator("#comments [data-comment-preview]").first.click()
        page.wait_for_url(f"**/summary/{summary.pk}/comments/preview")
        expect(page.locator(".comment-preview .katex-html")).to_be_visible()
        expect(page.locator("textarea[name=body]")).to_have_value("So $\\sum_i x_i$ converges?")
        self.assertEqual(self.overflow(page, "comment preview"), [])
        self.shoot(page, "comment-preview-nojs-phone")
        self.assertFalse(Comment.objects.filter(user=self.writer).exists())
        page.click("main form button:text-is('Post')")
        page.wait_for_url("**#comment-*")
        self.assertEqual(Comment.objects.get(user=self.writer).body, "So $\\sum_i x_i$ converges?")
        context.close()

    # --- Every main page: phone width, axe, dark mode -------------------------------------

    def main_pages(self) -> dict[str, list[tuple[str, str]]]:
        """(name, path) of the main pages a visitor and a member see, made with the services."""
        paper = Paper.objects.filter(
            summaries__visibility="public", summaries__body_html__contains="katex-display"
        ).first()
        mine = make_summary(paper, self.writer, body=WIDE_SUMMARY)
        other = paper.summaries.filter(visibility="public").exclude(user=self.writer).first()
        draft_paper = Paper.objects.exclude(summaries__isnull=False).first()
        draft = make_summary(draft_paper, self.writer, body=WIDE_SUMMARY, visibility="private")
        # The writer's own list, with the owner's tools on every paper.
        self.writer_list = create_list(
            self.writer, title="Papers for the thesis", visibility="unlisted"
        )
        for listed in (paper, draft_paper):
            add_paper(self.writer_list, listed, note="Section 3, and the appendix's proofs.")
        # The writer runs a reading group: the organiser's tools, a meeting they present.
        self.writer_group = create_group(self.writer, name="Thesis reading group")
        meeting = schedule_meeting(
            self.writer_group,
            self.writer,
            paper=paper,
            starts_at=timezone.now() + timedelta(days=2),
            minutes=60,
            time_zone="Europe/Berlin",
            presenter=self.writer,
            location="Room 2.14 and https://meet.example.org/thesis",
            notes="",
        )
        post(
            meeting,
            self.writer,
            "Read section 3 first; the proof of $\\|W\\|_2 \\le 1$ is in the appendix.",
        )
        demo_group = ReadingGroup.objects.public().exclude(pk=self.writer_group.pk).first()
        # The "Following" state of both kinds of follow button.
        follow(self.writer, paper)
        follow(self.writer, other)
        visitor = [
            ("home", "/"),
            ("paper", paper.get_absolute_url()),
            ("summary", mine.get_absolute_url()),
            ("venue", paper.venue.get_absolute_url()),
            ("keyword", paper.keyword_list[0].get_absolute_url()),
            ("author", paper.ordered_authors[0].get_absolute_url()),
            ("profile", reverse("members:profile", args=[self.writer.username])),
            ("users", reverse("members:directory")),
            ("search", reverse("search:search") + "?q=" + paper.title.split()[-1]),
            ("data", reverse("dumps:page")),
            ("wanted", reverse("discovery:wanted")),
            ("lists", reverse("lists:directory")),
            ("coverage", reverse("lists:coverage")),
            ("list", ReadingList.objects.public().first().get_absolute_url()),
            ("groups", reverse("groups:directory")),
            ("group", demo_group.get_absolute_url()),
            ("meeting", demo_group.meetings.past().first().get_absolute_url()),
            # No public summary: the page asks "would you read one?"
            ("unsummarised", draft_paper.get_absolute_url()),
            ("login", "/accounts/login/"),
        ]
        member = [page for page in visitor if page[0] != "login"] + [
            ("other-summary", other.get_absolute_url()),
            ("draft", draft.get_absolute_url()),
            ("editor", reverse("summaries:edit", args=[paper.pk])),
            ("own-list", self.writer_list.get_absolute_url()),
            ("own-group", self.writer_group.get_absolute_url()),
            ("own-meeting", meeting.get_absolute_url()),
            ("meeting-form", reverse("groups:meeting_new", args=[self.writer_group.slug])),
            ("settings", reverse("accounts:settings")),
        ]
        return {"visitor": visitor, "member": member}

    def inject_axe(self, page) -> None:
        # Through the DevTools protocol, as an extension would: the site's Content-Security-
        # Policy refuses inline scripts, as it should, so a <script> tag of it would not run.
        page.evaluate(self.axe_source)

    def open(self, page, path: str) -> None:
        response = page.goto(self.live_server_url + path)
        self.assertEqual(response.status, 200, path)
        if self.axe_source and not page.evaluate("!!window.axe"):
            self.inject_axe(page)
        page.evaluate(SETTLED)

    def resize(self, page, viewport: dict[str, int]) -> None:
        page.set_viewport_size(viewport)
        page.evaluate(SETTLED)

    def overflow(self, page, where: str) -> list[str]:
        width = page.viewport_size["width"]
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width <= width:
            return []
        wide = ", ".join(page.evaluate(WIDE_ELEMENTS, width))
        return [f"{where}: {scroll_width} px wide at {width} px: {wide}"]

    def axe(self, page, where: str, rules: list[str] | None = None) -> list[str]:
        options = {"resultTypes": ["violations"]}
        if rules:
            options["runOnly"] = {"type": "rule", "values": rules}
        return [
            f"{where}: {v['impact']} {v['id']} ({v['help']}): {'; '.join(v['nodes'][:4])}"
            for v in page.evaluate(AXE_RUN, options)
            if v["impact"] in BLOCKING
        ]

    def shoot(self, page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def test_the_pages_for_a_database_that_cannot_be_reached_and_for_an_error_pass_too(self):
        if self.axe_source is None:
            if REQUIRED:
                self.fail(f"axe-core is not installed at {AXE_CORE} (npm ci)")
            self.skipTest("axe-core is not installed (npm ci)")
        paper = Paper.objects.first()
        problems: list[str] = []
        page = self.browser.new_context(viewport=DESKTOP).new_page()
        for name, error, status in (
            ("unavailable", OperationalError("connection refused"), 503),
            ("error", ValueError("a bug"), 500),
        ):
            # The live server's thread reads the paper page, which fails as the error says.
            with mock.patch("shortscience.discovery.reading.page_number", side_effect=error):
                response = page.goto(self.live_server_url + paper.get_absolute_url())
                self.assertEqual(response.status, status)
                self.inject_axe(page)
                for viewport, width in ((DESKTOP, 1280), (PHONE, 390)):
                    self.resize(page, viewport)
                    problems += self.overflow(page, name)
                    problems += self.axe(page, f"{name} at {width}")
                    self.shoot(page, f"{name}-{width}")
            self.assertNotIn("a bug", page.content())
        page.context.close()
        if problems:
            self.fail(f"{len(problems)} problems:\n" + "\n".join(problems))

    def test_the_main_pages_fit_a_phone_and_pass_axe_in_light_and_dark_for_visitors_and_members(
        self,
    ):
        if self.axe_source is None:
            if REQUIRED:
                self.fail(f"axe-core is not installed at {AXE_CORE} (npm ci)")
            self.skipTest("axe-core is not installed (npm ci)")
        pages = self.main_pages()
        problems: list[str] = []
        visitor = self.browser.new_context(viewport=DESKTOP)
        member = self.browser.new_context(viewport=DESKTOP)
        self.log_in(member.new_page(), "writer", "password")

        # 1. Each page with JavaScript on: axe and a screenshot at desktop width; then the same
        # page at phone width: no sideways scrolling, axe, a screenshot; then at phone width in
        # dark colours: axe's colour contrast and a screenshot.
        for role, context in (("visitor", visitor), ("member", member)):
            page = context.pages[0] if context.pages else context.new_page()

            # Chromium reports what the Content-Security-Policy blocked on the console: the
            # site's own scripts, styles and KaTeX's inline style attributes must pass it.
            def blocked(message, role=role, page=page, problems=problems):
                if "Content Security Policy" in message.text:
                    problems.append(f"{role} {page.url}: {message.text}")

            page.on("console", blocked)
            for name, path in pages[role]:
                page.emulate_media(color_scheme="light")
                self.resize(page, DESKTOP)
                self.open(page, path)
                if name == "editor":
                    # The live preview has typeset the summary, beside the text.
                    expect(page.locator("#preview .katex-display")).to_be_visible()
                    page.evaluate(SETTLED)  # site.js marks the preview's wide boxes
                    preview = page.locator("#preview").bounding_box()
                    text = page.locator("textarea[name=body]").bounding_box()
                    self.assertGreater(preview["x"], text["x"] + text["width"])
                problems += self.axe(page, f"{role} {name} at 1280")
                self.shoot(page, f"{role}-{name}-1280")

                self.resize(page, PHONE)
                problems += self.overflow(page, f"{role} {name}")
                problems += self.axe(page, f"{role} {name} at 390")
                if name == "editor":
                    # On a phone the preview comes right after the text, before the options.
                    preview = page.locator("#preview").bounding_box()
                    options = page.locator("select[name=visibility]").bounding_box()
                    self.assertLess(preview["y"], options["y"])
                if name == "summary" and role == "member":
                    # The owner's tools hold nothing for a public summary: no empty bar.
                    expect(page.locator(".owner-tools")).to_be_hidden()
                self.shoot(page, f"{role}-{name}-390")

                page.emulate_media(color_scheme="dark")
                page.evaluate(SETTLED)
                if name == "paper":
                    background, text, math = page.evaluate(
                        """() => [document.body, document.querySelector(".katex-html")]
                            .flatMap(e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color])
                            .filter((_, i) => i !== 2)"""
                    )
                    self.assertNotEqual(background, "rgb(255, 255, 255)")
                    self.assertEqual(math, text, "math is drawn in the text's colour")
                problems += self.axe(page, f"{role} {name} in dark", rules=["color-contrast"])
                self.shoot(page, f"{role}-{name}-390-dark")

        # 2. JavaScript off: the pages still fit a phone (site.js only adds keyboard focus).
        for role, context in (("visitor", visitor), ("member", member)):
            plain = self.browser.new_context(
                viewport=PHONE, java_script_enabled=False, storage_state=context.storage_state()
            )
            page = plain.new_page()
            for name, path in pages[role]:
                page.goto(self.live_server_url + path)
                problems += self.overflow(page, f"{role} {name} without JavaScript")
            plain.close()
        visitor.close()
        member.close()

        if problems:
            self.fail(f"{len(problems)} problems:\n" + "\n".join(problems))
