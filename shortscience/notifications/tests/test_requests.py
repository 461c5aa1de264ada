"""Summary requests: "I would read a summary of this", counted on the paper's page and on
/wanted, and ended, with the requester told, when a public summary appears."""

from __future__ import annotations

import io
import json
import zipfile

from django.urls import reverse

from shortscience.members.services import delete_account, export_user_data
from shortscience.notifications.models import Follow, Notification, SummaryRequest
from shortscience.notifications.services import CannotRequest, request_summary
from shortscience.notifications.tests.helpers import NotificationTestCase
from shortscience.test import make_paper, make_summary, make_user, run_tasks
from shortscience.web.tests.helpers import PageCacheTestCase

Kind = Notification.Kind


def ask(client, paper, **extra):
    return client.post(reverse("notifications:request", args=[paper.pk]), **extra)


class RequestTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Deep Residual Learning", keywords=["cs.CV"])

    def test_a_member_asks_once_and_the_paper_page_counts_them(self):
        self.client.force_login(self.bob)
        self.assertEqual(ask(self.client, self.paper).status_code, 303)
        self.assertEqual(ask(self.client, self.paper).status_code, 303)
        request = SummaryRequest.objects.get()
        self.assertEqual(
            (request.user, request.paper, request.fields), (self.bob, self.paper, " cs ")
        )
        page = self.client.get(self.paper.get_absolute_url()).content.decode()
        self.assertIn("1 member would read a summary of this paper.", page)
        self.assertIn("Withdraw my request", page)

    def test_a_visitor_gets_a_log_in_link_and_a_post_goes_to_the_log_in(self):
        page = self.client.get(self.paper.get_absolute_url()).content.decode()
        self.assertIn("Nobody has asked for a summary of this paper yet.", page)
        self.assertNotIn(reverse("notifications:request", args=[self.paper.pk]), page)
        self.assertIn("/accounts/login/", ask(self.client, self.paper)["Location"])
        self.assertEqual(
            ask(self.client, self.paper, HTTP_ACCEPT="application/json").status_code, 401
        )
        self.assertFalse(SummaryRequest.objects.exists())

    def test_a_paper_with_a_public_summary_takes_no_request(self):
        make_summary(self.paper, self.alice)
        self.paper.refresh_from_db()
        with self.assertRaises(CannotRequest):
            request_summary(self.bob, self.paper)
        self.client.force_login(self.bob)
        answer = ask(self.client, self.paper, HTTP_ACCEPT="application/json")
        self.assertEqual(answer.status_code, 409)
        self.assertIn("has a summary already", answer.json()["error"])
        self.assertFalse(SummaryRequest.objects.exists())
        self.assertNotIn(
            "summary-request", self.client.get(self.paper.get_absolute_url()).content.decode()
        )

    def test_withdrawing_removes_the_request(self):
        self.client.force_login(self.bob)
        ask(self.client, self.paper)
        self.client.post(reverse("notifications:withdraw_request", args=[self.paper.pk]))
        self.assertFalse(SummaryRequest.objects.exists())

    def test_a_public_summary_ends_the_requests_and_tells_each_requester_once(self):
        request_summary(self.bob, self.paper)
        request_summary(self.charlie, self.paper)
        Follow.objects.create(user=self.charlie, paper=self.paper)  # hears once, as requester
        request_summary(self.alice, self.paper)  # the writer: her request ends, untold
        summary = self.save_summary(self.paper, self.alice)
        told = {(n.recipient.username, n.kind) for n in Notification.objects.all()}
        self.assertEqual(
            told, {("bob", Kind.SUMMARY_REQUESTED), ("charlie", Kind.SUMMARY_REQUESTED)}
        )
        self.assertIn("summarized", Notification.objects.filter(recipient=self.bob).get().message())
        self.assertIn(
            "as you asked", Notification.objects.filter(recipient=self.bob).get().message()
        )
        self.assertFalse(SummaryRequest.objects.open().exists())
        self.assertEqual(
            set(SummaryRequest.objects.values_list("ended_by", flat=True)), {summary.pk}
        )

    def test_an_anonymous_summary_is_told_as_anonymous(self):
        request_summary(self.bob, self.paper)
        self.save_summary(self.paper, self.alice, is_anonymous=True)
        message = Notification.objects.get(recipient=self.bob).message()
        self.assertIn("Anonymous summarized", message)
        self.assertNotIn("Alice", message)

    def test_a_private_summary_ends_nothing_and_tells_nobody(self):
        request_summary(self.bob, self.paper)
        self.save_summary(self.paper, self.alice, visibility="private")
        self.assertTrue(SummaryRequest.objects.open().exists())
        self.assertFalse(Notification.objects.exists())

    def test_a_request_ended_by_a_summary_made_private_since_can_be_made_again(self):
        request_summary(self.bob, self.paper)
        self.save_summary(self.paper, self.alice)
        self.save_summary(self.paper, self.alice, visibility="private")
        self.paper.refresh_from_db()
        request = request_summary(self.bob, self.paper)
        self.assertTrue(request.is_open)
        self.assertEqual(SummaryRequest.objects.count(), 1)

    def test_closing_an_account_removes_its_requests_and_the_export_lists_them(self):
        request_summary(self.bob, self.paper)
        with zipfile.ZipFile(io.BytesIO(export_user_data(self.bob))) as z:
            account = json.loads(z.read("account.json"))
        self.assertEqual(
            [(r["title"], r["ended"]) for r in account["summary_requests"]],
            [("Deep Residual Learning", None)],
        )
        delete_account(user=self.bob, keep_content=True)
        self.assertFalse(SummaryRequest.objects.exists())


