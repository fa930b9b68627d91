"""Settings shared by every environment.

Environment variables are read only here, through django-environ
(https://django-environ.readthedocs.io/). Defaults are the embedded set-up of
``make run``: an SQLite file and Celery's filesystem broker, so that the
whole system runs on a bare machine. ``DATABASE_URL`` and ``REDIS_URL``
switch to PostgreSQL and Redis.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Runtime files of the embedded set-up: SQLite file, filesystem broker, media.
VAR_DIR = Path(environ.Env().str("DJANGO_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# Demo logins (password demo-pass-2026) exist only where this is on.
DEMO_MODE = env.bool("DJANGO_DEMO_MODE", default=False)

INSTALLED_APPS = [
    # Django's admin with the 三员分立 access rule (accounts.admin_site).
    "accounts.admin_site.DutyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_celery_results",
    # Their own configs, with Chinese names for the admin (core.third_party).
    "core.third_party.AxesConfig",
    "django_otp",
    "core.third_party.TotpConfig",
    # Backup codes of the second factor (accounts.otp).
    "django_otp.plugins.otp_static",
    "csp",
    "core",
    "accounts",
    "policies",
    "cases",
    "reviews",
    "deadlines",
    "notifications",
    "letters",
    "prefilings",
    "corrections",
    "publication",
    "clarifications",
    "careers",
    "dashboard",
    "reports",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Every error under /api/ in the one JSON shape (core.exceptions),
    # whichever layer answered it.
    "core.middleware.ApiErrorMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Staff sessions without a verified second factor, expired passwords.
    "accounts.middleware.AccountPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Audit of downloads and admin actions; file responses' headers. Before
    # CSP so that it sees (and may replace) the page policy.
    "audit.middleware.AuditMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that a lockout answers before the view runs.
    "axes.middleware.AxesMiddleware",
    # Innermost: Idempotency-Key on API POSTs (core.idempotency) wraps only
    # the view, in the transaction that stores the answer with the key.
    "core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "notifications.context_processors.unread",
            ],
        },
    }
]

DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
SQLITE_OPTIONS = {
    # Web, worker and beat share one file (make run). WAL: readers never
    # wait for the writer, nor the writer for readers. IMMEDIATE: a
    # transaction takes the write lock when it begins, so two writers queue
    # on the busy timeout; with SQLite's default (DEFERRED) a transaction that
    # read first and then writes fails at once with "database is locked"
    # (https://docs.djangoproject.com/en/5.2/ref/databases/#database-is-locked-errors).
    # synchronous=NORMAL is safe in WAL mode (a power cut may lose the last
    # commits, never corrupt the file) and saves an fsync per commit.
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Argon2 first: https://docs.djangoproject.com/en/5.2/topics/auth/passwords/
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Password rules of GB/T 22239-2019 8.1.4.1 身份鉴别 a (complexity, regular
# change): length, character classes, no reuse of the last N, expiry.
PASSWORD_MIN_LENGTH = env.int("DJANGO_PASSWORD_MIN_LENGTH", default=10)
PASSWORD_MIN_CLASSES = env.int("DJANGO_PASSWORD_MIN_CLASSES", default=3)  # of lower, upper, digit, other
PASSWORD_HISTORY = env.int("DJANGO_PASSWORD_HISTORY", default=5)
PASSWORD_MAX_AGE_DAYS = env.int("DJANGO_PASSWORD_MAX_AGE_DAYS", default=90)  # 0: never expires
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.CharacterClassValidator"},
    {"NAME": "accounts.passwords.HistoryValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's, plus: demo logins only in demo mode, the administrators'
    # duty permissions (accounts.backends).
    "accounts.backends.AccountBackend",
]

# Chinese by default; msgids are English.
# Our Chinese page instead of Django's English one (issue 22).
# https://docs.djangoproject.com/en/5.2/ref/settings/#csrf-failure-view
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded evidence and letters: outside the web root, served only through
# views that check access.
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
PRIVATE_STORAGE_ROOT = MEDIA_ROOT
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Serve static files from the app folders without collectstatic (make run,
# tests); production serves the collected, hashed files.
WHITENOISE_USE_FINDERS = True
# Served at the site's root: /favicon.ico, which browsers ask for on every
# page whatever the <link rel="icon"> says.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

# --- Redis, broker, cache ----------------------------------------------------
# Redis as broker (https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html):
# an unacknowledged message goes back to the queue after the visibility
# timeout, so it must exceed the longest task (dashboard.export_run, hard
# limit 25 min) or a running task would be delivered twice. A message lost
# with a killed worker comes back much sooner through the outbox relay
# (core.outbox). Timeouts bound every socket operation, so that a dead
# Redis is an error within seconds, never a hang.
REDIS_TRANSPORT_OPTIONS = {
    "visibility_timeout": 30 * 60,
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    "socket_keepalive": True,
    "retry_on_timeout": True,
    "health_check_interval": 25,
}
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
    CELERY_RESULT_BACKEND = REDIS_URL
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    # Kombu's filesystem transport: a broker that needs no server. It
    # supports fanout, so worker pings (/healthz) work on it too.
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # The worker looks for a new message this often (kombu's default is
        # one second; a listing of an almost empty folder costs microseconds).
        # It also waits this long after each task before it takes the next
        # (kombu's virtual transport sleeps while its prefetch slots are
        # full): at 0.1 s that gap was as long as the task itself, and a
        # letter queued behind a busy office's notifications took seconds.
        "polling_interval": 0.02,
    }
    CELERY_RESULT_BACKEND = "django-db"
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }

# Celery: https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXTENDED = True
# A task is acknowledged after it ran, and re-queued if its worker dies:
# every task is idempotent, so a redelivery is safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Surviving a broker outage (the worker reconnects for ever; issue 20). With
# late acks a task running when the connection drops can no longer be
# acknowledged: it is cancelled and delivered again (tasks are idempotent).
# The worker runs --without-gossip --without-mingle --without-heartbeat
# (scripts/run.sh, docker-compose.yml): those consumer steps used a channel
# of the dead connection while it was being re-established, the
# "'NoneType' object has no attribute 'hostname'" crash.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Anything still published directly (beat, Celery's own retries) gives up
# within about a second instead of retrying for many.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 10
CELERY_REDIS_RETRY_ON_TIMEOUT = True
CELERY_REDIS_BACKEND_HEALTH_CHECK_INTERVAL = 25

# --- Mail ----------------------------------------------------------------------
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
# A hung mail server fails the send (the task retries) within its time limit.
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=20)
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="rongcuo@localhost")

# Absolute links in e-mails (e.g. https://rongcuo.example.gov.cn).
SITE_URL = env("DJANGO_SITE_URL", default="")
# Reminders go out this many working days before a due date.
DEADLINE_REMINDER_OFFSETS = env.list("DJANGO_DEADLINE_REMINDER_OFFSETS", cast=int, default=[3, 1])

# Letters: the system font folders searched for the source fonts
# (letters/fonts.py SOURCES), and where the prepared faces are written.
# Debian's fonts, a face taken out of its package (FandolFang, ensure_fonts.sh), texlive's fonts.
LETTERS_SYSTEM_FONT_DIRS = env.list("LETTERS_SYSTEM_FONT_DIRS", default=[
    "/usr/share/fonts", "/usr/local/share/fonts", "/usr/share/texlive/texmf-dist/fonts"])
LETTERS_FONT_DIR = env("LETTERS_FONT_DIR", default=str(BASE_DIR / "var" / "fonts"))

# --- DRF ---------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: a request with a token is judged by it alone (no CSRF
    # check from a session cookie the same client may carry), and a request
    # without credentials gets 401 with WWW-Authenticate rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Tokens expire (API_TOKEN_TTL_HOURS) and die with the user's sessions.
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "容错纠错案件管理 API",
    "DESCRIPTION": "Fault-tolerance exemption case management.",
    "VERSION": "1.0.0",
    # Assets from drf-spectacular-sidecar: intranets have no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request and response components apart: uploads are binary parts in
    # requests (not URIs), read-only fields stay out of request bodies.
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets used by more than one component get one name each.
    "ENUM_NAME_OVERRIDES": {
        "LetterKindEnum": "letters.models.LetterKind",
        "LetterStatusEnum": "letters.models.Letter.Status",
        "OrgUnitKindEnum": "accounts.models.OrgUnit.Kind",
        # careers' choices share field names with others ("kind", "status"):
        # named here so the schema's enums keep stable names.
        "ResultUseStatusEnum": "careers.models.ResultUse.Status",
        "FollowUpKindEnum": "careers.models.FollowUp.Kind",
        "FollowUpStatusEnum": "careers.models.FollowUp.Status",
        # The pre-filing's detail and its steps' answer (prefilings.apis): its name as before.
        "PreFilingDetailOutputStatusEnum": "prefilings.models.PreFiling.Status",
    },
}

# --- django-axes: https://django-axes.readthedocs.io/en/latest/4_configuration.html
# The lockout policy (GB/T 22239-2019 8.1.4.1 b: 登录失败处理).
AXES_FAILURE_LIMIT = env.int("DJANGO_LOCKOUT_FAILURES", default=5)
AXES_COOLOFF_TIME = env.float("DJANGO_LOCKOUT_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False

# --- Security (GB/T 22239-2019 level 3; docs/security.md) ----------------------
# Audit records are kept this many days (never fewer than 180: 网络安全法
# 第二十一条); a daily beat task removes older ones.
AUDIT_RETENTION_DAYS = env.int("DJANGO_AUDIT_RETENTION_DAYS", default=180)
# API tokens expire this many hours after issue.
API_TOKEN_TTL_HOURS = env.int("DJANGO_API_TOKEN_TTL_HOURS", default=12)
# How long a POST's Idempotency-Key and its stored answer are kept
# (core.idempotency): a client retries within minutes; a day covers a
# client that retries after being offline overnight.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("DJANGO_IDEMPOTENCY_KEY_TTL_HOURS", default=24)
# Staff and administrators sign in with a TOTP code (django-otp) unless
# demo mode is on (accounts.selectors.second_factor_required).
SECOND_FACTOR_FOR_STAFF = env.bool("DJANGO_SECOND_FACTOR_FOR_STAFF", default=True)
OTP_TOTP_ISSUER = "容错纠错案件管理"
# Users set up their own authenticator app (QR code, accounts.otp): one who
# needs a second factor and has none signs in with the password once, to do
# only that. Off: the security administrator creates the devices.
OTP_SELF_ENROL = env.bool("DJANGO_OTP_SELF_ENROL", default=True)
# Sessions end this many seconds after sign-in (8.1.4.1 b: 超时自动退出),
# and when the browser closes.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_SECONDS", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- CSP (django-csp 4): no inline scripts anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Uploads (cases app) -------------------------------------------------------
CASE_ATTACHMENT_MAX_BYTES = env.int("CASE_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
CASE_ATTACHMENT_MAX_COUNT = env.int("CASE_ATTACHMENT_MAX_COUNT", default=20)
# Content checks of uploads (cases.content_checks). A DOCX or OFD of a few
# hundred pages has some hundreds of parts and unpacks to tens of MB; more
# is a bomb. Pillow's own default guard is 89 million pixels; a 100 MP
# camera photo is 100 million.
UPLOAD_ZIP_MAX_MEMBERS = env.int("UPLOAD_ZIP_MAX_MEMBERS", default=2000)
UPLOAD_ZIP_MAX_BYTES = env.int("UPLOAD_ZIP_MAX_BYTES", default=200 * 1024 * 1024)
UPLOAD_IMAGE_MAX_PIXELS = env.int("UPLOAD_IMAGE_MAX_PIXELS", default=120_000_000)
# Optional virus scan by a ClamAV daemon: "tcp://127.0.0.1:3310" or
# "unix:///run/clamav/clamd.ctl" (https://docs.clamav.net/manual/Usage/Scanning.html#clamd).
# Set, every upload is scanned and refused while the daemon cannot answer.
CLAMAV_URL = env("CLAMAV_URL", default="")
CLAMAV_TIMEOUT = env.float("CLAMAV_TIMEOUT", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # The filesystem transport has no host: kombu warns on every
        # connection (each /healthz) that it falls back to "localhost".
        "kombu.connection": {"level": "ERROR"},
    },
}
