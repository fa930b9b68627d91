import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# Production start-up: say so if demo logins are in the database.
from accounts.checks import warn_demo_users  # noqa: E402

warn_demo_users()
