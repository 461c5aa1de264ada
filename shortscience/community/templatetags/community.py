from __future__ import annotations

from urllib.parse import quote

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def login_url(context, back: bool = True) -> str:
    """The log-in page, coming back to this page after (`back`). Reversed once per request:
    a page of 20 summaries asks for it three times for each (vote arrows, report link), and
    URL reversing was a fifth of that page's render."""
    request = context["request"]
    urls = request.__dict__.setdefault("_login_urls", {})
    if back not in urls:
        url = reverse("account_login")
        urls[back] = f"{url}?next={quote(request.get_full_path(), safe='/')}" if back else url
    return urls[back]
