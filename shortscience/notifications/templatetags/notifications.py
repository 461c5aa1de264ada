from __future__ import annotations

from django import template

from shortscience.notifications import services

register = template.Library()


@register.simple_tag(takes_context=True)
def is_following(context, target) -> bool:
    """One query for a member, none for a visitor. Lists of comments should pass
    `following` to the include instead, computed for the whole list at once."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    return services.is_following(request.user, target)
