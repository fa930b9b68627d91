"""Start-up warnings of the account policy."""

import logging

from django.conf import settings
from django.core import checks

from .models import User

logger = logging.getLogger("accounts")

DEMO_USERS_PRESENT = ("Demo logins exist in this database (%(n)d users with the public demo password); "
                      "they cannot sign in outside demo mode. Disable or delete them.")


def demo_users_warning() -> str | None:
    from django.db import DatabaseError


    if settings.DEMO_MODE:
        return None
    try:
        n = User.objects.filter(is_demo=True, is_active=True).count()
    except DatabaseError:  # not migrated yet
        return None
    return DEMO_USERS_PRESENT % {"n": n} if n else None


@checks.register(checks.Tags.database)
def check_demo_users(app_configs=None, databases=None, **kwargs):
    """``check --database default`` (and the production start, see
    ``warn_demo_users``)."""
    if not databases:
        return []
    message = demo_users_warning()
    return [checks.Warning(message, id="accounts.W001")] if message else []


def warn_demo_users(**kwargs) -> None:
    """Logged after every migrate (the production container migrates on
    each start) and when the WSGI application loads."""
    message = demo_users_warning()
    if message:
        logger.warning(message)
