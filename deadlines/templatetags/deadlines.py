from django import template

from deadlines.selectors import clock_can_extend

register = template.Library()


@register.filter
def can_extend_clocks(case, user) -> bool:
    """Whether ``user`` may grant extensions on ``case``'s clocks. Uses the
    memberships cached on the user: no query in a page that already
    checked roles."""
    return clock_can_extend(user=user, case=case)
