"""Jobelix settings: everything comes from the environment.

`make run` / `make test` (jobelix.launch) set DATABASE_URL and REDIS_URL to the
embedded PostgreSQL and Redis when they are not given; in production set them to
the managed services. See README "Configuration".
"""
import os
import shlex
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI / Redoc assets served from here, pinned: no CDN
    "channels",
    "django_celery_beat",
    "core",
    "accounts",
    "realtime",
    "sessions_app",
    "scraping",
    "submissions",
    "tracker",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "jobelix.middleware.ApiGuardMiddleware",
    "core.middleware.ApplicationErrorMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "realtime.middleware.LastEventIdMiddleware",
]

ROOT_URLCONF = "jobelix.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "jobelix.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "realtime.context_processors.realtime",
                "core.csp.csp",
            ],
        },
    },
]

DATABASE_URL = env("DATABASE_URL")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `make run` / `make test` (they start an embedded "
        "PostgreSQL) or point DATABASE_URL at your PostgreSQL server."
    )
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
# The database Django's test runner creates (default test_<NAME>); `make test` names one per run.
if env("DATABASE_TEST_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env("DATABASE_TEST_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL is not set. Use `make run` / `make test` (they start an embedded "
        "Redis) or point REDIS_URL at your Redis server."
    )
# Key prefix of channel groups, presence and Celery queues (`make test` / `make bench` set one per run).
REDIS_PREFIX = env("REDIS_PREFIX") or "jobelix"


def _channel_layer_host(url):
    """redis-py 8 times reads out after 5 s, exactly channels-redis's 5 s BZPOPMIN wait, so
    every idle WebSocket consumer crashed after 5 s: read for longer. Retry once on a
    connection error (a pooled connection gone stale when Redis restarted). The pool raises
    (does not wait) past its size, 100 by default: a burst of connects (everyone reconnecting)
    killed consumers in group_add, so it is larger (docs/reliability.md)."""
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    return {
        "address": url, "socket_timeout": 15, "socket_connect_timeout": 2,
        "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        "max_connections": 2000,
    }


# Channels' layer: no longer on the live path (realtime/live.py publishes and subscribes with
# Redis pub/sub itself); kept for Channels' own tools and the bench's floor comparison.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [_channel_layer_host(REDIS_URL)],
            "prefix": REDIS_PREFIX,
            "capacity": 1000,
            "expiry": 30,
            "group_expiry": 86400,
        },
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the finders without collectstatic (daphne has no static handler).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.auth.BearerTokenAuthentication",
        "accounts.auth.CsrfSessionAuthentication",
    ],
    # Each view names the token scopes it accepts; naming none means session only (docs/security.md).
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.TokenScopes"],
    # The API speaks JSON only (daphne's HTTP layer answers malformed multipart bodies
    # itself with a bare 400 before Django sees them, so we do not invite them).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "core.api.json_error_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jobelix API",
    "DESCRIPTION": "Bots, workers and dashboards of the Jobelix job-search automation platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ loads Swagger UI from drf-spectacular-sidecar's static files (pinned in
    # requirements.txt), not a CDN: it works offline and under a same-origin CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "tracker.models.Application.Status",
        "InterviewStatusEnum": "tracker.models.Interview.Status",
    },
}

# Celery: Redis is the broker; PostgreSQL stays the source of truth.
CELERY_BROKER_URL = REDIS_URL
# visibility_timeout: a task whose worker died unacked is delivered again after this many
# seconds (Redis transport); keep it above the longest task (docs/reliability.md).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "global_keyprefix": f"{REDIS_PREFIX}:",
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    # How often a worker looks for such messages: every interval x throttle seconds.
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "realtime-purge-old-events": {
        "task": "realtime.purge_old_events",
        "schedule": 3600.0,
    },
    "sessions-reap-stale": {
        "task": "sessions_app.reap_stale_sessions",
        "schedule": 60.0,
    },
    "tracker-interview-reminders": {
        "task": "tracker.send_interview_reminders",
        "schedule": 60.0,
    },
    "tracker-followup-due": {
        "task": "tracker.send_followup_due",
        "schedule": 300.0,
    },
}

# Tracker (docs/tracker.md): followup.due goes out once, this many hours ahead.
TRACKER_FOLLOWUP_DUE_HOURS = env_int("TRACKER_FOLLOWUP_DUE_HOURS", 24)
TRACKER_RECOMMENDATIONS_LIMIT = env_int("TRACKER_RECOMMENDATIONS_LIMIT", 20)

