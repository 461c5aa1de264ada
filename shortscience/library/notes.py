"""Paper notes into summaries (`manage.py import_notes`): a folder of Markdown files, one
paper per file, as in the paper-notes collections people keep on GitHub: a file that begins
"## [Attention Is All You Need](https://arxiv.org/abs/1706.03762)", or "# A Title" then
"arXiv: https://arxiv.org/abs/...", followed by the notes.

What names the paper, first match wins: the first link whose URL lib.identifiers reads (arXiv,
DOI, OpenReview, DBLP, this site's old paper links), an identifier in the first heading (or,
without one, the first line), else that heading or line as the title of a paper already in
the library. A link or an identifier fetches a paper the library lacks; a title never
searches a source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from markdown_it import MarkdownIt

from shortscience.lib import identifiers
from shortscience.lib.http import FetchError
from shortscience.lib.records import ImportFailed, fold
from shortscience.library.services import NotAtSource, paper_for_identifier
from shortscience.papers.models import Paper
from shortscience.summaries.models import Summary
from shortscience.summaries.services import save_summary, validate_body


class NoteSkipped(Exception):
    """A note that cannot become a summary; the message says why, for a person."""


# Plain CommonMark is enough to tell headings, links and code apart: a URL in a code block
# names no paper. The site's renderer (lib.markup) adds math and \cite, which reading needs not.
_MD = MarkdownIt("commonmark")
# Bare URLs ("arXiv: https://..."), inline links and autolinks alike, in the order written.
_URL = re.compile(r"https?://[^\s<>\"'`]+")
# What may stand beside the paper's link on the line under the heading: "arXiv:", "Paper",
# "PDF link:".
_LABEL = re.compile(r"(?:[A-Za-z][\w.-]*(?: [\w.-]+){0,2}\s*:?)?")


@dataclass
class Note:
    text: str
    heading: str  # the first heading's text, "" when the note has none
    heading_source: str  # that heading's Markdown, links and all
    lead: tuple[int, int] | None  # its lines, when it is the note's first block
    after: tuple[int, int] | None  # the lines of the block right after it
    links: list[str]  # every URL, in the order written


def read_note(path: Path) -> Note:
    try:
        # utf-8-sig: editors on Windows start files with a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise NoteSkipped("not UTF-8 text") from None
    except OSError as e:
        raise NoteSkipped(f"unreadable ({e.strerror or e})") from None
    return parse_note(text)


def parse_note(text: str) -> Note:
    if not text.strip():
        raise NoteSkipped("the file is empty")
    tokens = _MD.parse(text)
    lines = text.split("\n")
    links: list[str] = []
    heading, heading_source, lead, after = "", "", None, None
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and not heading_source:
            inline = tokens[i + 1]
            heading = " ".join(
                c.content for c in inline.children or [] if c.type in ("text", "code_inline")
            ).strip()
            heading_source = inline.content
            if i == 0 and token.map:
                lead = (token.map[0], token.map[1])
                # The next block opens after heading_open, inline, heading_close.
                nxt = tokens[i + 3] if len(tokens) > i + 3 else None
                after = (nxt.map[0], nxt.map[1]) if nxt is not None and nxt.map else None
        if token.type != "inline":
            continue
        for match in _URL.finditer(token.content):
            links.append(_trim_url(match[0]))
        # Reference-style links ("[paper][1]") have their URL elsewhere in the file.
        for child in token.children or []:
            href = child.attrs.get("href") if child.type == "link_open" else None
            if isinstance(href, str) and href not in links:
                links.append(href)
    if lead and not "\n".join(lines[lead[1] :]).strip():
        raise NoteSkipped("the note is a heading and nothing else")
    if not heading:
        heading = next(line.strip() for line in lines if line.strip())
    return Note(text, heading, heading_source, lead, after, links)


def _trim_url(url: str) -> str:
    """A URL as written in prose or as a Markdown link's target: without the sentence's
    full stop or the link's closing parenthesis (a DOI may hold balanced ones)."""
    url = url.rstrip(".,;:!?*_")
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
    return url


def find_paper(note: Note) -> tuple[Paper, str]:
    """The paper the note names and the text that named it. Raises NoteSkipped, and what
    paper_for_identifier raises for a paper it cannot fetch."""
    for url in note.links:
        ident = identifiers.recognize(url)
        if ident is not None and ident.kind != identifiers.BIBTEX:
            return paper_for_identifier(url)[0], url
    for word in note.heading.split():
        word = word.strip("()[]{}<>,;\"'")
        ident = identifiers.recognize(word)
        if ident is not None and ident.kind != identifiers.BIBTEX:
            return paper_for_identifier(word)[0], word
    title = note.heading
    found = papers_titled(title)
    shown = title if len(title) <= 100 else title[:99] + "…"
    if not found:
        raise NoteSkipped(
            f"no paper titled {shown!r} in the library, and no arXiv, DOI, OpenReview or "
            "DBLP link to fetch it by"
        )
    if len(found) > 1:
        raise NoteSkipped(
            f"{len(found)} papers in the library are titled {shown!r}; link the one you mean"
        )
    return found[0], title


