from __future__ import annotations

import io
import json
import zipfile

from allauth.account.models import EmailAddress

from shortscience.test import BaseTestCase, make_comment, make_paper, make_summary, make_vote


class ExportTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Exported Paper")
        self.summary = make_summary(self.paper, self.alice, "first text")
        # Comments and votes come while the summaries are public; then both go private.
        self.comment = make_comment(self.summary, self.alice, "alice's comment")
        make_comment(self.summary, self.bob, "bob-comment-marker")
        self.summary = make_summary(self.paper, self.alice, "second text", visibility="private")
        self.bobs = make_summary(make_paper(), self.bob, "bob-secret-marker")
        make_vote(self.alice, 1, summary=self.bobs)
        self.bobs = make_summary(
            self.bobs.paper, self.bob, "bob-secret-marker", visibility="private"
        )
        EmailAddress.objects.create(
            user=self.alice, email="alice@example.org", primary=True, verified=True
        )
        EmailAddress.objects.create(user=self.bob, email="bob@example.org", primary=True)

    def _export(self):
        r = self.client.post("/settings/export")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/zip")
        self.assertIn("attachment;", r["Content-Disposition"])
        return zipfile.ZipFile(io.BytesIO(r.content))

    def test_it_exports_everything_the_member_wrote_and_set(self):
        self.client.force_login(self.alice)
        z = self._export()
        account = json.loads(z.read("account.json"))
        self.assertEqual(account["username"], "alice")
        self.assertEqual(
            account["emails"], [{"email": "alice@example.org", "primary": True, "verified": True}]
        )
        self.assertIn("email_mode", account["settings"])
        summaries = json.loads(z.read("summaries.json"))
        self.assertEqual(len(summaries), 1)
        self.assertEqual(summaries[0]["visibility"], "private")
        self.assertEqual(
            [r["body"] for r in summaries[0]["revisions"]], ["first text", "second text"]
        )
        name = f"summaries/{self.paper.slug}-{self.summary.pk}.md"
        self.assertEqual(summaries[0]["file"], name)
        self.assertEqual(z.read(name).decode(), "second text")
        comments = json.loads(z.read("comments.json"))
        self.assertEqual([c["id"] for c in comments], [self.comment.pk])
        self.assertEqual(z.read(f"comments/{self.comment.pk}.md").decode(), "alice's comment")
        votes = json.loads(z.read("votes.json"))
        self.assertEqual(votes[0]["summary"], self.bobs.pk)

    def test_it_contains_nothing_of_other_members(self):
        self.client.force_login(self.alice)
        z = self._export()
        everything = b"".join(z.read(name) for name in z.namelist()).decode()
        self.assertNotIn("bob-secret-marker", everything)
        self.assertNotIn("bob-comment-marker", everything)
        self.assertNotIn("bob@example.org", everything)

    def test_another_member_gets_only_their_own_data(self):
        self.client.force_login(self.charlie)
        z = self._export()
        self.assertEqual(json.loads(z.read("summaries.json")), [])
        self.assertEqual(json.loads(z.read("account.json"))["username"], "charlie")

    def test_an_anonymous_visitor_is_sent_to_log_in(self):
        r = self.client.post("/settings/export")
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])

    def test_the_export_needs_a_post(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get("/settings/export").status_code, 405)
