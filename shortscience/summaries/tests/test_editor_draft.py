"""The editor's unsaved-text safety net, as far as the server takes part: the hooks editor.js
reads (one draft key per member and paper, a flag on pages rendered from a POST, the hidden
restore question) and the script itself. The behaviour was tried in Chromium by hand; the
page works without JavaScript, where the question stays hidden."""

from __future__ import annotations

from django.contrib.staticfiles import finders

from shortscience.test import BaseTestCase, make_paper, make_summary


class EditorDraftHookTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Deep Residual Learning for Image Recognition")
        self.url = f"/paper/{self.paper.pk}/summary/edit"

    def key(self, user) -> str:
        return f'data-draft-key="shortscience:draft:{user.pk}:{self.paper.pk}"'

    def test_the_editor_names_a_draft_key_per_member_and_paper(self):
        for member in (self.alice, self.bob):
            self.client.force_login(member)
            r = self.client.get(self.url)
            self.assertContains(r, self.key(member))
            self.assertNotContains(r, "data-unsaved")
        self.assertNotEqual(self.key(self.alice), self.key(self.bob))

    def test_the_restore_question_is_in_the_page_but_hidden_without_javascript(self):
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, '<div class="draft-restore" hidden>')
        self.assertContains(r, "Restore your unsaved text?")
        self.assertContains(r, '<script src="/static/js/editor.js" defer></script>')

    def test_an_existing_summary_loads_as_saved_text(self):
        make_summary(self.paper, self.alice, body="Saved text.")
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "Saved text.")
        self.assertNotContains(r, "data-unsaved")

    def test_a_preview_round_trip_marks_the_text_as_not_saved(self):
        self.client.force_login(self.alice)
        r = self.client.post(
            self.url, {"body": "Not saved yet.", "visibility": "public", "preview": "1"}
        )
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, " data-unsaved>")
        self.assertContains(r, "Not saved yet.")

    def test_a_refused_save_marks_the_text_as_not_saved(self):
        self.client.force_login(self.alice)
        r = self.client.post(self.url, {"body": "Text.", "visibility": "nonsense", "publish": "1"})
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, " data-unsaved>", status_code=400)

    def test_the_script_warns_before_leaving_and_keeps_a_copy_in_local_storage(self):
        with open(finders.find("js/editor.js"), encoding="utf-8") as f:
            script = f.read()
        for hook in (
            '"beforeunload"',
            "window.localStorage.setItem(draftKey",
            "window.localStorage.removeItem(draftKey)",
            "editor.dataset.draftKey",
            '"data-unsaved"',
            '".draft-restore"',
        ):
            self.assertIn(hook, script)
