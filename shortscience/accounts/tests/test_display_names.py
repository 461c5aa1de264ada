from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from shortscience.accounts.forms import SettingsForm
from shortscience.accounts.names import SYSTEM_LABELS, validate_display_name
from shortscience.accounts.services import update_profile
from shortscience.test import BaseTestCase, make_comment, make_paper, make_summary, make_user

SIGNUP = {
    "email": "dana@example.org",
    "password1": "a long and unusual passphrase",
    "password2": "a long and unusual passphrase",
}

# Look-alikes spelled by code point, so that the test reads what it sends.
CYRILLIC_VE, CYRILLIC_O, CYRILLIC_A = "\u0412", "\u043e", "\u0410"
GREEK_OMICRON, GREEK_BETA = "\u03bf", "\u0392"
ZERO_WIDTH_SPACE, ZERO_WIDTH_JOINER = "\u200b", "\u200d"


class DisplayNameRuleTests(BaseTestCase):
    def assertRefused(self, name: str, user, code: str) -> None:
        with self.assertRaises(ValidationError, msg=name) as caught:
            validate_display_name(name, user=user)
        self.assertEqual(caught.exception.code, code, name)

    def assertAllowed(self, name: str, user) -> None:
        try:
            validate_display_name(name, user=user)
        except ValidationError as e:
            self.fail(f"{name!r} refused: {e.messages}")

    def test_a_name_no_other_member_has_is_allowed(self):
        for name in ("Charlie Chaplin", "Inès Moreau", "Иван Петров", "Badminton Fan", "Modesto"):
            self.assertAllowed(name, self.charlie)

    def test_an_empty_name_is_allowed_and_the_username_is_shown(self):
        self.assertAllowed("", self.alice)

    def test_a_member_keeps_their_own_name_and_may_change_its_case_or_accents(self):
        for name in ("Alice Aumann", "alice aumann", "Alice  Äumann"):
            self.assertAllowed(name, self.alice)

    def test_a_member_may_be_shown_by_their_own_username(self):
        for name in ("charlie", "Charlie", "@charlie"):
            self.assertAllowed(name, self.charlie)

    def test_a_member_keeps_a_name_from_before_the_rule(self):
        get_user_model().objects.filter(pk=self.alice.pk).update(display_name="Alice Moderator")
        self.assertAllowed("Alice Moderator", self.alice)
        self.assertRefused("Bob Moderator", self.bob, "name_reserved")

    def test_another_members_name_is_refused_whatever_its_case_spacing_or_accents(self):
        for name in (
            "Bob Berners",
            "bob berners",
            "  BOB   Berners ",
            "Böb Bérners",
            f"B{ZERO_WIDTH_SPACE}ob Ber{ZERO_WIDTH_JOINER}ners",
            "\uff22\uff4f\uff42 Berners",  # fullwidth letters
        ):
            self.assertRefused(name, self.alice, "name_taken")

    def test_another_members_name_in_cyrillic_or_greek_look_alikes_is_refused(self):
        for name in (
            f"{CYRILLIC_VE}{CYRILLIC_O}b Berners",
            f"B{GREEK_OMICRON}b {GREEK_BETA}erners",
        ):
            self.assertRefused(name, self.alice, "name_taken")

    def test_another_members_username_is_refused_with_or_without_an_at(self):
        # charlie has no display name: bylines show "charlie".
        for name in ("charlie", "Charlie", "bob", "BOB"):
            self.assertRefused(name, self.alice, "name_taken")
        for name in ("@charlie", "@ bob", "\uff20bob"):  # the last a fullwidth @
            self.assertRefused(name, self.alice, "name_at")

    def test_a_closed_or_banned_members_name_is_still_theirs(self):
        make_user("mallory", display_name="Mallory Mayhem", banned_at=timezone.now())
        make_user("dora", display_name="Dora Closed", is_active=False)
        self.assertRefused("Mallory Mayhem", self.alice, "name_taken")
        self.assertRefused("dora closed", self.alice, "name_taken")

    def test_the_labels_the_site_writes_in_place_of_a_name_are_refused(self):
        for label in SYSTEM_LABELS:
            self.assertRefused(label, self.charlie, "name_reserved")

    def test_what_the_apps_actually_write_in_place_of_a_name_is_refused(self):
        # The apps' own labels, in case one changes without accounts/names.py.
        from shortscience.members.services import DELETED_NAME

        summary = make_summary(make_paper(), self.alice, is_anonymous=True)
        comment = make_comment(summary, self.alice)
        for label in (DELETED_NAME, summary.byline(), comment.byline()):
            self.assertRefused(label, self.charlie, "name_reserved")

    def test_names_that_read_as_the_site_or_its_roles_are_refused(self):
        for name in (
            "anonymous",
            "Anonymous Reviewer",
            "ANONYMOUS2",
            "A n o n y m o u s",
            f"{CYRILLIC_A}nonymous",
            "Anon",
            "Dora Moderator",
            "the-moderator",
            "TheModerator",
            "Mod",
            "Site Admin",
            "admin",
            "Administrator",
            "System",
            "ShortScience",
            "ShortScience Team",
            "deleted",
            "deleted-7",
        ):
            self.assertRefused(name, self.charlie, "name_reserved")

    def test_a_name_starting_with_an_at_is_refused(self):
        self.assertRefused("@newcomer", self.charlie, "name_at")

    def test_a_name_with_no_letter_or_digit_is_refused(self):
        for name in (ZERO_WIDTH_SPACE, f"{ZERO_WIDTH_JOINER}{ZERO_WIDTH_SPACE}", "--", "\u00a0."):
            self.assertRefused(name, self.charlie, "name_blank")