# Realtime protocol (docs/realtime.md).
REALTIME_PING_INTERVAL = env_int("REALTIME_PING_INTERVAL", 30)
REALTIME_PING_TIMEOUT = env_int("REALTIME_PING_TIMEOUT", 90)
REALTIME_RETENTION_HOURS = env_int("REALTIME_RETENTION_HOURS", 24)
REALTIME_RETENTION_EVENTS = env_int("REALTIME_RETENTION_EVENTS", 1000)
REALTIME_MAX_FRAME_BYTES = 64 * 1024
REALTIME_MAX_MESSAGES_PER_SECOND = env_int("REALTIME_MAX_MESSAGES_PER_SECOND", 20)
REALTIME_ABUSE_STRIKES = env_int("REALTIME_ABUSE_STRIKES", 10)

# Bot sessions (docs/bot-sessions.md).
BOT_SESSION_STALE_AFTER_SECONDS = env_int("BOT_SESSION_STALE_AFTER_SECONDS", 300)
BOT_SESSION_RETENTION_DAYS = env_int("BOT_SESSION_RETENTION_DAYS", 0)  # 0 keeps the history forever
JOBELIX_DEMO_LAUNCH = env_bool("JOBELIX_DEMO_LAUNCH", DEBUG)
# The launched bot gets its token in $JOBELIX_API_TOKEN, never on its command line (sessions_app.launch).
JOBELIX_BOT_COMMAND = shlex.split(env("JOBELIX_BOT_COMMAND", "")) or [sys.executable, "-m", "bot", "--playwright"]
JOBELIX_SANDBOX_BOARD_URL = env("JOBELIX_SANDBOX_BOARD_URL", "http://127.0.0.1:8765")

# Submissions (docs/submissions.md): how many times a submission is tried before a re-run
# gives up on it. The applier (SUBMISSIONS_APPLIER): see "apply pipeline" at the end.
SUBMISSIONS_MAX_ATTEMPTS = env_int("SUBMISSIONS_MAX_ATTEMPTS", 3)

# Production hardening. TLS is terminated by the reverse proxy, which must set
# X-Forwarded-Proto (README "Deploying"). HTTPS=0 serves plain HTTP with DEBUG off
# (the test suite and loopback demos do this).
HTTPS = env_bool("HTTPS", not DEBUG)
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^health$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# HTTPS=0 (the proxy does TLS) keeps the cookies Secure; only INSECURE_COOKIES=1 (plain-HTTP
# loopback runs: `make run` with DEBUG=1, the test suite) sends them over plain HTTP.
INSECURE_COOKIES = env_bool("INSECURE_COOKIES", DEBUG)
SESSION_COOKIE_SECURE = not INSECURE_COOKIES
CSRF_COOKIE_SECURE = not INSECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}

# --- scraping --- (docs/scraping.md "Settings"; every value can be set in the environment)
GREENHOUSE_API_BASE = env("GREENHOUSE_API_BASE") or "https://boards-api.greenhouse.io"
LEVER_API_BASE = env("LEVER_API_BASE") or "https://api.lever.co"
ASHBY_API_BASE = env("ASHBY_API_BASE") or "https://api.ashbyhq.com"
SCRAPING_USER_AGENT = env("SCRAPING_USER_AGENT") or "JobelixBot/1.0 (Jobelix job-search aggregator)"
SCRAPING_DOMAIN_CONCURRENCY = env_int("SCRAPING_DOMAIN_CONCURRENCY", 5)
SCRAPING_DOMAIN_DELAY = float(env("SCRAPING_DOMAIN_DELAY") or 0.15)
SCRAPING_REQUEST_TIMEOUT = float(env("SCRAPING_REQUEST_TIMEOUT") or 20.0)
SCRAPING_CONNECT_TIMEOUT = float(env("SCRAPING_CONNECT_TIMEOUT") or 5.0)
SCRAPING_RETRIES = env_int("SCRAPING_RETRIES", 3)
SCRAPING_BACKOFF = float(env("SCRAPING_BACKOFF") or 0.5)
SCRAPING_MAX_RETRY_AFTER = float(env("SCRAPING_MAX_RETRY_AFTER") or 60.0)
SCRAPING_MAX_BYTES = env_int("SCRAPING_MAX_BYTES", 10 * 1024 * 1024)
SCRAPING_JSONLD_MAX_PAGES = env_int("SCRAPING_JSONLD_MAX_PAGES", 50)
SCRAPING_CONCURRENCY = env_int("SCRAPING_CONCURRENCY", 20)
SCRAPING_TIMEOUT = float(env("SCRAPING_TIMEOUT") or 300.0)
SCRAPING_QUEUE = env("SCRAPING_QUEUE", "")  # Celery queue for scrape runs ("" = the default queue)