class WantedTests(NotificationTestCase):
    def test_papers_come_by_their_open_requests_and_leave_when_summarised(self):
        most = make_paper("Most Wanted", keywords=["stat.ML"])
        less = make_paper("Less Wanted", keywords=["math.OC"])
        for member in (self.alice, self.bob):
            request_summary(member, most)
        request_summary(self.charlie, less)
        page = self.client.get(reverse("discovery:wanted")).content.decode()
        self.assertLess(page.index("Most Wanted"), page.index("Less Wanted"))
        self.assertIn("<strong>2</strong> requests", page)
        self.assertNotIn("alice", page.lower().split("<main")[1].split("</main>")[0])
        statistics = self.client.get(
            reverse("discovery:wanted"), {"field": "math"}
        ).content.decode()
        self.assertIn("Less Wanted", statistics)
        self.assertNotIn("Most Wanted", statistics)
        # Gone at once when a summary is public, before the worker ends the requests.
        make_summary(most, make_user("writer"))
        page = self.client.get(reverse("discovery:wanted")).content.decode()
        self.assertNotIn("Most Wanted", page)
        self.assertIn("Less Wanted", page)

    def test_the_page_takes_the_same_queries_for_one_paper_or_many(self):
        request_summary(self.alice, make_paper("First"))
        url = reverse("discovery:wanted")
        self.client.get(url)
        with self.assertNumQueries(4) as one:
            self.client.get(url)
        for n in range(6):
            request_summary(self.bob, make_paper(f"Other {n}", keywords=["cs.LG", "stat.ML"]))
        with self.assertNumQueries(len(one.captured_queries)):
            page = self.client.get(url)
        self.assertContains(page, "Other 5")


class FreshnessTests(PageCacheTestCase):
    """Through the page cache: a request, its withdrawal and a summary show at once."""

    def test_the_paper_page_and_wanted_show_a_request_and_its_end_at_once(self):
        paper = self.write(make_paper, "Cached Wanted")
        url, wanted = paper.get_absolute_url(), reverse("discovery:wanted")
        self.assertNotContains(self.client.get(wanted), "Cached Wanted")
        self.assertContains(self.client.get(url), "Nobody has asked")
        self.write(request_summary, self.bob, paper)
        self.assertContains(self.client.get(url), "1 member would read")
        self.assertContains(self.client.get(wanted), "Cached Wanted")
        self.write(make_summary, paper, self.alice)
        with self.captureOnCommitCallbacks(execute=True):
            run_tasks()
        self.assertNotContains(self.client.get(wanted), "Cached Wanted")
        self.assertNotContains(self.client.get(url), "summary-request")


class MergeTests(NotificationTestCase):
    """A merge moves summaries between papers with an update: requests follow, and those
    that now have a public summary are answered."""

    def test_a_request_on_a_paper_merged_into_a_summarised_one_is_answered(self):
        from shortscience.library.services import merge_papers

        kept, merged = make_paper("Kept Paper"), make_paper("Merged Paper")
        self.save_summary(kept, self.alice)
        request_summary(self.bob, merged)
        merge_papers(kept, merged, reason="duplicate")
        run_tasks()
        self.assertFalse(SummaryRequest.objects.open().exists())
        self.assertEqual(SummaryRequest.objects.get().paper, kept)
        note = Notification.objects.get(recipient=self.bob)
        self.assertEqual((note.kind, note.paper), (Kind.SUMMARY_REQUESTED, kept))

    def test_a_summary_moved_by_a_merge_answers_the_kept_papers_requests_once_each(self):
        from shortscience.library.services import merge_papers

        kept, merged = make_paper("Kept Paper"), make_paper("Merged Paper")
        request_summary(self.bob, kept)
        request_summary(self.bob, merged)  # asked for both: one request stays
        request_summary(self.charlie, kept)
        self.save_summary(merged, self.alice)  # ends bob's request on the merged paper
        merge_papers(kept, merged, reason="duplicate")
        run_tasks()
        self.assertFalse(SummaryRequest.objects.open().exists())
        self.assertEqual(SummaryRequest.objects.filter(user=self.bob).count(), 1)
        told = sorted(Notification.objects.values_list("recipient__username", "kind"))
        self.assertEqual(
            told, [("bob", Kind.SUMMARY_REQUESTED), ("charlie", Kind.SUMMARY_REQUESTED)]
        )