class SettingsFormTests(BaseTestCase):
    def form(self, user, display_name: str) -> SettingsForm:
        return SettingsForm({"display_name": display_name, "bio": "", "orcid": ""}, instance=user)

    def test_the_form_refuses_another_members_name(self):
        form = self.form(self.alice, "bob berners")
        self.assertFalse(form.is_valid())
        self.assertIn("Another member is shown by that name", form.errors["display_name"][0])

    def test_the_form_refuses_a_label_of_the_site(self):
        form = self.form(self.charlie, "Anonymous (the summary's author)")
        self.assertFalse(form.is_valid())
        self.assertIn("site's own words", form.errors["display_name"][0])

    def test_the_form_accepts_the_members_own_name_and_an_empty_one(self):
        self.assertTrue(self.form(self.alice, "Alice Aumann").is_valid())
        self.assertTrue(self.form(self.alice, "").is_valid())

    def test_the_settings_page_refuses_another_members_name_and_changes_nothing(self):
        self.client.force_login(self.alice)
        r = self.client.post("/settings", {"display_name": "Bob Berners", "bio": "New bio."})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Another member is shown by that name")
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.display_name, "Alice Aumann")
        self.assertEqual(self.alice.bio, "")

    def test_the_settings_page_saves_a_profile_that_keeps_an_old_name(self):
        get_user_model().objects.filter(pk=self.alice.pk).update(display_name="Alice Moderator")
        self.client.force_login(self.alice)
        r = self.client.post("/settings", {"display_name": "Alice Moderator", "bio": "New bio."})
        self.assertRedirects(r, "/settings")
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.bio, "New bio.")


class UpdateProfileTests(BaseTestCase):
    def test_the_service_refuses_another_members_name_and_saves_nothing(self):
        with self.assertRaises(ValidationError):
            update_profile(self.alice, display_name="Bob Berners", bio="New bio.", orcid="")
        self.alice.refresh_from_db()
        self.assertEqual((self.alice.display_name, self.alice.bio), ("Alice Aumann", ""))

    def test_the_service_refuses_a_label_of_the_site(self):
        with self.assertRaises(ValidationError):
            update_profile(self.charlie, display_name="[deleted]", bio="", orcid="")
        self.charlie.refresh_from_db()
        self.assertEqual(self.charlie.display_name, "")

    def test_the_service_saves_the_members_own_name_and_a_new_one(self):
        update_profile(self.alice, display_name="Alice Aumann", bio="Game theory.", orcid="")
        update_profile(self.charlie, display_name="Charlie Chaplin", bio="", orcid="")
        self.alice.refresh_from_db()
        self.charlie.refresh_from_db()
        self.assertEqual(self.alice.bio, "Game theory.")
        self.assertEqual(self.charlie.display_name, "Charlie Chaplin")

    def test_the_service_compares_with_the_stored_name_not_one_set_on_the_object(self):
        # What a ModelForm does before the view calls the service.
        self.alice.display_name = "Bob Berners"
        with self.assertRaises(ValidationError):
            update_profile(self.alice, display_name="Bob Berners", bio="", orcid="")


class SignupUsernameTests(BaseTestCase):
    def test_sign_up_refuses_a_username_that_reads_as_the_site(self):
        for username in ("anonymous", "site_admin", "moderator2"):
            r = self.client.post("/accounts/signup/", {**SIGNUP, "username": username})
            self.assertEqual(r.status_code, 200, username)
            self.assertContains(r, "site&#x27;s own words")
            self.assertFalse(get_user_model().objects.filter(username=username).exists())

    def test_sign_up_refuses_a_username_that_is_another_members_display_name(self):
        update_profile(self.charlie, display_name="Chuck", bio="", orcid="")
        r = self.client.post("/accounts/signup/", {**SIGNUP, "username": "chuck"})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Another member is shown by that name")
        self.assertFalse(get_user_model().objects.filter(username="chuck").exists())

    def test_sign_up_accepts_an_ordinary_username(self):
        r = self.client.post("/accounts/signup/", {**SIGNUP, "username": "dana"})
        self.assertEqual(r.status_code, 302)
        self.assertTrue(get_user_model().objects.filter(username="dana").exists())