def papers_titled(title: str) -> list[Paper]:
    """Papers (not merged away) with this title, compared as Paper.match_key compares
    titles: case, accents, spaces and punctuation aside (lib.records.fold).

    match_key is "title|surname|year" (lib.records.match_key), so its prefix finds them.
    The papers a bulk import wrote without authors or year have no key and are missed: a
    trade for reusing the one indexed title column rather than adding a second.
    """
    folded = fold(title[:400])
    if not folded:
        return []
    rows = Paper.objects.filter(match_key__startswith=folded[:200] + "|")
    # The key holds 200 characters of the title; longer titles are compared whole here.
    return [p for p in rows if p.merged_into_id is None and fold(p.title[:400]) == folded]


def summary_body(note: Note, paper: Paper, named_by: str) -> str:
    """The note as a summary: without its leading heading when that heading only names the
    paper (the paper page shows the title and links above every summary, so it would say it
    twice), nor the one line under it that only links to the paper ("arXiv: https://...").
    A heading that says something else ("# My notes") stays, as does everything below."""
    lines = note.text.split("\n")
    if note.lead is None:
        return note.text.strip()
    # The title, or its short name before a colon ("BERT" for "BERT: Pre-training of ...").
    titles = {fold(paper.title), fold(paper.title.split(":", 1)[0])}
    if named_by not in note.heading_source and fold(note.heading) not in titles:
        return note.text.strip()
    start = note.lead[1]
    if (
        note.after
        and note.after[1] - note.after[0] == 1
        and _only_links(lines[note.after[0]], named_by)
    ):
        start = note.after[1]
    return "\n".join(lines[start:]).strip()


def _only_links(line: str, url: str) -> bool:
    """Whether `line` is a link to `url` and at most a label ("arXiv: <url>", "[PDF](<url>)")."""
    if url not in line:
        return False
    rest = re.sub(r"[\[\]()<>*_]", "", line.replace(url, "")).strip()
    return _LABEL.fullmatch(rest) is not None


def import_note(
    path: Path,
    *,
    user,
    visibility: str | None,
    is_anonymous: bool | None,
    claimed: dict[int, str],
) -> tuple[Paper, str]:
    """Make one note `user`'s summary of its paper: (paper, "created", "updated" or
    "unchanged"). `claimed` maps papers given a note earlier in this run to that note's
    name; a second note of one paper is skipped, not saved over the first (a member has one
    summary per paper), which would also make every re-run an update. `visibility` and
    `is_anonymous` None: as the member's summary already is (public and signed when new).

    Raises NoteSkipped with the reason, whatever went wrong.
    """
    try:
        note = read_note(path)
        validate_body(note.text)  # empty or too long: known before asking any source
        paper, named_by = find_paper(note)
        if paper.pk in claimed:
            raise NoteSkipped(f"names the same paper as {claimed[paper.pk]}")
        body = validate_body(summary_body(note, paper, named_by))
        claimed[paper.pk] = str(path)
        existing = Summary.objects.filter(paper=paper, user=user).first()
        if visibility is None:
            visibility = existing.visibility if existing else Summary.Visibility.PUBLIC
        if is_anonymous is None:
            is_anonymous = existing.is_anonymous if existing else False
        if existing is not None and (existing.body, existing.visibility, existing.is_anonymous) == (
            body,
            visibility,
            is_anonymous,
        ):
            return paper, "unchanged"
        # save_summary's own transaction holds the summary, its revision and its index row:
        # a note is saved whole or not at all. A paper fetched for it was committed on its
        # own just before (upsert_paper), and stays if the save fails: a paper in the library
        # is right whatever becomes of the note, and one transaction around both would hold
        # SQLite's write lock while the summary's math is typeset.
        save_summary(
            paper=paper, user=user, body=body, visibility=visibility, is_anonymous=is_anonymous
        )
        return paper, "created" if existing is None else "updated"
    except ValidationError as e:
        raise NoteSkipped("; ".join(e.messages)) from None
    except (ImportFailed, NotAtSource) as e:
        raise NoteSkipped(str(e)) from None
    except FetchError as e:
        raise NoteSkipped(f"the paper's source did not answer ({e})") from None
