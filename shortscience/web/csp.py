"""Content-Security-Policy on every response: a page may run only the site's own scripts
and load only its own styles, fonts and connections, so that HTML that slips past the
markup sanitizer still cannot run or phone home.

The templates keep to it: no inline <script> (a JSON data block is not run, so it may stay),
no on*= handlers, no <style> element, no style attribute; behaviour lives in static/js/,
looks in static/css/.

No inline style either, KaTeX's included (`style-src-attr 'none'`). KaTeX's server-rendered
math positions every glyph with `style="..."`, with lengths that depend on the formula, so no
stylesheet written in advance can hold them. `InlineStylesMiddleware` moves them out of each
page as it is rendered: every style attribute becomes `data-ks="<n>"`, one per distinct
declaration list, and the page gets one <style> element with a rule per n, allowed by its
hash in that page's own policy (`policy(style_hashes=...)`). The page cache keeps the policy
with the page, so a hit carries the hash of the sheet it holds. The declarations that reach a
sheet are the markup pipeline's choice: user HTML keeps no style attribute at all
(lib/markup/sanitize.py's allow-list), KaTeX's lengths are clamped there
(`clamp_math_lengths`), and a list with anything that could leave its rule (a brace, a quote,
an angle bracket, a backslash, an at-sign) is dropped here. HTML that a page's script
inserts (the editor's and comments' previews, a comment posted in place) comes with
`data-style` instead (`for_script`), which static/js/site.js applies through the CSSOM: the
policy governs style attributes and elements, not the CSSOM.

Set outside the page cache (settings.MIDDLEWARE): a page served from the cache gets it
too. A response that already carries a policy keeps its own. Django's debug pages for a
404 or a 500 (DEBUG only) are styled and scripted inline, and are sent without one.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from django.conf import settings


def policy(style_hashes: Iterable[str] = ()) -> str:
    styles = " ".join(["'self'", *(f"'sha256-{h}'" for h in style_hashes)])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # A browser that knows only CSP Level 2 reads this one, with the hashes too.
            f"style-src {styles}",
            f"style-src-elem {styles}",
            "style-src-attr 'none'",
            # Summaries may show images from any HTTPS address; data: for the small icons
            # that stylesheets (KaTeX's, Swagger UI's) inline.
            "img-src 'self' data: https:",
            "font-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            # 'self' and the log-in providers that are on (settings.CSP_FORM_ACTION says why).
            "form-action " + " ".join(settings.CSP_FORM_ACTION),
            "object-src 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = policy()

    def __call__(self, request):
        response = self.get_response(request)
        if not _debug_page(response):
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


def _debug_page(response) -> bool:
    """Django's own 404 and 500 pages with DEBUG on, styled and scripted inline."""
    return settings.DEBUG and response.status_code in (404, 500)


# A style attribute of a tag: the tag's name and the attributes before it, each one whole,
# as KaTeX and the sanitizer's serializer write them (` name="value"`, any '"' in a value
# escaped), so that ` style="` inside another attribute's value, or in text (where '<' is
# always escaped), never matches. A style written any other way is left, and refused by the
# browser (the browser test watches the console for that).
_STYLED_TAG = re.compile(r'(<[a-zA-Z][\w-]*(?: [\w:-]+="[^"]*")*?) style="([^"]*)"')
# What a declaration list may hold to go into a rule: KaTeX writes names, numbers, units,
# signs, colours (#hex, names, rgb()) and commas; nothing that can close a rule or a sheet.
_SAFE_DECLARATIONS = re.compile(r"[-a-zA-Z0-9.:;#%(), ]*")
_HEAD_END = "</head>"


def styles_to_sheet(html: str) -> tuple[str, str]:
    """The page without style attributes, and the sheet that styles it in their place
    (empty when the page had none)."""
    # Each distinct declaration list: what replaces its attributes (`data-ks="<n>"`, or ""
    # for one that may not go into a rule), and n, in the order of first appearance.
    replacements: dict[str, str] = {}
    rules: list[str] = []

    def attribute(m: re.Match[str]) -> str:
        tag, declarations = m.groups()
        replacement = replacements.get(declarations)
        if replacement is None:
            replacement = ""
            if _SAFE_DECLARATIONS.fullmatch(declarations):
                key = format(len(rules), "x")
                replacement = f' data-ks="{key}"'
                # !important: an inline style wins over every rule of katex.css; so must this.
                rules.append(
                    f'[data-ks="{key}"]{{'
                    + ";".join(
                        f"{d.strip()}!important" for d in declarations.split(";") if d.strip()
                    )
                    + "}"
                )
            replacements[declarations] = replacement
        return tag + replacement

    return _STYLED_TAG.sub(attribute, html), "".join(rules)


def for_script(html: str) -> str:
    """A fragment of HTML that a page's script will insert (a preview, a comment posted in
    place), with each style attribute as `data-style`, which static/js/site.js applies
    through the CSSOM: the browser would refuse the attribute itself, and say so."""
    return _STYLED_TAG.sub(
        lambda m: (
            f'{m.group(1)} data-style="{m.group(2)}"'
            if _SAFE_DECLARATIONS.fullmatch(m.group(2))
            else m.group(1)
        ),
        html,
    )


class InlineStylesMiddleware:
    """Inside the page cache (settings.MIDDLEWARE), so that a stored page is stored as sent,
    sheet and policy included. Only whole pages: a fragment has no <head> to hold a sheet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.streaming
            or _debug_page(response)
            or not response.get("Content-Type", "").startswith("text/html")
            or b' style="' not in response.content
            or "Content-Security-Policy" in response
        ):
            return response
        html = response.content.decode(response.charset)
        head_end = html.find(_HEAD_END)
        if head_end < 0:
            return response
        body, sheet = styles_to_sheet(html[head_end:])
        if not sheet:
            return response
        digest = base64.b64encode(hashlib.sha256(sheet.encode()).digest()).decode()
        response.content = f"{html[:head_end]}<style>{sheet}</style>{body}".encode(response.charset)
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        response["Content-Security-Policy"] = policy(style_hashes=[digest])
        return response
