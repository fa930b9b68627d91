import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# Production start-up: say so if demo logins are in the database.
from accounts.checks import warn_demo_users  # noqa: E402

warn_demo_users()

# The URLconf (every view module) loaded now rather than by the first
# request, then what start-up made moved out of the collector's sight: a
# full collection walked those ~170,000 objects about once every fifty
# requests, 100+ ms in one request (issue 19: the p99 of the dashboard and
# the stats API). They live as long as the process anyway.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - imports the views
gc.collect()
gc.freeze()
