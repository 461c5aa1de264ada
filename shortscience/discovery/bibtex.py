"""BibTeX for papers: what /paper/<id>/bibtex and /venue/bibtex answer.

Keys: `<first author's surname><year><first word of the title>`, ASCII-folded (accents
dropped, other non-ASCII letters left out) and lowercased, skipping short function words
("A Study of Things" -> "study"): lovelace2017study. A part that is missing is left out
(no authors, no year); a key that ends up empty is `paper<id>`. The key depends on the
paper alone, so the same paper gets the same key in every export; only when one file would
hold two entries with the same key does each of those get `_<paper id>` appended.

Values are one line each, and every value has balanced braces however it is counted, so
BibTeX, biber and bibtexparser all end it where it ends, and a `%` is never outside one:

- Text (names, venue names) is escaped: control characters become spaces, BibTeX/LaTeX's
  special characters (`\\ % & $ # _ ~ ^`) their escapes, and braces as _tex() says. Other
  non-ASCII characters are written as they are, in UTF-8 (biber and modern BibTeX read
  UTF-8; the response says charset=utf-8).
- Titles are typeset text, as on the paper's page: `$...$` is math, written as TeX when
  it is safe to (see protect_title(); the rest of the title is text).
- doi, eprint and url are verbatim fields in biblatex and written as they are, but none
  may hold TeX markup: a doi or eprint that does is left out (_is_verbatim()), a url has it
  %-encoded.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from urllib.parse import quote

from shortscience.lib import records

# The site's own rule for where math is in a title (markup.render_title uses it), so the
# export calls math exactly what the paper's page typesets.
from shortscience.lib.markup import PLAIN_TEXT_MATH as _TITLE_MATH
from shortscience.papers.models import Paper, Venue
from shortscience.web.links import absolute

# Braces are not here: _tex() writes them.
_SPECIAL = {
    "\\": r"\textbackslash{}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Skipped when choosing the title word of a key, as Google Scholar's keys do.
_STOP_WORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "from", "by", "at"}
_NOT_KEY = re.compile(r"[^a-z0-9]")
# A title word, for case protection: letters and digits, with inner apostrophes (O'Brien).
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_CONTROL_WORD = re.compile(r"[A-Za-z]+")  # TeX's letters are ASCII only
_AND = re.compile(r"(?i)(?<!\S)and(?!\S)")
# In doi and eprint a character TeX reads as markup: a style that prints the field through
# an ordinary macro (natbib's \doi, \href) would run a `\input` there or lose the `}` after
# a `%`, and `^^5c` is a backslash to TeX.
_NOT_VERBATIM = re.compile(r"[\\{}%#^\s]|[\x00-\x1f\x7f-\x9f]")
# A URL keeps its own %-escapes; everything else that is not plainly URL is %-encoded.
_URL_SAFE = "!$&'()*+,-./:;=?@[]_~%"
_DOI_SAFE = "!$&'()*+,-./:;=@[]_~"  # a `%`, `?` or `#` in a DOI is encoded in its URL


def _clean(text: str) -> str:
    """One line: control characters and runs of white space become one space."""
    return " ".join(_CONTROL.sub(" ", _SURROGATE.sub("\ufffd", text)).split())


def _tex(pieces: Iterable[tuple[bool, str]]) -> str:
    r"""One value from (is_tex, string) pieces: TeX as it is (it has balanced braces), text
    escaped.

    A literal brace in the text is written `\{`/`\}` when it has a partner in the value, and
    `\textbraceleft{}`/`\textbraceright{}` when not: BibTeX and biber count every brace, `\{`
    too, so a lone `\}` would end the field there; bibtexparser counts no `\{`, so a lone
    `\{` would run the field on. A pair is balanced for both, and it is the spelling every
    reader (this project's too) turns back into braces.
    """
    out: list[str] = []
    unpaired: list[int] = []  # where in out each `{` not yet closed stands
    for is_tex, text in pieces:
        if is_tex:
            out.append(text)
            continue
        for c in text:
            if c == "{":
                unpaired.append(len(out))
                out.append(r"\textbraceleft{}")
            elif c == "}" and unpaired:
                out[unpaired.pop()] = r"\{"
                out.append(r"\}")
            elif c == "}":
                out.append(r"\textbraceright{}")
            else:
                out.append(_SPECIAL.get(c, c))
    return "".join(out)


def escape(text: str) -> str:
    return _tex([(False, _clean(text))])


def fold(text: str) -> str:
    """ASCII letters and digits only, lowercased: 'Müller' -> 'muller'."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    return _NOT_KEY.sub("", ascii_only.lower())


def _keeps_case(word: str) -> bool:
    """Whether a title word is braced, so that a style which lowercases titles keeps it.

    Braced: a capital after the first character (BERT, ResNet, iPhone, 3D, O'Brien), and a
    lone capital letter (Vitamin C, Q-learning), but "A", which is far more often the
    article. Not braced: a capitalised word (Attention, Is, Gaussian): in a Title Case title
    that is every word, and bracing them all would stop styles from setting titles in
    sentence case at all. This is the usual rule of reference managers' exports (Zotero,
    Better BibTeX): protect acronyms and mixed case, not Title Case. Its price is that a
    proper noun (Gaussian, Markov) is lowercased by such a style: a title cannot tell a name
    from a capitalised word, and when in doubt a word stays unbraced.
    """
    if any(c.isupper() for c in word[1:]):
        return True
    return len(word) == 1 and word.isupper() and word != "A"


def _math_is_safe(tex: str) -> bool:
    """Whether `$tex$` may be written as TeX: every command in it is a math command
    (MATH_COMMANDS), its braces balance both as BibTeX counts them (every brace) and as TeX
    does (not `\\{`), and it has none of `%` (a comment: it would hide the closing brace),
    `#`, `&` (macro parameters and alignment, never a title's) or `^^` (TeX reads `^^5c`
    as a backslash, so it would spell any command)."""
    if "^^" in tex:
        return False
    bibtex_depth = tex_depth = 0
    i = 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            word = _CONTROL_WORD.match(tex, i + 1)
            name = word[0] if word else tex[i + 1 : i + 2]
            if name not in MATH_COMMANDS:
                return False
            i += 1 + len(name)
            if name in ("{", "}"):
                bibtex_depth += 1 if name == "{" else -1
        else:
            i += 1
            if c in "%#&":
                return False
            if c in "{}":
                step = 1 if c == "{" else -1
                bibtex_depth += step
                tex_depth += step
        if bibtex_depth < 0 or tex_depth < 0:
            return False
    return bibtex_depth == tex_depth == 0


def _title_parts(title: str) -> list[tuple[bool, str]]:
    """(is_math, part) pieces: math as TeX (`$...$`), the rest as the text the page shows
    (`\\$` is a dollar there). Math that is not safe to write as TeX is text, dollars and
    all, so `$\\input{x}$` goes out as the characters it is."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    for m in _TITLE_MATH.finditer(title):
        parts.append((False, title[pos : m.start()]))
        pos = m.end()
        tex = m[1] if m[1] is not None else m[2]
        if tex is None:
            parts.append((False, m[0][1:]))  # `\\` or `\$`: the character itself
        elif _math_is_safe(tex):
            parts.append((True, f"${tex}$"))  # $$..$$ too: a title is one line
        else:
            parts.append((False, m[0]))
    parts.append((False, title[pos:]))
    return parts


def protect_title(title: str) -> str:
    """The title as BibTeX: text escaped with the words that keep their case braced
    (_keeps_case), math as TeX in braces (a style lowercasing the title would turn
    `$\\Sigma$` into `$\\sigma$`)."""
    pieces: list[tuple[bool, str]] = []
    for is_math, part in _title_parts(_clean(title)):
        if is_math:
            pieces.append((True, "{" + part + "}"))
            continue
        pos = 0
        for m in _WORD.finditer(part):
            if _keeps_case(m[0]):
                # A word is letters and digits only: nothing in it to escape.
                pieces += [(False, part[pos : m.start()]), (True, "{" + m[0] + "}")]
                pos = m.end()
        pieces.append((False, part[pos:]))
    return _tex(pieces)


def format_name(name: str) -> str:
    """'Ada King Lovelace' -> 'Lovelace, Ada King': the form BibTeX cannot misread. A name
    BibTeX would still misread (an "and" in it, which splits names, more than two commas or
    one at either end) is braced whole, as a company's name is."""
    name = _clean(name)
    if _AND.search(name) or name.count(",") > 2 or name.startswith(",") or name.endswith(","):
        return "{" + escape(name) + "}"
    if "," in name:
        return escape(name)
    surname = records.surname(name)
    given = name[: len(name) - len(surname)].strip() if name.endswith(surname) else ""
    return escape(f"{surname}, {given}" if given else surname)


def key_for(paper: Paper) -> str:
    authors = paper.ordered_authors
    surname = fold(authors[0].surname) if authors else ""
    word = next(
        (w for w in (fold(t) for t in paper.title.split()) if w and w not in _STOP_WORDS), ""
    )
    return f"{surname}{paper.year or ''}{word}" or f"paper{paper.pk}"


def _is_verbatim(value: str) -> bool:
    """Whether a doi or eprint can be written as it is; when not, the field is left out (no
    real identifier holds TeX markup)."""
    return not _NOT_VERBATIM.search(value)


def _url(url: str) -> str:
    return quote(url, safe=_URL_SAFE)


def _fields(paper: Paper) -> tuple[str, list[tuple[str, str]]]:
    venue = paper.venue
    kind = venue.kind if venue else ""
    entry_type = {
        Venue.Kind.CONFERENCE: "inproceedings",
        Venue.Kind.JOURNAL: "article",
    }.get(kind, "misc")
    fields = [("title", protect_title(paper.title))]
    names = [format_name(a.name) for a in paper.ordered_authors if _clean(a.name)]
    if names:
        fields.append(("author", " and ".join(names)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if venue and entry_type == "inproceedings":
        fields.append(("booktitle", escape(venue.name)))
    elif venue and entry_type == "article":
        fields.append(("journal", escape(venue.name)))
    elif venue and kind != Venue.Kind.PREPRINT:
        fields.append(("howpublished", escape(venue.name)))
    doi_id = paper.identifier("doi")
    doi = (doi_id.display or doi_id.value) if doi_id else ""
    if doi and _is_verbatim(doi):
        fields.append(("doi", doi))
    arxiv_id = paper.identifier("arxiv")
    arxiv = arxiv_id.value if arxiv_id else ""
    if arxiv and _is_verbatim(arxiv):
        fields.append(("eprint", arxiv))
        fields.append(("archivePrefix", "arXiv"))
        primary = str((paper.metadata or {}).get("primary_category") or "")
        if primary:
            fields.append(("primaryClass", escape(primary)))
    if arxiv:
        url = f"https://arxiv.org/abs/{arxiv}"
    elif doi:
        url = "https://doi.org/" + quote(doi, safe=_DOI_SAFE)
    else:
        url = absolute(paper.get_absolute_url())
    fields.append(("url", _url(url)))
    return entry_type, fields


def entry(paper: Paper, key: str | None = None) -> str:
    """One entry. The paper should come from PaperQuerySet.with_details(): authors and
    identifiers are read from what it loaded."""
    entry_type, fields = _fields(paper)
    width = max(len(name) for name, _ in fields)
    lines = [f"  {name.ljust(width)} = {{{value}}}" for name, value in fields]
    return f"@{entry_type}{{{key or key_for(paper)},\n" + ",\n".join(lines) + "\n}\n"


def entries(papers: Iterable[Paper]) -> str:
    papers = list(papers)
    keys = [key_for(p) for p in papers]
    clashes = {k for k, n in Counter(keys).items() if n > 1}
    return "\n".join(
        entry(p, f"{k}_{p.pk}" if k in clashes else k) for p, k in zip(papers, keys, strict=True)
    )


# -- Commands allowed in a title's math -----------------------------------------------------
#
# Math in a title is written out as TeX, and whoever cites the paper runs that TeX on their
# machine, so the export decides which commands may go out. An allow-list, not a deny-list:
# TeX has hundreds of primitives and packages add thousands of commands that read files
# (\input, \openin), write them (\write, \openout, \immediate\write18 which runs a shell
# command where shell escape is on), define or rename commands (\def, \let, \csname,
# \catcode) or build one out of letters (\lowercase, \expandafter tricks); a deny-list
# misses the one nobody thought of. The allowed commands are the ones the site itself
# typesets a title with: KaTeX's math-mode commands (_KATEX_MATH_*), less the few of those
# that are not math but TeX programming, I/O, links or drawing (_REFUSED). A formula using
# anything else is written as the text it is (see _title_parts): the price is that the rare
# title with a matrix (`\begin{pmatrix}`) goes out as its TeX source.

_REFUSED = {
    # They define, let or expand macros: TeX programming, not math.
    *("def", "edef", "gdef", "xdef", "let", "futurelet", "global", "long", "char", "relax"),
    *("newcommand", "renewcommand", "providecommand", "expandafter", "noexpand", "TextOrMath"),
    # They write to the terminal or the log, or stop the run.
    *("message", "errmessage", "show"),
    # Links, files and HTML: KaTeX refuses them too (trust is off), LaTeX would not.
    *("href", "url", "includegraphics", "htmlClass", "htmlData", "htmlId", "htmlStyle"),
    # Environments (an environment's name is an argument: `filecontents` writes a file),
    # groups that need their partner, verbatim, line breaks and equation tags. `\\` also
    # because bibtexparser reads `\\{` as an escaped brace where TeX sees a real one.
    *("begin", "end", "begingroup", "endgroup", "bgroup", "egroup", "verb", "\\"),
    *("newline", "tag", "notag", "nonumber", "hline", "hdashline"),
    # Sizes in any unit (`\rule{100cm}{100cm}` would black out the reader's page), colours.
    *("rule", "raisebox", "kern", "mkern", "hskip", "mskip", "hspace", "above", "genfrac"),
    *("color", "colorbox", "fcolorbox", "textcolor"),
}

# KaTeX 0.19's math-mode commands, less its named colours (\blueA...) and text-size
# switches (\Large...), which are not math: every \name in node_modules/katex/dist/katex.js
# that KaTeX parses in math mode without "Undefined control sequence". Control symbols
# (`\,`, `\{`) first. test_bibtex_safety.py checks that KaTeX knows every one.
_KATEX_MATH_SYMBOLS = " !#$%&',.:;=>^_`{|}~"
_KATEX_MATH_WORDS = """
AA aa above acute alef alefsym aleph allowbreak Alpha alpha amalg And angl angle angln approx
approxcolon approxcoloncolon approxeq arccos arcctg arcsin arctan arctg arg argmax argmin ast
asymp atop backepsilon backprime backsim backsimeq backslash bar barwedge Bbb Bbbk bcancel
because begin begingroup Beta beta beth between bf bgroup Big big bigcap bigcirc bigcup Bigg
bigg Biggl biggl Biggm biggm Biggr biggr Bigl bigl Bigm bigm bigodot bigoplus bigotimes Bigr
bigr bigsqcup bigstar bigtriangledown bigtriangleup biguplus bigvee bigwedge binom blacklozenge
blacksquare blacktriangle blacktriangledown blacktriangleleft blacktriangleright bm bmod bold
boldsymbol bot bowtie Box boxdot boxed boxminus boxplus boxtimes Bra bra brace brack Braket
braket breve bull bullet Bumpeq bumpeq c cal cancel Cap cap cdot cdotp cdots centerdot cfrac ch
char check checkmark Chi chi choose circ circeq circlearrowleft circlearrowright circledast
circledcirc circleddash circledR circledS clap clubs clubsuit cnums colon Colonapprox
colonapprox coloncolon coloncolonapprox coloncolonequals coloncolonminus coloncolonsim Coloneq
coloneq Coloneqq coloneqq colonequals colonminus Colonsim colonsim color colorbox complement
Complex cong coprod copyright cos cosec cosh cot cotg coth csc ctg cth Cup cup curlyeqprec
curlyeqsucc curlyvee curlywedge curvearrowleft curvearrowright dag Dagger dagger daleth Darr
dArr darr dashleftarrow dashrightarrow dashv dbinom dblcolon ddag ddagger ddddot dddot ddot
ddots def deg degree Delta delta det dfrac diagdown diagup Diamond diamond diamonds diamondsuit
digamma dim displaystyle div divideontimes dot Doteq doteq doteqdot dotplus dots DOTSB dotsb
dotsc DOTSI dotsi dotsm dotso DOTSX dotsx doublebarwedge doublecap doublecup Downarrow
downarrow downdownarrows downharpoonleft downharpoonright edef egroup ell emph empty emptyset
end endgroup enskip enspace Epsilon epsilon eqcirc Eqcolon eqcolon Eqqcolon eqqcolon eqsim
eqslantgtr eqslantless equalscolon equalscoloncolon equiv errmessage Eta eta eth exist exists
exp expandafter fallingdotseq fbox fcolorbox Finv flat forall frac frak frown futurelet Game
Gamma gamma gcd gdef ge genfrac geq geqq geqslant gets gg ggg gggtr gimel global gnapprox gneq
gneqq gnsim grave gt gtrapprox gtrdot gtreqless gtreqqless gtrless gtrsim gvertneqq H Harr hArr
harr hat hbar hbox hdashline hearts heartsuit hline hom hookleftarrow hookrightarrow hphantom
href hskip hslash hspace htmlClass htmlData htmlId htmlStyle iff iiint iint Im image imageof
imath impliedby implies in includegraphics inf infin infty injlim int intercal intop Iota iota
isin it jmath Join Kappa kappa KaTeX ker kern Ket ket Lambda lambda land lang langle Larr lArr
larr LaTeX lBrace lbrace lbrack lceil ldotp ldots le leadsto left Leftarrow leftarrow
leftarrowtail leftharpoondown leftharpoonup leftleftarrows Leftrightarrow leftrightarrow
leftrightarrows leftrightharpoons leftrightsquigarrow leftthreetimes leq leqq leqslant
lessapprox lessdot lesseqgtr lesseqqgtr lessgtr lesssim let lfloor lg lgroup lhd lim liminf
limits limsup ll llap llbracket llcorner Lleftarrow lll llless lmoustache ln lnapprox lneq
lneqq lnot lnsim log long Longleftarrow longleftarrow Longleftrightarrow longleftrightarrow
longmapsto Longrightarrow longrightarrow looparrowleft looparrowright lor lozenge lparen lq
Lrarr lrArr lrarr lrcorner Lsh lt ltimes lVert lvert lvertneqq maltese mapsfrom mapsto mathbb
mathbf mathbin mathcal mathchoice mathclap mathclose mathellipsis mathfrak mathinner mathit
mathllap mathnormal mathop mathopen mathord mathpunct mathreflectbox mathrel mathring mathrlap
mathrm mathscr mathsf mathsfit mathsterling mathstrut mathtt max measuredangle medspace message
mho mid middle min minuscolon minuscoloncolon minuso mkern mod models mp mskip Mu mu multimap N
nabla natnums natural ncong ne nearrow neg negmedspace negthickspace negthinspace neq
newcommand newline nexists ngeq ngeqq ngeqslant ngtr ni nLeftarrow nleftarrow nLeftrightarrow
nleftrightarrow nleq nleqq nleqslant nless nmid nobreak nobreakspace noexpand nolimits nonumber
not notag notin notni nparallel nprec npreceq nRightarrow nrightarrow nshortmid nshortparallel
nsim nsubseteq nsubseteqq nsucc nsucceq nsupseteq nsupseteqq ntriangleleft ntrianglelefteq
ntriangleright ntrianglerighteq Nu nu nVDash nVdash nvDash nvdash nwarrow odot oiiint oiint
oint Omega omega Omicron omicron ominus operatorname operatornamewithlimits oplus ordinarycolon
origof oslash otimes over overbrace overbracket overgroup overleftarrow overleftharpoon
overleftrightarrow overline overlinesegment Overrightarrow overrightarrow overrightharpoon
overset owns P parallel partial perp phantom phase Phi phi Pi pi pitchfork plim plusmn pm pmb
pmod pod pounds Pr prec precapprox preccurlyeq preceq precnapprox precneqq precnsim precsim
prime prod projlim propto providecommand Psi psi qquad quad R r raisebox rang rangle Rarr rArr
rarr ratio rBrace rbrace rbrack rceil Re real Reals reals reflectbox relax renewcommand
restriction rfloor rgroup rhd Rho rho right Rightarrow rightarrow rightarrowtail
rightharpoondown rightharpoonup rightleftarrows rightleftharpoons rightrightarrows
rightsquigarrow rightthreetimes risingdotseq rlap rm rmoustache rparen rq rrbracket Rrightarrow
Rsh rtimes rule rVert rvert S scriptscriptstyle scriptstyle sdot searrow sec sect Set set
setminus sf sh sharp shortmid shortparallel show Sigma sigma sim simcolon simcoloncolon simeq
sin sinh smallfrown smallint smallsetminus smallsmile smash smile sout space spades spadesuit
sphericalangle sqcap sqcup sqrt sqsubset sqsubseteq sqsupset sqsupseteq square stackrel star
sub sube Subset subset subseteq subseteqq subsetneq subsetneqq substack succ succapprox
succcurlyeq succeq succnapprox succneqq succnsim succsim sum sup supe Supset supset supseteq
supseteqq supsetneq supsetneqq surd swarrow tag tan tanh Tau tau tbinom TeX text textbf
textcircled textcolor textcopyright textit textmd textnormal TextOrMath textregistered textrm
textsf textstyle texttt textup tfrac tg th therefore Theta theta thetasym thickapprox thicksim
thickspace thinspace tilde times tmspace to top triangle triangledown triangleleft
trianglelefteq triangleq triangleright trianglerighteq tt twoheadleftarrow twoheadrightarrow u
Uarr uArr uarr ulcorner underbar underbrace underbracket undergroup underleftarrow
underleftrightarrow underline underlinesegment underrightarrow underset unlhd unrhd Uparrow
uparrow Updownarrow updownarrow upharpoonleft upharpoonright uplus Upsilon upsilon upuparrows
urcorner url utilde v varDelta varepsilon varGamma varinjlim varkappa varLambda varliminf
varlimsup varnothing varOmega varPhi varphi varPi varpi varprojlim varpropto varPsi varrho
varSigma varsigma varsubsetneq varsubsetneqq varsupsetneq varsupsetneqq varTheta vartheta
vartriangle vartriangleleft vartriangleright varUpsilon varvdots varXi vcentcolon vcenter Vdash
vDash vdash vdots vec vee veebar verb Vert vert vphantom Vvdash wedge weierp widecheck widehat
widetilde wp wr xcancel xdef xhookleftarrow xhookrightarrow Xi xi xLeftarrow xleftarrow
xleftequilibrium xleftharpoondown xleftharpoonup xLeftrightarrow xleftrightarrow
xleftrightharpoons xlongequal xmapsto xRightarrow xrightarrow xrightequilibrium
xrightharpoondown xrightharpoonup xrightleftarrows xrightleftharpoons xtofrom xtwoheadleftarrow
xtwoheadrightarrow yen Z Zeta zeta
"""
MATH_COMMANDS = (frozenset(_KATEX_MATH_SYMBOLS) | frozenset(_KATEX_MATH_WORDS.split())) - _REFUSED
