from functools import cache

from .selectors import notification_unread_count


def unread(request):
    """``unread_notifications``: the header's unread count. A callable, so
    the template resolves it (one COUNT query) only where it shows it and
    only once per page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def count() -> int:
        return notification_unread_count(user=user)

    return {"unread_notifications": count}
