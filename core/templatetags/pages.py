from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    """The current URL's query with ``page`` set to ``number``: the list's
    filters stay as they are while paging."""
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"


@register.simple_tag(takes_context=True)
def cursor_url(context, cursor) -> str:
    """The current URL's query with ``cursor`` set (and any ``page``
    dropped): keyset pages (core.pagination.keyset_page) keep the filters."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    query["cursor"] = cursor
    return f"?{query.urlencode()}"


@register.simple_tag
def count_text(n: int, approximate: bool = False) -> str:
    """A count as the page shows it: "约 N" when it is an estimate
    (core.pagination.count_estimate)."""
    from django.utils.formats import number_format
    from django.utils.translation import gettext

    text = number_format(n, force_grouping=approximate)
    return gettext("about %(n)s") % {"n": text} if approximate else text
