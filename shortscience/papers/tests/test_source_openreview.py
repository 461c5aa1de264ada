from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.test import SimpleTestCase

from shortscience.lib.records import AuthorInfo, ImportFailed
from shortscience.papers.sources import openreview
from shortscience.test import RecordedServer

# Hand-written after the OpenReview API schemas, not recorded: see data/openreview/README.md.
DATA = Path(__file__).parent / "data" / "openreview"

VIT_ABSTRACT = (
    "While the Transformer architecture has become the de-facto standard for natural language "
    "processing tasks, its applications to computer vision remain limited. In vision, attention "
    "is either applied in conjunction with convolutional networks, or used to replace certain "
    "components of convolutional networks while keeping their overall structure in place. We "
    "show that this reliance on CNNs is not necessary and a pure transformer applied directly "
    "to sequences of image patches can perform very well on image classification tasks. When "
    "pre-trained on large amounts of data and transferred to multiple mid-sized or small image "
    "recognition benchmarks (ImageNet, CIFAR-100, VTAB, etc.), Vision Transformer (ViT) attains "
    "excellent results compared to state-of-the-art convolutional networks while requiring "
    "substantially fewer computational resources to train."
)
VIT_AUTHORS = [
    "Alexey Dosovitskiy",
    "Lucas Beyer",
    "Alexander Kolesnikov",
    "Dirk Weissenborn",
    "Xiaohua Zhai",
    "Thomas Unterthiner",
    "Mostafa Dehghani",
    "Matthias Minderer",
    "Georg Heigold",
    "Sylvain Gelly",
    "Jakob Uszkoreit",
    "Neil Houlsby",
]


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def note(**content) -> dict:
    """A minimal API v2 submission note with the given content values."""
    fields = {"title": "A Paper", "authors": ["Ada Lovelace"], "venueid": "ICLR.cc/2025/Conference"}
    fields.update(content)
    return {
        "id": "abcDEF123",
        "forum": "abcDEF123",
        "pdate": 1737000000000,  # 2025-01-16
        "content": {k: {"value": v} for k, v in fields.items()},
    }


def answer(*notes: dict) -> bytes:
    return json.dumps({"notes": list(notes), "count": len(notes)}).encode()


class ParseV2Tests(SimpleTestCase):
    def test_it_reads_a_submission_note_field_by_field(self):
        [record] = openreview.parse(read("notes_id_YicbFdNTTy_v2.json"))
        self.assertEqual(
            record.title,
            "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",
        )
        self.assertEqual([a.name for a in record.authors], VIT_AUTHORS)
        self.assertEqual(
            record.authors[0],
            AuthorInfo(name="Alexey Dosovitskiy", match_name="~Alexey_Dosovitskiy1"),
        )
        self.assertEqual(record.abstract, VIT_ABSTRACT)
        self.assertEqual(
            record.keywords,
            [
                "computer vision",
                "image recognition",
                "self-attention",
                "transformer",
                "large-scale training",
            ],
        )
        self.assertEqual(record.venue_name, "ICLR")
        self.assertEqual(record.extra["venue"], "ICLR 2021 Oral")
        self.assertEqual(record.venue_key, "conf/iclr")
        self.assertEqual(record.venue_kind, "conference")
        self.assertEqual(record.year, 2021)
        self.assertEqual(record.published, date(2021, 1, 12))  # pdate, not cdate
        self.assertEqual(record.identifiers, {"openreview": "YicbFdNTTy"})
        self.assertEqual(
            record.links,
            [
                {
                    "label": "PDF",
                    "url": "https://openreview.net/pdf/0000000000000000000000000000000000000000.pdf",
                }
            ],
        )
        self.assertEqual(record.source, "OpenReview")
        self.assertEqual(
            record.extra, {"venue": "ICLR 2021 Oral", "venueid": "ICLR.cc/2021/Conference"}
        )

    def test_it_takes_only_the_submission_from_a_forum_answer(self):
        records = openreview.parse(read("notes_forum_YicbFdNTTy_v2.json"))
        self.assertEqual([r.identifiers for r in records], [{"openreview": "YicbFdNTTy"}])
        self.assertEqual(records[0].title[:27], "An Image is Worth 16x16 Wor")

    def test_it_answers_nothing_for_an_empty_notes_list(self):
        self.assertEqual(openreview.parse(b'{"notes": [], "count": 0}'), [])

    def test_it_refuses_an_answer_that_is_not_json(self):
        with self.assertRaisesRegex(ImportFailed, "not JSON"):
            openreview.parse(b"<html>Verifying your browser</html>")

    def test_it_reports_an_error_answer(self):
        body = b'{"name": "NotFoundError", "message": "The Note abc was not found", "status": 404}'
        with self.assertRaisesRegex(ImportFailed, "The Note abc was not found"):
            openreview.parse(body)

    def test_it_maps_known_venue_groups_to_dblp_prefixes(self):
        cases = {
            "NeurIPS.cc/2023/Conference": ("conf/nips", "conference"),
            "ICML.cc/2024/Conference": ("conf/icml", "conference"),
            "TMLR": ("journals/tmlr", "journal"),
            "colmweb.org/COLM/2024/Conference": ("openreview/colmweb.org", "conference"),
            "NeurIPS.cc/2023/Workshop/GenBio": ("openreview/neurips.cc", "conference"),
        }
        for venueid, (key, kind) in cases.items():
            [record] = openreview.parse(answer(note(venueid=venueid, venue="Some Venue")))
            self.assertEqual((record.venue_key, record.venue_kind), (key, kind), venueid)

    def test_it_does_not_place_a_rejected_submission_at_the_venue(self):
        rejected = note(
            venueid="ICLR.cc/2025/Conference/Rejected_Submission", venue="Submitted to ICLR 2025"
        )
        [record] = openreview.parse(answer(rejected))
        self.assertEqual((record.venue_key, record.venue_name), ("", ""))
        self.assertEqual(record.venue_kind, "preprint")
        self.assertEqual(record.year, 2025)
        self.assertEqual(record.extra["venue"], "Submitted to ICLR 2025")

    def test_it_dates_a_note_by_its_creation_without_a_publication_date(self):
        unpublished = note(venue="TMLR")
        del unpublished["pdate"]
        unpublished["cdate"] = 1696118400000  # 2023-10-01
        unpublished["content"]["venueid"] = {"value": "TMLR"}
        [record] = openreview.parse(answer(unpublished))
        self.assertEqual(record.published, date(2023, 10, 1))
        self.assertEqual(record.year, 2023)

    def test_it_links_no_pdf_when_the_note_has_none(self):
        [record] = openreview.parse(answer(note()))
        self.assertEqual(record.links, [])