# --- outgoing fetch guard --- (core/net.py, docs/security.md "SSRF from scraped pages")
# Every fetch of the outside world (scraper, post_json applier, the model URL on the server)
# refuses loopback, private, link-local and metadata addresses, on every redirect hop.
# Loopback is allowed only with this on: `make run` and the test runner turn it on for
# their fake boards on 127.0.0.1; never in production.
OUTGOING_ALLOW_LOOPBACK = env_bool("OUTGOING_ALLOW_LOOPBACK", False)
OUTGOING_MAX_REDIRECTS = env_int("OUTGOING_MAX_REDIRECTS", 5)
# --- security: scopes, throttles, logins --- (docs/security.md; README "Configuration")
# The address `make run` serves on (jobelix.launch reads HOST too): demo users with known
# passwords are created only with DEBUG=1 on a loopback address.
BIND_HOST = env("HOST") or "127.0.0.1"
# The cache holds the API throttles' counters: Redis, so every web process counts together.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_PREFIX,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
# Writes per token (or per session user), per user over all their tokens, bot heartbeats and
# worker progress reports per token; "N/sec|min|hour|day". Past the rate: 429 with Retry-After.
API_THROTTLE_RATES = {
    "write": env("THROTTLE_WRITE_RATE") or "120/min",
    "write_user": env("THROTTLE_USER_WRITE_RATE") or "1200/min",
    "heartbeat": env("THROTTLE_HEARTBEAT_RATE") or "300/min",
    "progress": env("THROTTLE_PROGRESS_RATE") or "600/min",
}
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["core.throttles.WriteThrottle", "core.throttles.UserWriteThrottle"]
# Login brute force (django-axes): LOGIN_FAILURE_LIMIT wrong passwords for one username from
# one address lock that pair out of /login/ and /admin/login/ for LOGIN_COOLOFF_MINUTES.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "accounts.logins.locked_out"
AXES_CLIENT_IP_CALLABLE = "accounts.logins.client_address"
# Behind N reverse proxies the client's address is read from X-Forwarded-For (0: REMOTE_ADDR).
LOGIN_PROXY_COUNT = env_int("LOGIN_PROXY_COUNT", 0)
# --- security: work queues, dispatch --- (docs/security.md)
# Job analysis runs on its own Celery queue, so a flood of big postings cannot hold up
# scraping, submissions or reminders. Both queues are declared, so a worker started without
# -Q reads both; `make run` names them (-Q celery,analysis), and a deployment may give
# `analysis` workers of its own.
from kombu import Queue  # noqa: E402

