from __future__ import annotations

from django import template

from shortscience.community import threads

register = template.Library()


@register.simple_tag(takes_context=True)
def discussion(context, summary):
    """`{% discussion summary as discussion %}`: the summary's thread as the viewer may see
    it (two queries, whatever its size), and the viewer's vote set on the summary."""
    return threads.discussion(summary, context["request"].user)
