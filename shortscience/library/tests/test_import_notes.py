from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from shortscience.library.notes import parse_note
from shortscience.papers.models import Paper
from shortscience.summaries.models import Revision, Summary
from shortscience.test import BaseTestCase, RecordedServer, make_paper, make_user

# The recorded responses live with the source parsers that read them.
DATA = Path(__file__).resolve().parents[2] / "papers" / "tests" / "data"
ATOM = "application/atom+xml; charset=utf-8"


def arxiv_answer(name: str) -> bytes:
    return (DATA / "arxiv" / "current_2026" / name).read_bytes()


# Notes written for these tests, in the shapes the public paper-notes collections use.
ATTENTION_NOTE = """\
## [Attention Is All You Need](https://arxiv.org/abs/1706.03762)

TL;DR: the authors drop recurrence and build a translation model from attention alone.

#### Key Points

- Scaled dot-product attention, $\\mathrm{softmax}(QK^T/\\sqrt{d_k})V$, in several heads.
- Positions come from sinusoids added to the embeddings.
"""

AEW10_NOTE = """\
# Proceedings of Workshop AEW10

arXiv: https://arxiv.org/abs/1707.08567

A workshop volume rather than a paper; kept for the list of talks.
"""

RESNET_NOTE = """\
# Deep residual learning for image recognition.

Layers learn a residual $F(x) = H(x) - x$ and add the input back through a shortcut.
"""


