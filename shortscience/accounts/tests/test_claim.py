from __future__ import annotations

from allauth.socialaccount.models import SocialAccount
from django.contrib.admin.sites import site
from django.contrib.auth.models import Group
from django.test import RequestFactory

from shortscience.accounts.admin import AuthorClaimAdmin
from shortscience.accounts.models import AuthorClaim
from shortscience.papers.models import Author
from shortscience.test import BaseTestCase, make_paper

ORCID = "0000-0002-1825-0097"


class ClaimAuthorshipTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("A Claimed Paper")
        self.url = f"/paper/{self.paper.pk}/authors/claim"
        Author.objects.filter(authorships__paper=self.paper, authorships__position=0).update(
            orcid=ORCID
        )

    def test_the_paper_page_offers_the_claim_button_to_members_only(self):
        self.assertNotContains(self.client.get(self.paper.get_absolute_url()), self.url)
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.paper.get_absolute_url()), self.url)

    def test_an_anonymous_visitor_cannot_claim(self):
        r = self.client.post(self.url)
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])
        self.assertFalse(AuthorClaim.objects.exists())

    def test_a_matching_verified_orcid_approves_the_claim_at_once(self):
        SocialAccount.objects.create(user=self.alice, provider="orcid", uid=ORCID)
        self.client.force_login(self.alice)
        r = self.client.post(self.url)
        self.assertRedirects(r, self.paper.get_absolute_url(), fetch_redirect_response=False)
        claim = AuthorClaim.objects.get(user=self.alice, paper=self.paper)
        self.assertEqual(claim.status, AuthorClaim.Status.APPROVED)
        self.assertEqual(claim.method, AuthorClaim.Method.ORCID)
        self.assertIsNotNone(claim.decided_at)

    def test_a_typed_but_unverified_orcid_does_not_approve_a_claim(self):
        self.alice.orcid = ORCID
        self.alice.save()
        self.client.force_login(self.alice)
        self.client.post(self.url)
        claim = AuthorClaim.objects.get(user=self.alice, paper=self.paper)
        self.assertEqual(claim.status, AuthorClaim.Status.PENDING)

    def test_without_a_matching_orcid_the_claim_waits_for_a_moderator(self):
        SocialAccount.objects.create(user=self.bob, provider="orcid", uid="0000-0002-1694-233X")
        self.client.force_login(self.bob)
        r = self.client.post(self.url, HTTP_ACCEPT="application/json")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["status"], "pending")
        self.client.force_login(self.charlie)
        self.client.post(self.url)
        self.assertEqual(
            set(AuthorClaim.objects.values_list("user__username", "status")),
            {("bob", "pending"), ("charlie", "pending")},
        )

    def test_claiming_twice_keeps_one_claim(self):
        self.client.force_login(self.charlie)
        self.client.post(self.url)
        r = self.client.post(self.url, HTTP_ACCEPT="application/json")
        self.assertEqual(r.json()["status"], "pending")
        self.assertEqual(AuthorClaim.objects.count(), 1)

    def test_a_claim_needs_a_post(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url).status_code, 405)
        self.assertEqual(self.client.post("/paper/999999/authors/claim").status_code, 404)

    def _run_action(self, user, action: str):
        claim = AuthorClaim.objects.create(user=self.charlie, paper=self.paper)
        request = RequestFactory().post("/admin/")
        request.user = user
        request._messages = _Messages()
        admin = AuthorClaimAdmin(AuthorClaim, site)
        getattr(admin, action)(request, AuthorClaim.objects.filter(pk=claim.pk))
        claim.refresh_from_db()
        return claim

    def test_a_moderator_approves_or_rejects_a_claim_in_the_admin(self):
        self.bob.groups.add(Group.objects.get_or_create(name="moderators")[0])
        claim = self._run_action(self.bob, "approve")
        self.assertEqual(claim.status, AuthorClaim.Status.APPROVED)
        self.assertEqual(claim.method, AuthorClaim.Method.MODERATOR)
        self.assertEqual(claim.decided_by, self.bob)
        claim.delete()
        claim = self._run_action(self.bob, "reject")
        self.assertEqual(claim.status, AuthorClaim.Status.REJECTED)

    def test_a_member_who_is_no_moderator_cannot_decide_a_claim(self):
        claim = self._run_action(self.alice, "approve")
        self.assertEqual(claim.status, AuthorClaim.Status.PENDING)


class _Messages(list):
    def add(self, level, message, extra_tags=""):
        self.append(message)