CELERY_TASK_QUEUES = (Queue("celery"), Queue("analysis"))  # "celery": the default queue
CELERY_TASK_ROUTES = {
    "tracker.analyze_job": {"queue": "analysis"},
    "tracker.recompute_recommendations_for_user": {"queue": "analysis"},
    "tracker.recompute_recommendations_for_all_users": {"queue": "analysis"},
}
# Seconds an analysis task may run: Celery's soft time limit (prefork workers) and the
# analysis' own clock (tracker/analysis/budget.py, which also works in the threads pool).
TRACKER_ANALYSIS_SOFT_TIME_LIMIT = env_int("TRACKER_ANALYSIS_SOFT_TIME_LIMIT", 60)
TRACKER_RECOMMENDATIONS_SOFT_TIME_LIMIT = env_int("TRACKER_RECOMMENDATIONS_SOFT_TIME_LIMIT", 600)
# A user's refresh while one is queued or running queues nothing; the mark (in Redis) lasts
# at most this long, so a refresh lost with its worker frees it.
TRACKER_REFRESH_DEDUPE_SECONDS = env_int("TRACKER_REFRESH_DEDUPE_SECONDS", TRACKER_RECOMMENDATIONS_SOFT_TIME_LIMIT + 300)
# Work to start after a commit (core/dispatch.py): sent again by the beat task when still
# unsent this many seconds later; sent intents are forgotten (unsent ones given up) after
# DISPATCH_KEEP_HOURS.
DISPATCH_RETRY_AFTER_SECONDS = env_int("DISPATCH_RETRY_AFTER_SECONDS", 30)
DISPATCH_KEEP_HOURS = env_int("DISPATCH_KEEP_HOURS", 24)
CELERY_BEAT_SCHEDULE["core-redispatch-pending"] = {"task": "core.redispatch_pending", "schedule": 60.0}
# A scrape run still pending (never claimed by a worker) this long, or whose task never
# reached the broker, no longer blocks the next Start.
SCRAPING_PENDING_STALE_SECONDS = env_int("SCRAPING_PENDING_STALE_SECONDS", 300)
# Heartbeats (sessions_app.services._coalesce): a change of status or activity is always
# published; after BOT_HEARTBEAT_BURST repeats in a row, a repeat is published at most once
# every BOT_HEARTBEAT_COALESCE_SECONDS (0: every heartbeat). The row takes every heartbeat.
BOT_HEARTBEAT_COALESCE_SECONDS = float(env("BOT_HEARTBEAT_COALESCE_SECONDS") or 2.0)
BOT_HEARTBEAT_BURST = env_int("BOT_HEARTBEAT_BURST", 3)
# /health: events stored in the last minute, and the rate above which it warns.
HEALTH_EVENTS_PER_MINUTE_WARN = env_int("HEALTH_EVENTS_PER_MINUTE_WARN", 6000)
# --- security: CSP, body limits --- (docs/security.md)
# Content-Security-Policy with a per-request nonce: core.csp (MIDDLEWARE and the context processor above).
# Request bodies: larger ones are refused with 413 before Django reads them (core.limits, jobelix/asgi.py);
# daphne has no limit of its own, so the reverse proxy caps bodies too (README, production paragraph).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# --- seeds: notifications, export --- (docs/notifications.md; every value can be set in the environment)
# Mail: the console in DEBUG (`make run` prints each email), else SMTP with the settings below.
EMAIL_BACKEND = env("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", "")  # for EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL") or "Jobelix <jobelix@localhost>"
NOTIFICATIONS_SITE_URL = (env("JOBELIX_SITE_URL") or "http://127.0.0.1:8000").rstrip("/")  # links in messages
NOTIFICATIONS_WEBHOOK_TIMEOUT = float(env("NOTIFICATIONS_WEBHOOK_TIMEOUT") or 10.0)
NOTIFICATIONS_MAX_RETRIES = env_int("NOTIFICATIONS_MAX_RETRIES", 5)
NOTIFICATIONS_RETRY_SECONDS = env_int("NOTIFICATIONS_RETRY_SECONDS", 30)  # doubled at each retry
NOTIFICATIONS_QUEUE = env("NOTIFICATIONS_QUEUE", "")  # Celery queue of notification tasks ("" = the default queue)
# CSV exports are streamed: rows read from PostgreSQL this many at a time.
EXPORT_CHUNK_ROWS = env_int("EXPORT_CHUNK_ROWS", 500)
# --- apply pipeline --- (docs/submissions.md "Applying for real", docs/bot.md)
# Celery queue of the work that needs Chromium (submission jobs, hosted bot runs): only workers started
# with `-Q browser` (make run starts one) consume it.
BROWSER_QUEUE = env("BROWSER_QUEUE", "browser")
CELERY_TASK_ROUTES |= {
    "submissions.process_submission_job": {"queue": BROWSER_QUEUE},
    "sessions_app.run_hosted_bot": {"queue": BROWSER_QUEUE},
}
# The callable that applies to one posting. Appliers: bot.applier.browser_apply (default: the bot's
# form adapters in headless Chromium), submissions.appliers.post_json, submissions.appliers.record_only.
SUBMISSIONS_APPLIER = env("SUBMISSIONS_APPLIER", "bot.applier.browser_apply")
# Screenshots of filled and sent forms: private (served to their owner only, never as static files).
SUBMISSIONS_SCREENSHOT_DIR = Path(env("SUBMISSIONS_SCREENSHOT_DIR") or BASE_DIR / ".jobelix" / "private" / "screenshots")
# "Launch bot" queues a hosted run of the bot on the browser queue (when JOBELIX_DEMO_LAUNCH, the
# development launch of a local process, is off); its tailored resumes and local ledger go under
# JOBELIX_BOT_OUTPUT/user-<id>.
JOBELIX_HOSTED_BOT = env_bool("JOBELIX_HOSTED_BOT", True)
JOBELIX_BOT_OUTPUT = Path(env("JOBELIX_BOT_OUTPUT") or BASE_DIR / ".jobelix" / "bot-output")
# --- realtime speed --- (docs/performance.md, docs/deploy.md)
# The outbox (realtime/outbox.py): queues per process, by stream, and each queue's bound.
REALTIME_OUTBOX_SHARDS = env_int("REALTIME_OUTBOX_SHARDS", 16)
REALTIME_OUTBOX_CAPACITY = env_int("REALTIME_OUTBOX_CAPACITY", 1000)
# Async PostgreSQL connections per web process for the fast paths (realtime/db.py).
REALTIME_DB_POOL_SIZE = env_int("REALTIME_DB_POOL_SIZE", 8)
# How long a verified API token is trusted without asking PostgreSQL again: a revoked
# token stops working within this many seconds (accounts/auth.py).
API_TOKEN_CACHE_SECONDS = float(env("API_TOKEN_CACHE_SECONDS") or 2.0)
# --- realtime: socket security --- (realtime/guards.py, docs/security.md, docs/realtime.md)
# `?token=` on /api/v1/ws is refused unless this is on (URLs land in logs and histories):
# use `Authorization: Bearer` or the subprotocols ["bearer", <token>].
WS_ALLOW_QUERY_TOKEN = env_bool("WS_ALLOW_QUERY_TOKEN", False)
# Open sockets per user, counted across processes in Redis; one more is closed with 4429.
WS_MAX_SOCKETS_PER_USER = env_int("WS_MAX_SOCKETS_PER_USER", 20)
