"""Content-Security-Policy on every response: a page may run only the site's own scripts
and load only its own styles, fonts and connections, so that HTML that slips past the
markup sanitizer still cannot run or phone home.

The templates keep to it: no inline <script> (a JSON data block is not run, so it may stay),
no on*= handlers, no <style> element; behaviour lives in static/js/, looks in static/css/.

Inline style *attributes* are allowed, and only they (`style-src-attr`, CSP Level 3;
`style-src-elem` stays 'self'): KaTeX's server-rendered math positions every glyph with
`style="..."`, and blocking those would break every formula. They cannot run anything; what
they can do is move things on the page, and which values reach it is the markup pipeline's
choice: user HTML keeps no style attribute at all (lib/markup/sanitize.py's allow-list), and
KaTeX's lengths are clamped there too (`clamp_math_lengths`). A browser that knows only CSP
Level 2 ignores the two -attr/-elem directives and falls back to `style-src 'self'`: the
math's positions are then lost there, never the page's safety.

Set outside the page cache (settings.MIDDLEWARE): a page served from the cache gets it
too. A response that already carries a policy keeps its own. Django's debug pages for a
404 or a 500 (DEBUG only) are styled and scripted inline, and are sent without one.
"""

from __future__ import annotations

from django.conf import settings


def policy() -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "style-src-elem 'self'",
            "style-src-attr 'unsafe-inline'",
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
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