class ParseV1Tests(SimpleTestCase):
    def test_it_reads_plain_content_values_of_api_v1(self):
        [record] = openreview.parse(read("notes_id_rJXMpikCZ_v1.json"))
        self.assertEqual(record.title, "Graph Attention Networks")
        self.assertEqual(
            [a.name for a in record.authors],
            [
                "Petar Veli\u010dkovi\u0107",
                "Guillem Cucurull",
                "Arantxa Casanova",
                "Adriana Romero",
                "Pietro Li\u00f2",
                "Yoshua Bengio",
            ],
        )
        # v1 author ids are e-mail addresses: not kept.
        self.assertEqual({a.match_name for a in record.authors}, {""})
        self.assertTrue(record.abstract.startswith("We present graph attention networks (GATs)"))
        self.assertTrue(
            record.abstract.endswith("(wherein test graphs remain unseen during training).")
        )
        self.assertEqual(
            record.keywords, ["Deep Learning", "Graph Convolutions", "Attention", "Self-Attention"]
        )

    def test_it_finds_the_venue_of_a_v1_note_in_its_invitation(self):
        [record] = openreview.parse(read("notes_id_rJXMpikCZ_v1.json"))
        self.assertEqual(record.venue_key, "conf/iclr")
        self.assertEqual(record.venue_name, "ICLR")
        self.assertEqual(record.venue_kind, "conference")
        self.assertEqual(record.year, 2018)
        self.assertEqual(record.published, date(2018, 2, 16))  # no pdate or cdate: tcdate
        self.assertEqual(record.identifiers, {"openreview": "rJXMpikCZ"})
        self.assertEqual(
            record.links,
            [
                {
                    "label": "PDF",
                    "url": "https://openreview.net/pdf/1111111111111111111111111111111111111111.pdf",
                }
            ],
        )


class FetchTests(SimpleTestCase):
    def routes(self) -> dict:
        return {
            "/notes?id=YicbFdNTTy": (200, read("notes_id_YicbFdNTTy_v2.json"), "application/json"),
            "/notes?id=nothing": (200, b'{"notes": [], "count": 0}', "application/json"),
            "/notes?id=hidden": (
                403,
                b'{"name": "ForbiddenError", "message": "You do not have permission", "status": 403}',
                "application/json",
            ),
        }

    def test_it_fetches_a_submission_by_forum_id(self):
        with (
            RecordedServer(self.routes()) as server,
            self.settings(OPENREVIEW_API_URL=server.url),
        ):
            record = openreview.fetch("YicbFdNTTy")
        self.assertEqual(record.identifiers, {"openreview": "YicbFdNTTy"})
        self.assertEqual(server.requests[0]["path"], "/notes?id=YicbFdNTTy")
        self.assertIn("mailto:", server.requests[0]["headers"]["User-Agent"])

    def test_it_answers_none_when_there_is_no_such_note(self):
        with (
            RecordedServer(self.routes()) as server,
            self.settings(OPENREVIEW_API_URL=server.url),
        ):
            self.assertIsNone(openreview.fetch("nothing"))
            self.assertIsNone(openreview.fetch("unknown"))  # the server's 404

    def test_it_reports_a_note_it_may_not_read(self):
        with (
            RecordedServer(self.routes()) as server,
            self.settings(OPENREVIEW_API_URL=server.url),
            self.assertRaisesRegex(ImportFailed, "HTTP 403.*You do not have permission"),
        ):
            openreview.fetch("hidden")

    def test_it_refuses_what_is_not_an_openreview_id(self):
        with self.assertRaisesRegex(ImportFailed, "not an OpenReview id"):
            openreview.fetch("")
