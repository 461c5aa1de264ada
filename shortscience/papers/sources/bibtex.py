"""BibTeX, pasted or uploaded: one entry or a whole library, read into PaperRecords.

bibtexparser 2's splitter cuts the text into blocks (it recovers after a broken entry, and
says where it broke); the rest is done here, because its middlewares resolve a `@string`
only when it is a field's whole value, and neither `#` concatenation nor `crossref`:

- values: `{..}`, `".."`, numbers and `@string` macros joined by `#`; jan..dec predefined.
  Within one text (or one chunk of a big file) every `@string` is known to every entry,
  wherever it stands; across the chunks of `iter_file`, as in BibTeX, only earlier ones.
- `crossref`: a child takes the fields it lacks (booktitle, year, editor, publisher, ...)
  from its parent, and from the parent's parent; cycles stop, missing parents are noted in
  extra. A parent that gave its fields to a paper is that paper's volume, not a paper, and
  is not returned (dblp's crossref format puts a @proceedings after every paper).
- LaTeX in values -> Unicode through lib.latex; author lists split at a top-level " and ".

There is no `fetch`: BibTeX is something a person has, not a service to ask.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from bibtexparser.exceptions import ParserStateException
from bibtexparser.middlewares.names import (
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
    String,
)
from bibtexparser.splitter import Splitter

from shortscience.lib.identifiers import (
    ARXIV,
    DBLP,
    DOI,
    Identifier,
    arxiv_from_dblp_key,
    candidates,
    parse_arxiv,
    parse_dblp,
    parse_doi,
)
from shortscience.lib.latex import NBSP, strip_braces, to_unicode
from shortscience.lib.records import AuthorInfo, ImportFailed, PaperRecord

NAME = "BibTeX"

# A paste or an upload through the site; the operator's bigger libraries go through
# iter_file, which reads a file a chunk at a time.
MAX_BYTES = 5 * 1024 * 1024
# What the library's columns hold; a longer title or name is not one.
MAX_TITLE = 1000
MAX_NAME = 300
# iter_file hands the splitter about this much text at a time, cut before a line that
# starts a block.
CHUNK_BYTES = 256 * 1024

# bibtexparser logs every broken block at WARNING; a person's broken paste is reported
# to that person (see parse_report), not to the operator's log.
logging.getLogger("bibtexparser.splitter").setLevel(logging.ERROR)

_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# BibTeX's standard styles predefine the month macros; nothing else is predefined here.
_PREDEFINED = {name[:3].lower(): name for name in _MONTH_NAMES}

# Fields a crossref child takes from its parent when it has none of its own. Not the
# author, title, pages or identifiers: those belong to the paper, not to its volume.
_INHERITED = (
    "booktitle",
    "journal",
    "journaltitle",
    "year",
    "date",
    "month",
    "editor",
    "publisher",
    "series",
    "volume",
    "number",
    "address",
    "location",
    "organization",
    "school",
    "institution",
    "edition",
)
# biblatex: the title of one of these parents is the booktitle of its children.
_VOLUME_TYPES = {
    "book",
    "mvbook",
    "collection",
    "mvcollection",
    "proceedings",
    "mvproceedings",
    "reference",
    "mvreference",
}
_PREPRINT_TYPES = {"misc", "unpublished", "techreport", "report", "online", "preprint"}

_CROSSREF_IN_TEXT = re.compile(rb"(?i)\bcrossref\s*=\s*[{\"]?\s*([^\s,{}\"]+)")
_DECLARED_ENCODING = re.compile(
    rb"(?im)^\s*%+\s*encoding\s*[:=]\s*([-\w.]+)|-\*-.*?coding\s*[:=]\s*([-\w.]+)"
)
_DELIMITER = re.compile(r'(?<!\\)[{}"]')
_WORD = re.compile(r"[^\s#{}\",=]+")
_COMMENT_LINE = re.compile(r"\n[ \t]*%[^\n]*")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:$|[/T ])")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_ARXIV_IN_TEXT = re.compile(r"(?i)\barxiv:\s*([a-z\-.]+/\d{7}|\d{4}\.\d{4,5})(v\d+)?")
_ARXIV_JOURNAL = re.compile(r"(?i)^\s*arxiv\b")
_CORR_JOURNAL = re.compile(r"(?i)^\s*corr\s*$")
_DBLP_BIBURL = re.compile(r"^/rec/(?:bib/|bibtex/|xml/)?(.+?)(?:\.(?:bib|html|xml))?$")


def parse(payload: bytes | str) -> list[PaperRecord]:
    """Every entry that could be read; ImportFailed only when none could."""
    records, _problems = parse_report(payload)
    return records


def parse_report(payload: bytes | str) -> tuple[list[PaperRecord], list[str]]:
    """(records, problems): the entries read, in file order, and one line for a person
    about each block that could not be read ("Line 12: @article{x}: it has no title") or
    anything else worth knowing (a file read as Latin-1).

    Raises ImportFailed when nothing could be read: too big, not text, not UTF-8, no
    entry, or every entry broken (the message then quotes the first problems).
    """
    text, notes = _decode(payload)
    reader = _Reader()
    results = reader.feed(text, 1) + reader.finish()
    results.sort(key=lambda pair: pair[0])
    records = [r for _, r in results if isinstance(r, PaperRecord)]
    problems = [f"Line {line}: {r}" for line, r in results if isinstance(r, ImportFailed)]
    if not records:
        if not problems:
            raise ImportFailed(
                "No BibTeX entry found: an entry starts like @article{key, title = {...}, ...}."
            )
        shown = "; ".join(p.rstrip(".") for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ImportFailed(f"No entry could be read. {shown}{more}.")
    return records, notes + problems


def iter_file(path: str | Path) -> Iterator[tuple[int, PaperRecord | ImportFailed]]:
    """(line where the entry starts, its record or why it failed) for every entry of a
    .bib file of any size, for the operator's bulk import; never raises for bad content.

    The file is read a chunk at a time. What stays in memory is the `@string` table, the
    keys seen (to report duplicates) and the crossref parents with the children waiting
    for them, which a first quick pass over the file finds.
    """
    path = Path(path)
    with path.open("rb") as f:
        head = f.read(4096)
    encoding = _file_encoding(head)
    reader = _Reader(crossref_targets=_crossref_targets(path))
    for first_line, raw in _chunks(path):
        try:
            pieces = [(first_line, raw.decode(encoding))]
        except UnicodeDecodeError:
            pieces = list(_decodable_blocks(first_line, raw, encoding))
        for line, text in pieces:
            if isinstance(text, ImportFailed):
                yield line, text
                continue
            if line == 1:
                text = text.lstrip("\ufeff")
            yield from reader.feed(text, line)
    yield from reader.finish()


def _decodable_blocks(
    first_line: int, raw: bytes, encoding: str
) -> Iterator[tuple[int, str | ImportFailed]]:
    """A chunk that does not decode, block by block: one bad entry costs only itself."""
    blocks: list[tuple[int, list[bytes]]] = []
    for number, line in enumerate(raw.splitlines(keepends=True), first_line):
        if not blocks or line.lstrip().startswith(b"@"):
            blocks.append((number, []))
        blocks[-1][1].append(line)
    for number, lines in blocks:
        try:
            yield number, b"".join(lines).decode(encoding)
        except UnicodeDecodeError:
            yield number, ImportFailed(f"This entry is not {encoding}; it was skipped.")


# -- Reading bytes -------------------------------------------------------------------------


def _decode(payload: bytes | str) -> tuple[str, list[str]]:
    """The text of a payload, refusing what is too big, binary or of an unknown encoding."""
    notes: list[str] = []
    too_big = ImportFailed(
        f"The BibTeX is larger than {MAX_BYTES // (1024 * 1024)} MB; "
        "split it into smaller files, or ask the operator to import it."
    )
    if isinstance(payload, str):
        # A str never exceeds 4 bytes per character in UTF-8: encode only near the limit.
        if len(payload) > MAX_BYTES or (
            len(payload) * 4 > MAX_BYTES and len(payload.encode("utf-8", "replace")) > MAX_BYTES
        ):
            raise too_big
        text = payload
    else:
        if len(payload) > MAX_BYTES:
            raise too_big
        text = _decode_bytes(payload, notes)
    text = text.lstrip("\ufeff")
    if _looks_binary(text):
        raise ImportFailed("This is not a text file, so it cannot be BibTeX.")
    return text, notes


def _decode_bytes(data: bytes, notes: list[str]) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFailed(
                "The file starts like UTF-16 but is not; save it as UTF-8."
            ) from None
    if b"\x00" in data:
        raise ImportFailed("This is not a text file, so it cannot be BibTeX.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        not_utf8 = (
            f"The file is not UTF-8 (line {line} has bytes that are not); save it as UTF-8 "
            "and upload it again."
        )
    declared = _declared_encoding(data[:4096])
    if declared and codecs.lookup(declared).name != "utf-8":
        try:
            text = data.decode(declared)
        except UnicodeDecodeError:
            raise ImportFailed(
                f"The file says it is {declared}, but it is not; save it as UTF-8 "
                "and upload it again."
            ) from None
        notes.append(f"The file is not UTF-8; it was read as {declared}, as it says it is.")
        return text
    if _plausible_latin1(data):
        notes.append(
            "The file is not UTF-8; it was read as Latin-1 (ISO 8859-1). "
            "Check the accented letters, or save it as UTF-8."
        )
        return data.decode("latin-1")
    raise ImportFailed(not_utf8)


def _declared_encoding(head: bytes) -> str:
    """What a JabRef header (`% Encoding: windows-1252`) or an Emacs mode line says."""
    m = _DECLARED_ENCODING.search(head)
    if not m:
        return ""
    name = (m[1] or m[2]).decode("ascii")
    try:
        codecs.lookup(name)
    except LookupError:
        return ""
    return name


def _plausible_latin1(data: bytes) -> bool:
    """Latin-1 decodes any bytes, so it is accepted only when every non-ASCII byte is a
    Latin-1 letter (0xC0-0xFF but the signs 0xD7 and 0xF7) standing alone between ASCII
    characters, as in "Élémentaire" or "Müller". Other 8-bit encodings put bytes in pairs
    (GBK, Shift-JIS), use the 0x80-0xBF range (Windows-1252's quotes, KOI8-R) or write
    whole words of high bytes (ISO 8859-5, -7), and are refused rather than turned into
    mojibake.
    """
    previous_high = False
    for byte in data:
        high = byte >= 0x80
        if high and (byte < 0xC0 or byte in (0xD7, 0xF7) or previous_high):
            return False
        previous_high = high
    return True


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    controls = sum(1 for c in sample if c < " " and c not in "\t\n\r\f\x1a")
    return "\x00" in sample or controls > len(sample) // 100


def _file_encoding(head: bytes) -> str:
    declared = _declared_encoding(head)
    return declared if declared else "utf-8"


def _crossref_targets(path: Path) -> set[str]:
    targets: set[str] = set()
    with path.open("rb") as f:
        for line in f:
            if b"rossref" in line or b"ROSSREF" in line:
                targets.update(
                    m[1].decode("utf-8", "replace").lower()
                    for m in _CROSSREF_IN_TEXT.finditer(line)
                )
    return targets


def _chunks(path: Path) -> Iterator[tuple[int, bytes]]:
    """(number of its first line, text) pieces cut only before a line starting with `@`,
    where the splitter would end the block before anyway."""
    lines: list[bytes] = []
    size = 0
    first = 1
    with path.open("rb") as f:
        for number, line in enumerate(f, 1):
            if size >= CHUNK_BYTES and line.lstrip().startswith(b"@"):
                yield first, b"".join(lines)
                lines, size, first = [], 0, number
            lines.append(line)
            size += len(line)
    if lines:
        yield first, b"".join(lines)


# -- Blocks to entries ---------------------------------------------------------------------


class _BadValue(Exception):
    pass


@dataclass
class _Entry:
    line: int
    type: str  # lower case
    key: str  # as written
    fields: dict[str, str]  # lower-case name -> value with macros expanded, still LaTeX
    undefined: list[str] = field(default_factory=list)  # @string names that had no value

    @property
    def label(self) -> str:
        return f"@{self.type}{{{self.key}}}"

    @property
    def names(self) -> list[str]:
        """The lower-case key and its biblatex aliases (`ids`), by which a crossref finds it."""
        aliases = [a.strip().lower() for a in self.fields.get("ids", "").split(",")]
        return [self.key.lower()] + [a for a in aliases if a]

    @property
    def crossref(self) -> str:
        return strip_braces(self.fields.get("crossref", "")).lower()


Result = tuple[int, PaperRecord | ImportFailed]


class _Reader:
    """Turns chunks of BibTeX text into results, keeping what later chunks need."""

    def __init__(self, crossref_targets: set[str] | None = None) -> None:
        self.macros: dict[str, str] = dict(_PREDEFINED)
        self.targets: set[str] = set(crossref_targets or ())
        self.parents: dict[str, _Entry] = {}
        self.waiting: dict[str, list[_Entry]] = {}
        self.held: dict[str, tuple[_Entry, PaperRecord | ImportFailed]] = {}
        self.used: set[str] = set()
        self.seen: dict[str, int] = {}

    def feed(self, text: str, first_line: int) -> list[Result]:
        results: list[Result] = []
        entries: list[tuple[int, Entry]] = []
        # bibtexparser does not count a line that ends in a backslash (its newline is not a
        # "mark"), so every later line number would be one off. For TeX a backslash before a
        # line break is a control space either way.
        text = text.replace("\\\n", "\\ \n")
        try:
            blocks = Splitter(text).split().blocks
        except ParserStateException as e:  # bibtexparser's own bug, not the text's
            reason = getattr(e, "message", "") or type(e).__name__
            return [(first_line, ImportFailed(f"The BibTeX could not be split: {reason}"))]
        for block in blocks:
            if isinstance(block, (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock)):
                # A repeated field: BibTeX keeps the first. A repeated key: see _read_entry.
                block = block.ignore_error_block
            line = first_line + (block.start_line or 0)
            if isinstance(block, String):
                name = block.key.strip()
                try:
                    self.macros[name.lower()] = _evaluate(block.value, self.macros, [])
                except _BadValue as e:
                    results.append((line, ImportFailed(f"@string{{{name}}}: its value {e}.")))
            elif isinstance(block, Entry):
                entries.append((line, block))
            elif isinstance(block, ParsingFailedBlock):
                results.append((line, ImportFailed(_describe_failure(block))))
            # Comments, @comment and @preamble say nothing about papers.

        read: list[_Entry] = []
        for line, block in entries:
            entry = self._read_entry(line, block, results)
            if entry is not None:
                read.append(entry)
                if entry.crossref:
                    self.targets.add(entry.crossref)
        arrived = []
        for entry in read:
            for name in entry.names:
                if name in self.targets:
                    self.parents[name] = entry
                    arrived.append(name)
        for entry in read:
            if entry.crossref and entry.crossref not in self.parents:
                self.waiting.setdefault(entry.crossref, []).append(entry)
            else:
                results.extend(self._resolve(entry))
        for name in arrived:
            for entry in self.waiting.pop(name, []):
                results.extend(self._resolve(entry))
        return results

    def finish(self) -> list[Result]:
        """Children whose parent never came, then the parents no paper used as its volume."""
        results: list[Result] = []
        for children in self.waiting.values():
            for entry in children:
                results.extend(self._resolve(entry))
        self.waiting.clear()
        for entry, result in self.held.values():
            if not any(name in self.used for name in entry.names):
                results.append((entry.line, result))
        self.held.clear()
        return results

    def _read_entry(self, line: int, block: Entry, results: list[Result]) -> _Entry | None:
        entry = _Entry(line, block.entry_type.strip().lower(), block.key.strip(), {})
        for f in block.fields:
            name = f.key.strip().lower()
            if name in entry.fields:
                continue
            try:
                entry.fields[name] = _evaluate(f.value, self.macros, entry.undefined)
            except _BadValue as e:
                results.append((line, ImportFailed(f"{entry.label}: its {name} {e}.")))
                return None
        key = entry.key.lower()
        if key in self.seen:
            message = f"{entry.label}: the key is used before, on line {self.seen[key]}; skipped."
            results.append((line, ImportFailed(message)))
            return None
        self.seen[key] = line
        return entry

    def _resolve(self, entry: _Entry) -> list[Result]:
        fields, chain = self._inherit(entry)
        result = _build(entry, fields)
        if any(name in self.targets for name in entry.names):
            # Someone's parent: a paper of its own unless a paper used it (see finish). Two
            # entries naming each other as parent do not hide each other.
            self.held[entry.key.lower()] = (entry, result)
            return []
        if isinstance(result, PaperRecord):
            self.used.update(chain)
        return [(entry.line, result)]

    def _inherit(self, entry: _Entry) -> tuple[dict[str, str], list[str]]:
        fields = dict(entry.fields)
        chain: list[str] = []
        visited = set(entry.names)
        ref = entry.crossref
        while ref and ref not in visited:
            parent = self.parents.get(ref)
            if parent is None:
                break
            visited.update(parent.names)
            chain.append(ref)
            for name in _INHERITED:
                if name not in fields and name in parent.fields:
                    fields[name] = parent.fields[name]
            if (
                "booktitle" not in fields
                and parent.type in _VOLUME_TYPES
                and "title" in parent.fields
            ):
                fields["booktitle"] = parent.fields["title"]
            ref = parent.crossref
        return fields, chain


def _evaluate(raw: str, macros: dict[str, str], undefined: list[str]) -> str:
    """A field value as written (`{a} # " b" # jan # 2`) -> its text, delimiters removed."""
    out: list[str] = []
    i, n = 0, len(raw)
    while True:
        while i < n and raw[i].isspace():
            i += 1
        if i >= n:
            if out:
                raise _BadValue("ends with a # and nothing after it")
            break
        c = raw[i]
        if c == "{":
            end = _closing(raw, i, "}")
            out.append(raw[i + 1 : end])
        elif c == '"':
            end = _closing(raw, i, '"')
            out.append(raw[i + 1 : end])
        else:
            m = _WORD.match(raw, i)
            if not m:
                raise _BadValue(f"has a stray {c!r}")
            word = m[0]
            end = m.end() - 1
            if word.isdigit():
                out.append(word)
            elif word.lower() in macros:
                out.append(macros[word.lower()])
            else:
                # BibTeX warns and uses nothing; the name is kept to explain an empty title.
                undefined.append(word)
        i = end + 1
        while i < n and raw[i].isspace():
            i += 1
        if i >= n:
            break
        if raw[i] != "#":
            raise _BadValue(f"has {raw[i]!r} where a # or the end was expected")
        i += 1
    # A line starting with % inside a value is a TeX comment (people comment out an author).
    return _COMMENT_LINE.sub("\n", "".join(out))


def _closing(raw: str, start: int, closer: str) -> int:
    """Index of the `}` or `"` ending the value opened at start, counting braces as the
    splitter does (a brace or quote after a backslash is not one)."""
    depth = 0
    for m in _DELIMITER.finditer(raw, start + 1):
        c, j = m[0], m.start()
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                if closer == "}":
                    return j
                raise _BadValue("has a } that closes nothing")
            depth -= 1
        elif c == '"' and closer == '"' and depth == 0:
            return j
    raise _BadValue(f"has a {raw[start]} that is not closed")


def _describe_failure(block: ParsingFailedBlock) -> str:
    head = (block.raw or "").strip().split("\n", 1)[0]
    if len(head) > 60:
        head = head[:57] + "..."
    reason = getattr(block.error, "abort_reason", "") or str(block.error)
    if "reached end of file" in reason:
        why = 'the text ends inside it: a { or " is not closed'
    elif "Unexpected block start" in reason:
        why = 'a new entry starts before this one is closed: a { or " is not closed'
    elif "Expected comma after entry key" in reason:
        why = "there is no comma after the entry key"
    elif "Expected a `=`" in reason:
        why = "a field has no = between its name and its value"
    else:
        why = reason.strip()
    return f"{head!r} could not be read: {why}."


# -- Entries to records --------------------------------------------------------------------


def _build(entry: _Entry, fields: dict[str, str]) -> PaperRecord | ImportFailed:
    try:
        return _record(entry, fields)
    except ImportFailed as e:
        return e
    except (RecursionError, ValueError) as e:  # a value no reading makes sense of
        return ImportFailed(f"{entry.label}: it could not be read ({e}).")


def _record(entry: _Entry, fields: dict[str, str]) -> PaperRecord:
    title = _text(fields.get("title", ""), typeset=True)
    subtitle = _text(fields.get("subtitle", ""), typeset=True)
    if title and subtitle:
        title = f"{title}: {subtitle}"
    if not title:
        why = "it has no title"
        if entry.undefined:
            why += f" (undefined @string: {', '.join(sorted(set(entry.undefined)))})"
        raise ImportFailed(f"{entry.label}: {why}.")
    if len(title) > MAX_TITLE:
        raise ImportFailed(f"{entry.label}: its title is longer than {MAX_TITLE} characters.")

    authors, et_al = _names(fields.get("author", ""))
    editors, _ = _names(fields.get("editor", ""))
    year, month, published = _dates(fields)
    identifiers = _identifiers(entry.key, fields)
    venue_name, venue_kind, venue_key = _venue(entry, fields, identifiers)

    extra: dict[str, object] = {"type": entry.type, "bibtex_key": entry.key}
    for name, value in (
        ("pages", fields.get("pages")),
        ("volume", fields.get("volume")),
        ("number", fields.get("number") or fields.get("issue")),
        ("publisher", fields.get("publisher")),
        ("series", fields.get("series")),
        ("note", fields.get("note")),
    ):
        text = _text(value or "")
        if text:
            extra[name] = text
    if month:
        extra["month"] = month
    if editors:
        extra["editors"] = [a.name for a in editors]
    if entry.crossref:
        extra["crossref"] = strip_braces(entry.fields["crossref"])
    if et_al:
        extra["et_al"] = True

    return PaperRecord(
        title=title,
        authors=authors,
        abstract=to_unicode(fields.get("abstract", ""), escape_dollar=True, paragraphs=True),
        year=year,
        published=published,
        venue_key=venue_key,
        venue_name=venue_name,
        venue_kind=venue_kind,
        keywords=_keywords(fields.get("keywords") or fields.get("keyword") or ""),
        source=NAME,
        identifiers=identifiers,
        links=_links(fields, identifiers),
        extra=extra,
    )


def _text(value: str, *, typeset: bool = False) -> str:
    return to_unicode(value, escape_dollar=typeset) if value else ""


def _names(value: str) -> tuple[list[AuthorInfo], bool]:
    """Display names ("First von Last Jr.") of a name list, and whether it ended in "others"."""
    people: list[AuthorInfo] = []
    et_al = False
    for name in split_multiple_persons_names(value) if value.strip() else []:
        if name.strip().lower() == "others":
            et_al = True
            continue
        parts = parse_single_name_into_parts(name, strict=False)
        words = [to_unicode(w, tie=NBSP) for w in parts.first + parts.von + parts.last + parts.jr]
        display = " ".join(w for w in words if w)
        if len(display) > MAX_NAME:
            raise ValueError(f"a name is longer than {MAX_NAME} characters")
        if display:
            people.append(AuthorInfo(name=display))
    return people, et_al


def _dates(fields: dict[str, str]) -> tuple[int | None, int | None, date | None]:
    """(year, month, published). `published` is set only when the day is known (a full
    biblatex `date`, a `day`, or BibTeX's `month = "10~" # jan`): a made-up first of the
    month would pass for a real date and, being early, win over the real one when the
    paper is merged with its arXiv or Crossref record."""
    year = month = day = None
    iso = _ISO_DATE.match(strip_braces(fields.get("date", "")))
    if iso:
        year = int(iso[1])
        month = int(iso[2]) if iso[2] else None
        day = int(iso[3]) if iso[3] else None
    found = _YEAR.search(to_unicode(fields.get("year", "")))
    if found:
        year = int(found[1])
    if fields.get("month"):
        named_month, named_day = _month(to_unicode(fields["month"]))
        if named_month:
            if named_month != month:
                day = None  # the date's day belongs to another month
            month, day = named_month, named_day or day
    if _is_number(fields.get("day", "").strip()) and len(fields["day"].strip()) <= 2:
        day = int(fields["day"].strip())
    published = None
    if year and month and day:
        try:
            published = date(year, month, day)
        except ValueError:
            published = None
    if month is not None and not 1 <= month <= 12:
        month = None
    return year, month, published


def _is_number(text: str) -> bool:
    """Digits int() reads: str.isdigit() is also true of "²" and other digits it refuses."""
    return text.isascii() and text.isdigit()


def _month(text: str) -> tuple[int | None, int | None]:
    """(month, day) from "Aug", "August", "8", "10 January" or "jun-aug" (the first)."""
    text = text.strip()
    if _is_number(text):
        number = int(text)
        return (number, None) if 1 <= number <= 12 else (None, None)
    for word in re.findall(r"[A-Za-z]+", text):
        for number, name in enumerate(_MONTH_NAMES, 1):
            if len(word) >= 3 and name.lower().startswith(word.lower()):
                day = re.search(r"(?<!\d)(\d{1,2})(?!\d)", text)
                return number, (int(day[1]) if day and 1 <= int(day[1]) <= 31 else None)
    return None, None


def _identifiers(key: str, fields: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}

    def add(kind: str, value: str) -> None:
        found.setdefault(kind, value)

    doi_text = strip_braces(fields.get("doi", ""))
    doi = parse_doi(doi_text) or next(
        (i for i in _url_identifiers(doi_text) if i.kind == DOI), None
    )
    url = strip_braces(fields.get("url", "")).split(" ")[0]
    url_ids = _url_identifiers(url)
    if doi is None:
        doi = next((i for i in url_ids if i.kind == DOI), None)
    if doi:
        # arXiv's own DOIs (10.48550/arXiv.1706.03762) say less than the arXiv id.
        hidden = _ARXIV_DOI.match(doi.display)
        arxiv_from_doi = parse_arxiv(hidden[1]) if hidden else None
        if arxiv_from_doi:
            add("arxiv", arxiv_from_doi.display)
        else:
            add("doi", doi.display)

    prefix = strip_braces(fields.get("archiveprefix", "") or fields.get("eprinttype", ""))
    eprint = strip_braces(fields.get("eprint", ""))
    if eprint and (prefix.lower() == "arxiv" or not prefix):
        arxiv = parse_arxiv(eprint)
        if arxiv:
            add("arxiv", arxiv.display)
    journal = to_unicode(fields.get("journal", "") or fields.get("journaltitle", ""))
    volume = strip_braces(fields.get("volume", ""))
    if (_CORR_JOURNAL.match(journal) or _ARXIV_JOURNAL.match(journal)) and volume.startswith(
        "abs/"
    ):
        arxiv = parse_arxiv(volume[4:])
        if arxiv:
            add("arxiv", arxiv.display)
    for ident in url_ids:
        if ident.kind == ARXIV:
            add("arxiv", ident.display)
    for name in ("journal", "note", "howpublished", "journaltitle"):
        m = _ARXIV_IN_TEXT.search(fields.get(name, ""))
        arxiv = parse_arxiv(m[1] + (m[2] or "")) if m else None
        if arxiv:
            add("arxiv", arxiv.display)

    dblp = parse_dblp(key) if key.startswith("DBLP:") else None
    biburl = strip_braces(fields.get("biburl", ""))
    if dblp is None and _is_web_address(biburl):
        parts = urlsplit(biburl)
        host = (parts.hostname or "").lower()
        m = _DBLP_BIBURL.match(parts.path)
        if m and (host.endswith("dblp.org") or host.endswith("dblp.uni-trier.de")):
            dblp = parse_dblp(m[1])
    if dblp:
        add("dblp", dblp.value)
        hidden_arxiv = arxiv_from_dblp_key(dblp.value)
        if hidden_arxiv:
            add("arxiv", hidden_arxiv.display)
    return {kind: value for kind, value in found.items() if len(value) <= MAX_NAME}


def _url_identifiers(url: str) -> list[Identifier]:
    if not url.lower().startswith(("http://", "https://")):
        return []
    try:
        return candidates(url)
    except ValueError:  # urlsplit refuses some addresses ("http://[broken")
        return []


def _venue(
    entry: _Entry, fields: dict[str, str], identifiers: dict[str, str]
) -> tuple[str, str, str]:
    """(venue_name, venue_kind, venue_key), as the DBLP and arXiv importers name them."""
    journal = _text(fields.get("journal", "") or fields.get("journaltitle", ""))
    name = journal or _text(fields.get("booktitle", "")) or _text(fields.get("series", ""))
    dblp = identifiers.get("dblp", "")
    key = "/".join(dblp.split("/")[:2]) if dblp else ""
    arxiv_journal = bool(_ARXIV_JOURNAL.match(journal)) or bool(_CORR_JOURNAL.match(journal))

    if entry.type == "article":
        kind = "preprint" if arxiv_journal or key == "journals/corr" else "journal"
    elif entry.type in ("inproceedings", "conference"):
        kind = "conference"
    elif entry.type in _PREPRINT_TYPES and ("arxiv" in identifiers or fields.get("eprint")):
        kind = "preprint"
    else:
        kind = "other"

    if len(name) > MAX_NAME:
        name = name[: MAX_NAME - 1].rsplit(" ", 1)[0] + "…"
    if kind == "preprint" and "arxiv" in identifiers and not key and (arxiv_journal or not name):
        # "arXiv preprint arXiv:1706.03762" is Google Scholar's way to say arXiv; name it
        # as the arXiv importer does, so both land in one venue.
        return "arXiv", kind, "journals/corr"
    return name, kind, key


def _keywords(value: str) -> list[str]:
    found: list[str] = []
    seen: set[str] = set()
    for word in re.split(r"[,;]", value):
        word = to_unicode(word)
        if word and len(word) <= 100 and word.casefold() not in seen:
            seen.add(word.casefold())
            found.append(word)
    return found


def _links(fields: dict[str, str], identifiers: dict[str, str]) -> list[dict[str, str]]:
    """The entry's url and pdf, when they are web addresses. A url that is the DOI, arXiv or
    DBLP address is left out: the site links every identifier already."""
    links: list[dict[str, str]] = []
    for name, label in (("url", "Link"), ("pdf", "PDF")):
        url = strip_braces(fields.get(name, "")).split(" ")[0]
        if not _is_web_address(url):
            continue
        if name == "url" and any(
            i.kind in (DOI, ARXIV, DBLP) and i.kind in identifiers for i in _url_identifiers(url)
        ):
            continue
        if all(link["url"] != url for link in links):
            links.append({"label": label, "url": url})
    return links


def _is_web_address(url: str) -> bool:
    if len(url) > 2000 or any(c in url for c in "<>\"'\\ "):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
