"""Reading lists: who sees them, what their owner can do, what they export."""

from __future__ import annotations

import io
import json
from unittest import mock
from xml.etree import ElementTree

import bibtexparser
import rispy
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import formatter as citeproc_formatter
from citeproc.source.json import CiteProcJSON
from django.core.exceptions import ValidationError
from django.test import Client

from shortscience.lists import services
from shortscience.lists.models import ListItem, ReadingList
from shortscience.members.services import delete_account
from shortscience.test import BaseTestCase, make_paper
from shortscience.web.tests.helpers import PageCacheTestCase

ATOM = "{http://www.w3.org/2005/Atom}"


def a_list(owner, visibility="public", papers=(), title="Deep learning basics"):
    reading_list = services.create_list(owner, title=title, visibility=visibility)
    for paper in papers:
        services.add_paper(reading_list, paper)
    return reading_list


class ListServiceTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.first = make_paper("Deep Residual Learning")
        self.second = make_paper("Batch Normalization")
        self.third = make_paper("Layer Normalization")

    def order(self, reading_list):
        return list(reading_list.items.values_list("paper__title", flat=True))

    def test_papers_go_to_the_end_once_each_and_move_and_leave(self):
        rl = a_list(self.alice, papers=[self.first, self.second, self.third])
        _, added = services.add_paper(rl, self.first)
        self.assertFalse(added)
        services.move_item(rl.items.get(paper=self.third), -1)
        self.assertEqual(
            self.order(rl), ["Deep Residual Learning", "Layer Normalization", "Batch Normalization"]
        )
        services.move_item(rl.items.get(paper=self.first), -1)  # at the top: stays
        services.remove_item(rl.items.get(paper=self.third))
        self.assertEqual(self.order(rl), ["Deep Residual Learning", "Batch Normalization"])
        rl.refresh_from_db()
        self.assertEqual(rl.item_count, 2)

    def test_a_paper_merged_away_is_listed_as_the_one_it_became(self):
        from shortscience.library.services import merge_papers

        merge_papers(self.first, self.second, reason="duplicate")
        self.second.refresh_from_db()
        rl = a_list(self.alice, papers=[self.second])
        self.assertEqual(rl.items.get().paper, self.first)

    def test_bad_titles_notes_and_states_are_refused_and_change_nothing(self):
        with self.assertRaises(ValidationError):
            services.create_list(self.alice, title="  \x01 ")
        with self.assertRaises(ValidationError):
            services.create_list(self.alice, title="A", visibility="everyone")
        rl = a_list(self.alice, papers=[self.first])
        item = rl.items.get()
        with self.assertRaises(ValidationError):
            services.update_item(item, note="x" * 2001)
        with self.assertRaises(ValidationError):
            services.update_item(item, state="half-read")
        self.assertEqual(ListItem.objects.get().note, "")
        self.assertEqual(ReadingList.objects.count(), 1)

    def test_a_list_holds_a_bounded_number_of_papers(self):
        rl = a_list(self.alice, papers=[self.first])
        with mock.patch.object(services, "MAX_ITEMS_PER_LIST", 1):
            with self.assertRaises(ValidationError):
                services.add_paper(rl, self.second)
        self.assertEqual(rl.items.count(), 1)

    def test_a_new_list_with_its_first_paper_is_made_whole_or_not_at_all(self):
        rl = services.create_list(self.alice, title="Started from a paper", paper=self.first)
        self.assertEqual(self.order(rl), ["Deep Residual Learning"])
        with mock.patch.object(services, "MAX_ITEMS_PER_LIST", 0):
            with self.assertRaises(ValidationError):
                services.create_list(self.alice, title="Cannot hold it", paper=self.first)
        self.assertFalse(ReadingList.objects.filter(title="Cannot hold it").exists())

    def test_closing_an_account_takes_its_lists_and_the_export_holds_them(self):
        import zipfile

        from shortscience.members.services import export_user_data

        rl = a_list(self.alice, visibility="private", papers=[self.first])
        services.update_item(rl.items.get(), note="read twice")
        with zipfile.ZipFile(io.BytesIO(export_user_data(self.alice))) as z:
            account = json.loads(z.read("account.json"))
        self.assertEqual(account["reading_lists"][0]["papers"][0]["note"], "read twice")
        delete_account(user=self.alice, keep_content=True)
        self.assertFalse(ReadingList.objects.exists())


class ListVisibilityTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Deep Residual Learning")
        self.private = a_list(self.alice, "private", [self.paper], title="Private musings")
        self.unlisted = a_list(self.alice, "unlisted", [self.paper], title="Unlisted notes")
        self.public = a_list(self.alice, "public", [self.paper], title="Public course")

    def surfaces(self, rl):
        base = rl.get_absolute_url()
        return [base, f"{base}/bibtex", f"{base}/ris", f"{base}/csl.json"]

    def test_a_private_list_is_its_owners_alone(self):
        for viewer in (None, self.bob):
            self.client.logout()
            if viewer:
                self.client.force_login(viewer)
            for url in [
                *self.surfaces(self.private),
                f"{self.private.get_absolute_url()}/feed.atom",
            ]:
                with self.subTest(url=url, viewer=viewer):
                    self.assertEqual(self.client.get(url).status_code, 404)
        self.client.force_login(self.alice)
        for url in self.surfaces(self.private):
            self.assertEqual(self.client.get(url).status_code, 200)

    def test_an_unlisted_list_opens_by_its_link_but_is_listed_nowhere(self):
        for url in self.surfaces(self.unlisted):
            self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(
            self.client.get(self.unlisted.get_absolute_url())["X-Robots-Tag"], "noindex"
        )
        self.assertEqual(
            self.client.get(f"{self.unlisted.get_absolute_url()}/feed.atom").status_code, 404
        )
        directory = self.client.get("/lists", {"q": "notes musings course"}).content.decode()
        found = self.client.get("/lists").content.decode()
        self.assertIn("Public course", found)
        self.assertNotIn("Unlisted notes", found)
        self.assertNotIn("Private musings", found)
        self.assertNotIn("Unlisted notes", directory)
        for where in ("/sitemap-papers.xml", "/search?q=notes", "/u/alice", "/feed.atom"):
            page = self.client.get(where).content.decode()
            self.assertNotIn(self.unlisted.key, page, where)
            self.assertNotIn(self.private.key, page, where)

    def test_the_directory_finds_public_lists_by_their_words(self):
        a_list(self.bob, "public", title="Graph networks", papers=[self.paper])
        found = self.client.get("/lists", {"q": "graph"}).content.decode()
        self.assertIn("Graph networks", found)
        self.assertNotIn("Public course", found)

    def test_a_public_lists_feed_is_atom_with_its_papers(self):
        response = self.client.get(f"{self.public.get_absolute_url()}/feed.atom")
        self.assertEqual(response.status_code, 200)
        root = ElementTree.fromstring(response.content)  # noqa: S314 - our own output, in a test
        self.assertEqual(
            [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")],
            ["Deep Residual Learning"],
        )


class OwnerOnlyTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Deep Residual Learning")
        self.list = a_list(self.alice, "public", [self.paper])
        self.item = self.list.items.get()
        self.writes = [
            (f"{self.list.get_absolute_url()}/edit", {"title": "Mine now", "visibility": "public"}),
            (f"{self.list.get_absolute_url()}/delete", {}),
            (f"{self.list.get_absolute_url()}/add", {"paper": self.paper.pk}),
            (f"{self.list.get_absolute_url()}/items/{self.item.pk}", {"action": "remove"}),
        ]

    def test_another_member_cannot_change_a_list_they_can_see(self):
        self.client.force_login(self.bob)
        for url, data in self.writes:
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 403)
        self.assertEqual(
            (ReadingList.objects.get().title, ListItem.objects.count()), ("Deep learning basics", 1)
        )

    def test_a_visitor_is_sent_to_log_in_and_a_form_without_its_token_is_refused(self):
        for url, data in self.writes:
            self.assertIn("/accounts/login/", self.client.post(url, data)["Location"])
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(self.alice)
        for url, data in self.writes:
            self.assertEqual(strict.post(url, data).status_code, 403)
        self.assertEqual(ListItem.objects.count(), 1)

    def test_the_owner_arranges_the_list_through_the_pages(self):
        self.client.force_login(self.alice)
        other = make_paper("Batch Normalization")
        self.client.post(f"{self.list.get_absolute_url()}/add", {"paper": other.pk})
        url = f"{self.list.get_absolute_url()}/items/{self.item.pk}"
        self.client.post(url, {"action": "note", "note": "Section 3 first."})
        self.client.post(url, {"action": "state", "state": "read"})
        self.client.post(url, {"action": "down"})
        self.item.refresh_from_db()
        self.assertEqual((self.item.note, self.item.state), ("Section 3 first.", "read"))
        self.assertEqual(
            list(self.list.items.values_list("paper__title", flat=True)),
            ["Batch Normalization", "Deep Residual Learning"],
        )

    def test_bad_values_answer_400_or_404_never_500(self):
        self.client.force_login(self.alice)
        url = f"{self.list.get_absolute_url()}/items/{self.item.pk}"
        self.assertEqual(self.client.post(url, {"action": "explode"}).status_code, 400)
        self.assertEqual(
            self.client.post(url, {"action": "note", "note": "x" * 3000}).status_code, 400
        )
        self.assertEqual(self.client.post(url, {"action": "state", "state": "?"}).status_code, 400)
        add = f"{self.list.get_absolute_url()}/add"
        self.assertEqual(self.client.post(add, {"paper": "abc"}).status_code, 404)
        self.assertEqual(self.client.post(add, {"paper": "99999999"}).status_code, 404)
        self.assertEqual(self.client.get("/lists/add", {"paper": "1.5"}).status_code, 404)
        # "²".isdigit() is true, and int("²") raises.
        self.assertEqual(self.client.get("/lists/add", {"paper": "²"}).status_code, 404)
        self.assertEqual(self.client.get("/lists/new", {"paper": "²"}).status_code, 404)
        self.assertEqual(self.client.post(add, {"paper": "²"}).status_code, 404)
        preview = self.client.post("/markup/preview", {"text": "A $x$.", "paper": "²"})
        self.assertEqual(preview.status_code, 200)
        self.assertEqual(self.client.post("/lists/new", {"title": ""}).status_code, 400)
        self.assertEqual(self.client.get("/lists/nosuchkey").status_code, 404)
        self.assertEqual(self.item.__class__.objects.get().note, "")


class ExportTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.papers = [
            make_paper(
                "Attention Is All You Need",
                authors=["Ashish Vaswani", "Noam Shazeer"],
                identifiers={"arxiv": "1706.03762v5", "doi": "10.5555/3295222.3295349"},
            ),
            make_paper(
                "Deep Residual Learning for Image Recognition",
                authors=["Kaiming He", "Xiangyu Zhang"],
                venue_key="journals/x",
                venue_name="Journal of Things",
                venue_kind="journal",
            ),
        ]
        self.list = a_list(self.alice, "public", self.papers)
        services.update_item(self.list.items.first(), note="The transformer.\nRead twice.")

    def get(self, suffix):
        response = self.client.get(f"{self.list.get_absolute_url()}/{suffix}")
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_bibtex_round_trips_through_bibtexparser(self):
        library = bibtexparser.parse_string(self.get("bibtex"))
        self.assertEqual(library.failed_blocks, [])
        titles = [e.fields_dict["title"].value for e in library.entries]
        self.assertEqual(len(titles), 2)
        self.assertIn("Attention", titles[0])
        self.assertEqual(library.entries[0].fields_dict["doi"].value, "10.5555/3295222.3295349")
        self.assertEqual(library.entries[1].entry_type, "article")

    def test_ris_reads_back_with_rispy(self):
        records = rispy.loads(self.get("ris"))
        self.assertEqual([r["title"] for r in records], [p.title for p in self.papers])
        self.assertEqual(records[0]["authors"], ["Ashish Vaswani", "Noam Shazeer"])
        self.assertEqual(records[0]["doi"], "10.5555/3295222.3295349")
        self.assertEqual(records[0]["notes"], ["The transformer. Read twice."])
        self.assertEqual(
            (records[0]["type_of_reference"], records[1]["type_of_reference"]), ("CPAPER", "JOUR")
        )

    def test_csl_json_makes_a_bibliography_with_citeproc(self):
        data = json.loads(self.get("csl.json"))
        self.assertEqual(data[0]["author"][0], {"family": "Vaswani", "given": "Ashish"})
        source = CiteProcJSON(data)
        style = CitationStylesStyle("harvard-cite-them-right", validate=False)
        bibliography = CitationStylesBibliography(style, source, citeproc_formatter.plain)
        for record in data:
            bibliography.register(Citation([CitationItem(record["id"])]))
        rendered = [str(entry) for entry in bibliography.bibliography()]
        self.assertEqual(len(rendered), 2)
        self.assertTrue(
            any(
                "Attention is all you need" in r or "Attention Is All You Need" in r
                for r in rendered
            ),
            rendered,
        )
        self.assertTrue(any("Vaswani, A." in r for r in rendered), rendered)

    def test_the_list_page_takes_the_same_queries_for_two_papers_or_twenty(self):
        url = self.list.get_absolute_url()
        self.client.get(url)
        with self.assertNumQueries(3) as two:
            self.client.get(url)
        for n in range(18):
            services.add_paper(self.list, make_paper(f"More {n}", authors=[f"A{n} B", "C D"]))
        with self.assertNumQueries(len(two.captured_queries)):
            self.assertContains(self.client.get(url), "More 17")


class ListFreshnessTests(PageCacheTestCase):
    def test_a_visitor_sees_a_paper_added_and_a_list_made_private_at_once(self):
        paper = self.write(make_paper, "Deep Residual Learning")
        rl = self.write(a_list, self.alice, "public")
        url = rl.get_absolute_url()
        self.assertNotContains(self.client.get(url), "Deep Residual Learning")
        self.assertContains(self.client.get("/lists"), "Deep learning basics")
        self.write(services.add_paper, rl, paper)
        self.assertContains(self.client.get(url), "Deep Residual Learning")
        self.write(
            services.edit_list,
            rl,
            title="Deep learning basics",
            description="",
            visibility="private",
        )
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertNotContains(self.client.get("/lists"), "Deep learning basics")


class MoveRaceTests(BaseTestCase):
    def test_a_move_read_before_another_committed_does_not_duplicate_positions(self):
        papers = [make_paper(f"Paper {n}") for n in range(3)]
        rl = a_list(self.alice, papers=papers)
        stale = rl.items.get(paper=papers[1])  # read, then another move commits
        services.move_item(rl.items.get(paper=papers[0]), 1)
        services.move_item(stale, 1)
        positions = list(rl.items.values_list("position", flat=True))
        self.assertEqual(len(positions), len(set(positions)))
        # Paper 1 moves one place down from where it is now, not from where it was read.
        self.assertEqual(
            list(rl.items.values_list("paper__title", flat=True)), ["Paper 0", "Paper 1", "Paper 2"]
        )
