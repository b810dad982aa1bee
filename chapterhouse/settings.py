"""Django settings for Chapterhouse, read from environment variables.

Every setting a site operator may want to change is an environment variable;
the README lists them. Without any, Chapterhouse runs on an SQLite file under
``./var/`` and writes outgoing mail to files under ``./var/mail/``.
"""

import secrets
from pathlib import Path

import environ

PACKAGE_DIR = Path(__file__).resolve().parent

env = environ.Env()

#: Where the site keeps its files: the SQLite database, the secret key,
#: uploaded media, collected static files and mail written to disk.
VAR_DIR = Path(env.str("CHAPTERHOUSE_VAR_DIR", default=str(Path.cwd() / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into VAR_DIR."""
    if env.str("SECRET_KEY", default=""):
        return env.str("SECRET_KEY")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "chapterhouse.works.views.drafts.csrf_failure"
SITE_NAME = env.str("CHAPTERHOUSE_SITE_NAME", default="Chapterhouse")

INSTALLED_APPS = [
    "chapterhouse.web",
    "chapterhouse.accounts",
    "chapterhouse.tags",
    "chapterhouse.works",
    "chapterhouse.discovery",
    "chapterhouse.responses",
    "chapterhouse.exchange",
    "chapterhouse.api",
    "chapterhouse.moderation",
    "chapterhouse.collections",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API docs page's scripts from our own static files
    "csp",  # the Content-Security-Policy header (web/csp.py); its checks read the settings
]

MIDDLEWARE = [
    # First, so it times every answer (static files and refusals included)
    # for /metrics, and writes the request log line with JSON logs.
    "chapterhouse.web.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # First after SecurityMiddleware, so every answer carries the policy,
    # static files and refusals from the middleware below included.
    "chapterhouse.web.csp.ContentSecurityPolicyMiddleware",
    "chapterhouse.web.middleware.NulCharacterMiddleware",
    "chapterhouse.web.middleware.IdRangeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # With DATABASE_REPLICA_URL, dbrouter.ReplicaMiddleware goes here (below).
    # Before the session and CSRF middleware, so it sees the cookies they set
    # when it decides whether a guest's page may be shared (web/httpcache.py).
    "chapterhouse.web.httpcache.SharedGuestPageMiddleware",
    # Django's, still showing a page whose session change found the disk full.
    "chapterhouse.web.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "chapterhouse.web.middleware.AO3CsrfTokenMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, reading older sessions with the backends of accounts/backends.py.
    "chapterhouse.accounts.middleware.AuthenticationMiddleware",
    "chapterhouse.web.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "chapterhouse.accounts.middleware.RenamedUserRedirectMiddleware",
    "chapterhouse.moderation.middleware.SanctionNoticeMiddleware",
]

ROOT_URLCONF = "chapterhouse.urls"
WSGI_APPLICATION = "chapterhouse.wsgi.application"

_CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "chapterhouse.web.context_processors.site",
    # After Django's own: a shared guest page gets an empty CSRF token.
    "chapterhouse.web.httpcache.shared_page_tokens",
]

TEMPLATES = [
    {
        # The site's own pages, including its versions of the account pages.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "chapterhouse.web.jinja.environment",
            "context_processors": _CONTEXT_PROCESSORS,
        },
    },
    {
        # Templates that libraries bring (the admin, account e-mails).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": _CONTEXT_PROCESSORS},
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'chapterhouse.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers go on while a writer writes; IMMEDIATE avoids
            # "database is locked" upgrades in the middle of a transaction.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": env.str("SQLITE_TEST_NAME", default="") or None}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # Django's, with a health check that asks the server only when the
    # connection's socket says something happened (web/dbpostgresql).
    DATABASES["default"]["ENGINE"] = "chapterhouse.web.dbpostgresql"
    # PostgreSQL compiles a query to machine code when its estimated cost is
    # high; the privacy checks' EXISTS branches over a million works reach
    # that estimate although they stop at the first row, and compiling took
    # 0.7 s of a 1 ms query. A web request's queries are short: no JIT.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = ("-c jit=off " + options.get("options", "")).strip()
    # A database host that stopped answering fails a request within seconds
    # (a 503 page, docs/outages.md) rather than holding it for minutes.
    options.setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
#: A PostgreSQL streaming replica of DATABASE_URL (docs/replicas.md): when
#: set, a request's reads go to it and writes to the primary; a visitor reads
#: the primary for DATABASE_REPLICA_PIN_SECONDS after she wrote; reads go to
#: the primary while the replica does not answer or lags more than
#: DATABASE_REPLICA_MAX_LAG seconds (checked at most every
#: DATABASE_REPLICA_CHECK_SECONDS per process, and again
#: DATABASE_REPLICA_RETRY_SECONDS after it failed). Unset: no replica.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_PIN_SECONDS = env.float("DATABASE_REPLICA_PIN_SECONDS", default=5.0)
DATABASE_REPLICA_MAX_LAG = env.float("DATABASE_REPLICA_MAX_LAG", default=5.0)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=1.0)
DATABASE_REPLICA_RETRY_SECONDS = env.float("DATABASE_REPLICA_RETRY_SECONDS", default=5.0)
if DATABASE_REPLICA_URL:
    from django.core.exceptions import ImproperlyConfigured

    if "postgresql" not in DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL to be PostgreSQL")
    _replica = env.db_url("DATABASE_REPLICA_URL")
    if "postgresql" not in _replica["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be a postgres:// address")
    # PostgreSQL's backend, falling back to the primary when the replica fails.
    _replica["ENGINE"] = "chapterhouse.web.dbreplica"
    for _key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        _replica.setdefault(_key, DATABASES["default"][_key])
    _replica_options = _replica.setdefault("OPTIONS", {})
    _replica_options["options"] = ("-c jit=off " + _replica_options.get("options", "")).strip()
    # A replica host that does not answer sends reads to the primary within this.
    _replica_options.setdefault(
        "connect_timeout", env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2))
    # Tests run against one database: the replica is the test database too.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["chapterhouse.web.dbrouter.ReplicaRouter"]
    # Outside the guest page cache's middleware, so it sees which answers are
    # shared (and sets them no cookie); around everything that reads.
    MIDDLEWARE.insert(MIDDLEWARE.index("chapterhouse.web.httpcache.SharedGuestPageMiddleware"),
                      "chapterhouse.web.dbrouter.ReplicaMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------
# "default" is shared by every process of the site (allauth's rate limits and
# spent two-factor codes live there); "local" holds copies that may be a few
# minutes old (web/caches.py). Without Redis, "default" is the database and
# "local" is each process's memory. Our own rate limits: web/ratelimit.py.
REDIS_URL = env.str("REDIS_URL", default="")
# When Redis stops, the site carries on without it (docs/outages.md): a call
# gives up after these many seconds, and this process then leaves Redis alone
# for REDIS_RETRY_SECONDS before trying again (web/redisguard.py).
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.5)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)
REDIS_RETRY_SECONDS = env.float("REDIS_RETRY_SECONDS", default=5.0)
if REDIS_URL:
    _REDIS_CACHE = {
        # Django's Redis cache, missing instead of failing while Redis is away.
        "BACKEND": "chapterhouse.web.redisguard.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="chapterhouse"),
    }
    # METRICS_NAME: the name its hits are counted under (/metrics); "html"
    # counts the process's own copies in front of it (web/caches.py).
    CACHES = {alias: {**_REDIS_CACHE, "METRICS_NAME": name}
              for alias, name in (("default", "default"), ("local", "local"),
                                  ("html", "html_shared"))}
else:
    # Django's database and memory caches, counting hits for /metrics (web/caches.py).
    CACHES = {
        "default": {
            "BACKEND": "chapterhouse.web.caches.DatabaseCache",
            "METRICS_NAME": "default",
            # Made by a migration (web.CacheEntry); the worker deletes expired
            # entries, so the cull (which could drop live rate-limit counts
            # when the table is full) never has to run.
            "LOCATION": "chapterhouse_cache",
            "OPTIONS": {"MAX_ENTRIES": 10_000_000},
        },
        "local": {"BACKEND": "chapterhouse.web.caches.LocMemCache", "METRICS_NAME": "local"},
        # Rendered HTML of works shared between processes (web/caches.py): only
        # with Redis; each process also keeps its own recent copies in memory.
        "html": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }

# --- HTTP cache in front (docs/http-cache.md) --------------------------------
#: Admin addresses of the HTTP caches (Varnish) in front of the site,
#: comma-separated; the worker sends them BAN requests as works change.
HTTP_CACHE_URLS = env.list("HTTP_CACHE_URLS", default=[])
#: Seconds a cache may keep a guest page; bans remove changed pages sooner.
HTTP_CACHE_TTL = env.int("HTTP_CACHE_TTL", default=120)

# --- Accounts -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, reading the user with her preferences in one
    # query (accounts/backends.py).
    "chapterhouse.accounts.backends.ModelBackend",
    "chapterhouse.accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# AO3's log-in address (accounts/sessions_ao3.py); pages that need an account
# send guests there with ?return_to= (web/login.py).
LOGIN_URL = "/users/login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "chapterhouse.accounts.adapter.AccountAdapter"
SIGNUPS_OPEN = env.bool("SIGNUPS_OPEN", default=True)
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# Tell people plainly when a name or address is taken, as AO3 does; sign-up and
# log-in are rate limited, which keeps address probing slow.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PRESERVE_USERNAME_CASING = True
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_VALIDATORS = "chapterhouse.accounts.validators.USERNAME_VALIDATORS"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("RATE_LIMIT_LOGIN_FAILED", default="10/m/ip,5/5m/key"),
    "signup": env.str("RATE_LIMIT_SIGNUP", default="20/m/ip"),
}

# Two-factor log-in: an authenticator app (TOTP) with recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
#: Accept the code of the 30-second step before or after this one (RFC 6238's
#: advice), so a code typed as its step turns over, or on a phone whose clock
#: is a little off, still works. A code still works only once.
MFA_TOTP_TOLERANCE = 1

# --- Mail -----------------------------------------------------------------
# The search index (derived; `chapterhouse reindex` rebuilds it). Each node keeps
# its own copy. CHAPTERHOUSE_SEARCH_INDEXER: whether this process may write the
# full-text index (`serve` lets only its worker write it).
CHAPTERHOUSE_SEARCH_DIR = Path(
    env.str("CHAPTERHOUSE_SEARCH_DIR", default=str(VAR_DIR / "search"))
).resolve()
CHAPTERHOUSE_SEARCH_INDEXER = env.bool("CHAPTERHOUSE_SEARCH_INDEXER", default=True)
# Move the loaded index out of the garbage collector's way (gc.freeze), so a
# full collection does not walk it in the middle of a request.
CHAPTERHOUSE_SEARCH_FREEZE_GC = env.bool("CHAPTERHOUSE_SEARCH_FREEZE_GC", default=True)

MAIL_DIR = VAR_DIR / "mail"
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
elif env.str("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=EMAIL_PORT == 465)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(MAIL_DIR)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Chapterhouse <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background tasks -----------------------------------------------------
# Django's tasks framework (the django-tasks backport) with its database
# backend: mail and other deferred work is queued in the database and run by
# `chapterhouse worker` (which `chapterhouse serve` starts).
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        # "imports" holds long archive imports, run on the worker's slow pass so
        # they never hold up mail and counters on the quick one.
        "QUEUES": ["default", "imports"],
    }
}
#: Seconds a worker's lease lasts without being renewed (it is renewed every
#: tenth of that while the worker lives). A task still RUNNING under a worker
#: whose lease ran out is queued again (docs/background-tasks.md).
TASK_LEASE_SECONDS = env.float("CHAPTERHOUSE_TASK_LEASE", default=300.0)
#: Admin pages (and Django's /admin/) need a second factor this session (moderation/access.py).
ADMIN_REQUIRE_MFA = env.bool("ADMIN_REQUIRE_MFA", default=True)
#: Where the hidden-work notice sends creators with questions (empty: "contact support").
CHAPTERHOUSE_SUPPORT_EMAIL = env.str("CHAPTERHOUSE_SUPPORT_EMAIL", default="")
#: The address readers' mail links point at (unsubscribe, comment links).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise expects it, even before collectstatic
# /media is AO3's fandom index, so uploads live under /uploads/.
MEDIA_URL = "/uploads/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
#: Download files (EPUB, PDF, …) cached by work and content; safe to delete any time.
DOWNLOADS_CACHE_DIR = Path(env.str("DOWNLOADS_CACHE_DIR", default=str(VAR_DIR / "downloads")))
#: Calibre's converter, which makes the AZW3 and MOBI downloads (docs/downloads.md):
#: a program name looked up on PATH, or a path. Without it those two formats are not offered.
EBOOK_CONVERT = env.str("CHAPTERHOUSE_EBOOK_CONVERT", default="ebook-convert")
#: Seconds one conversion may take before it is stopped, and the most bytes it may write.
EBOOK_CONVERT_TIMEOUT = env.float("CHAPTERHOUSE_EBOOK_CONVERT_TIMEOUT", default=180.0)
EBOOK_CONVERT_MAX_BYTES = env.int("CHAPTERHOUSE_EBOOK_CONVERT_MAX_BYTES", default=100 * 2**20)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
#: Serve uploaded files (pseud icons) from the app itself; a production site
#: behind nginx can switch this off and let nginx serve MEDIA_ROOT.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)

# --- Security -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
#: Sessions are kept in the database and read through the "default" cache
#: (Redis when configured, else the database's cache table, read without the
#: ORM): every signed-in page reads one, and it is rarely written.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "default"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
#: The Content-Security-Policy of every response (docs/security-headers.md).
#: No inline script anywhere; a work skin's <style> is allowed by its hash
#: (web/csp.py). Images from anywhere, as works embed them (the text
#: pipeline allows http and https images) and data: for the QR code of the
#: authenticator set-up and the API docs' icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:", "http:", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
#: Behind nginx: the client's address is the last X-Forwarded-For entry (web/addresses.py).
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# --- Locale ---------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

#: "plain" (a line of text per record) or "json" (one JSON object per line:
#: time, level, logger, message, the exception's traceback, and for each
#: request its id, method, path, status and duration; docs/observability.md).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain").strip().lower()
#: The app writes one log line per request (web/requestlog.py) with JSON logs;
#: otherwise gunicorn's access log has them.
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=LOG_FORMAT == "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "chapterhouse.web.requestlog.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "timestamp": "time",
            "rename_fields": {"levelname": "level", "name": "logger", "exc_info": "exception"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Metrics (web/metrics.py, docs/observability.md) -------------------------
#: A bearer token that lets a scraper read /metrics from any address (loopback
#: and private addresses may read it without one). Empty: no token accepted.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