class ImportNotesTests(BaseTestCase):
    @pytest.fixture(autouse=True)
    def notes_folder(self, tmp_path):
        self.folder = tmp_path

    def setUp(self):
        super().setUp()
        self.attention = make_paper(
            "Attention Is All You Need", identifiers={"arxiv": "1706.03762v5"}
        )
        self.resnet = make_paper(
            "Deep Residual Learning for Image Recognition", identifiers={"arxiv": "1512.03385v1"}
        )
        # arXiv, recorded: 1707.08567 is there, 0000.0000 is not. Every other source is left
        # at the test settings' refused port, so a forgotten fetch fails instead of leaving.
        self.arxiv = RecordedServer(
            {
                "/api/query?id_list=1707.08567&max_results=1": (
                    200,
                    arxiv_answer("id_1707.08567_s0_m100_6a1afebfc6a3.xml"),
                    ATOM,
                ),
                "/api/query?id_list=0000.0000&max_results=1": (
                    200,
                    arxiv_answer("id_0000.0000_s0_m100_8b51d9633a68.xml"),
                    ATOM,
                ),
            }
        )
        self.enterContext(self.arxiv)
        self.enterContext(self.settings(ARXIV_API_URL=self.arxiv.url + "/api/query"))

    def write(self, name: str, text: str) -> Path:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def run_import(self, *args: str, user: str = "alice") -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        call_command(
            "import_notes", str(self.folder), "--user", user, *args, stdout=out, stderr=err
        )
        return out.getvalue(), err.getvalue()

    def run_failing_import(self, *args: str) -> tuple[str, str, str]:
        out, err = StringIO(), StringIO()
        with self.assertRaises(CommandError) as caught:
            call_command(
                "import_notes", str(self.folder), "--user", "alice", *args, stdout=out, stderr=err
            )
        return out.getvalue(), err.getvalue(), str(caught.exception)

    def test_a_note_linking_a_paper_in_the_library_becomes_the_members_summary(self):
        self.write("notes/attention-is-all-you-need.md", ATTENTION_NOTE)
        out, _ = self.run_import()
        self.assertIn("1 files: created 1, updated 0, unchanged 0, skipped 0", out)
        summary = Summary.objects.get()
        self.assertEqual((summary.paper, summary.user), (self.attention, self.alice))
        self.assertEqual(summary.visibility, Summary.Visibility.PUBLIC)
        self.assertFalse(summary.is_anonymous)
        # The heading only named the paper, which the paper page shows above the summary.
        self.assertTrue(summary.body.startswith("TL;DR: the authors drop recurrence"))
        self.assertIn("katex", summary.body_html)  # rendered by the editor's own service
        self.assertEqual(summary.revisions.count(), 1)
        self.assertEqual(self.arxiv.requests, [])  # in the library: no need to ask arXiv

    def test_a_paper_the_library_lacks_is_fetched_from_arxiv_by_its_link(self):
        self.write("aew10.md", AEW10_NOTE)
        out, _ = self.run_import()
        self.assertIn("created 1", out)
        paper = Paper.objects.by_identifier("1707.08567")
        self.assertTrue(paper.title.startswith("Proceedings of Workshop AEW10"))
        summary = Summary.objects.get(user=self.alice)
        self.assertEqual(summary.paper, paper)
        # Neither the heading nor the line that only links to the paper stays.
        self.assertEqual(
            summary.body, "A workshop volume rather than a paper; kept for the list of talks."
        )

    def test_an_arxiv_id_in_the_first_heading_names_the_paper(self):
        self.write("aew10.md", "# arXiv:1707.08567\n\nA long list of authors.\n")
        out, _ = self.run_import()
        self.assertIn("created 1", out)
        summary = Summary.objects.get()
        self.assertEqual(summary.paper, Paper.objects.by_identifier("1707.08567"))
        self.assertEqual(summary.body, "A long list of authors.")

    def test_a_note_names_a_paper_in_the_library_by_its_title(self):
        self.write("resnet.md", RESNET_NOTE)
        out, _ = self.run_import()
        self.assertIn("created 1", out)
        summary = Summary.objects.get()
        self.assertEqual(summary.paper, self.resnet)  # case and punctuation aside
        self.assertTrue(summary.body.startswith("Layers learn a residual"))
        self.assertEqual(self.arxiv.requests, [])  # a title never searches a source

    def test_a_heading_that_is_not_the_title_stays_in_the_summary(self):
        self.write("notes.md", "# My reading notes\n\nSee <https://arxiv.org/abs/1706.03762>.\n")
        self.run_import()
        self.assertEqual(
            Summary.objects.get().body,
            "# My reading notes\n\nSee <https://arxiv.org/abs/1706.03762>.",
        )

    def test_notes_whose_paper_cannot_be_found_are_reported_and_the_others_imported(self):
        self.write("a-unknown-title.md", "# A Paper Nobody Has Added\n\nNotes.\n")
        self.write("b-attention.md", ATTENTION_NOTE)
        self.write("c-not-at-arxiv.md", "## [Nothing](https://arxiv.org/abs/0000.0000)\n\nx\n")
        self.write("d-empty.md", "\n  \n")
        self.write("e-unreachable.md", "# DOI 10.1145/3292500.3330701\n\nNotes.\n")
        self.write("f-heading-only.md", "## [Attention](https://arxiv.org/abs/1706.03762)\n")
        out, err, error = self.run_failing_import()
        self.assertIn("6 files: created 1, updated 0, unchanged 0, skipped 5", out)
        self.assertIn("5 of 6 files were skipped", error)
        self.assertIn("a-unknown-title.md: no paper titled 'A Paper Nobody Has Added'", err)
        self.assertIn("c-not-at-arxiv.md: 0000.0000 does not exist at its source", err)
        self.assertIn("d-empty.md: the file is empty", err)
        self.assertIn("e-unreachable.md: the paper's source did not answer", err)
        self.assertIn("f-heading-only.md: the note is a heading and nothing else", err)
        self.assertEqual(Summary.objects.get().paper, self.attention)

    def test_a_title_that_names_two_papers_is_ambiguous_and_skipped(self):
        make_paper("Deep Residual Learning for Image Recognition", authors=["Someone Else"])
        self.write("resnet.md", RESNET_NOTE)
        _, err, _ = self.run_failing_import()
        self.assertIn("2 papers in the library are titled", err)
        self.assertFalse(Summary.objects.exists())

    def test_a_second_note_of_one_paper_is_skipped_not_saved_over_the_first(self):
        self.write("a.md", ATTENTION_NOTE)
        self.write("b.md", "# Attention is all you need\n\nAnother take.\n")
        _, err, _ = self.run_failing_import()
        self.assertIn(f"b.md: names the same paper as {self.folder / 'a.md'}", err)
        self.assertTrue(Summary.objects.get().body.startswith("TL;DR"))

    def test_anonymous_and_private_set_the_summarys_flags(self):
        self.write("attention.md", ATTENTION_NOTE)
        self.write("resnet.md", RESNET_NOTE)
        self.run_import("--anonymous", "--private")
        for summary in Summary.objects.all():
            self.assertTrue(summary.is_anonymous)
            self.assertEqual(summary.visibility, Summary.Visibility.PRIVATE)
            self.assertEqual(summary.byline(), "Anonymous")
        self.assertFalse(Summary.objects.visible_to(self.bob).exists())

    def test_a_re_run_without_flags_keeps_what_each_summary_is(self):
        self.write("attention.md", ATTENTION_NOTE)
        self.run_import("--anonymous", "--private")
        # Re-run plainly: still private and unsigned, nothing published, nothing signed.
        out, _ = self.run_import()
        self.assertIn("unchanged 1", out)
        summary = Summary.objects.get()
        self.assertEqual((summary.visibility, summary.is_anonymous), ("private", True))
        # Only said explicitly does it change.
        self.run_import("--public", "--signed")
        summary.refresh_from_db()
        self.assertEqual((summary.visibility, summary.is_anonymous), ("public", False))

    def test_a_private_draft_written_on_the_site_stays_private(self):
        from shortscience.test import make_summary

        make_summary(self.attention, self.alice, "My draft.", visibility="private")
        self.write("attention.md", ATTENTION_NOTE)
        out, _ = self.run_import()
        self.assertIn("updated 1", out)
        self.assertEqual(Summary.objects.get().visibility, "private")

    def test_a_link_leading_out_of_the_folder_is_not_followed(self):
        outside = self.folder.parent / f"{self.folder.name}-outside.md"
        outside.write_text(ATTENTION_NOTE, encoding="utf-8")
        self.addCleanup(outside.unlink)
        (self.folder / "linked.md").symlink_to(outside)
        self.write("resnet.md", RESNET_NOTE)
        out, _ = self.run_import()
        self.assertIn("1 files: created 1", out)
        self.assertEqual(Summary.objects.get().paper, self.resnet)

    def test_re_running_changes_nothing(self):
        self.write("attention.md", ATTENTION_NOTE)
        self.write("deeper/resnet.md", RESNET_NOTE)
        self.write("aew10.md", AEW10_NOTE)
        self.run_import()
        before = (
            Paper.objects.count(),
            Summary.objects.count(),
            Revision.objects.count(),
            list(Summary.objects.values_list("edited", flat=True)),
        )
        out, _ = self.run_import()
        self.assertIn("3 files: created 0, updated 0, unchanged 3, skipped 0", out)
        after = (
            Paper.objects.count(),
            Summary.objects.count(),
            Revision.objects.count(),
            list(Summary.objects.values_list("edited", flat=True)),
        )
        self.assertEqual(after, before)

    def test_an_edited_note_updates_the_summary_and_keeps_the_old_text_as_a_revision(self):
        path = self.write("attention.md", ATTENTION_NOTE)
        self.run_import()
        path.write_text(ATTENTION_NOTE + "\n- Later: it trains in days, not weeks.\n")
        out, _ = self.run_import()
        self.assertIn("created 0, updated 1, unchanged 0", out)
        summary = Summary.objects.get()
        self.assertIn("in days, not weeks", summary.body)
        self.assertEqual(summary.revisions.count(), 2)

    def test_files_are_read_at_any_depth_in_path_order_without_readme_or_hidden_folders(self):
        self.write("z/attention.md", ATTENTION_NOTE)
        self.write("a/resnet.md", RESNET_NOTE)
        self.write("README.md", "# Notes\n\n- [Attention](https://arxiv.org/abs/1707.08567)\n")
        self.write(".github/ISSUE_TEMPLATE.md", "https://arxiv.org/abs/1707.08567\n\nx\n")
        self.write("a/not-markdown.txt", ATTENTION_NOTE)
        out, _ = self.run_import()
        self.assertIn("2 files: created 2", out)
        first, second = Summary.objects.order_by("pk")
        self.assertEqual((first.paper, second.paper), (self.resnet, self.attention))

    def test_the_progress_line_goes_to_stderr(self):
        self.write("attention.md", ATTENTION_NOTE)
        _, err = self.run_import()
        self.assertIn("notes: 1/1 (100%)", err)

    def test_an_unknown_or_banned_member_is_a_clear_error(self):
        self.write("attention.md", ATTENTION_NOTE)
        with self.assertRaisesMessage(CommandError, "No member with the username 'nobody'"):
            self.run_import(user="nobody")
        make_user("mallory", banned_at=timezone.now())
        with self.assertRaisesMessage(CommandError, "mallory is banned"):
            self.run_import(user="mallory")
        self.assertFalse(Summary.objects.exists())

    def test_a_missing_folder_is_a_clear_error(self):
        self.folder = self.folder / "nope"
        with self.assertRaisesMessage(CommandError, "no such folder"):
            self.run_import()


class ParseNoteTests(BaseTestCase):
    def test_the_first_link_is_the_one_written_first_and_code_names_nothing(self):
        note = parse_note(
            "# Title\n\n```\nhttps://arxiv.org/abs/1111.11111\n```\n\n"
            "Read it (https://doi.org/10.1016/S0140-6736(10)61206-4).\n"
            "[also][1]\n\n[1]: https://arxiv.org/abs/1706.03762\n"
        )
        self.assertEqual(
            note.links,
            ["https://doi.org/10.1016/S0140-6736(10)61206-4", "https://arxiv.org/abs/1706.03762"],
        )
        self.assertEqual(note.heading, "Title")

    def test_without_a_heading_the_first_line_is_the_title(self):
        note = parse_note("\n\nAttention Is All You Need\n\nNotes.\n")
        self.assertEqual((note.heading, note.lead), ("Attention Is All You Need", None))
