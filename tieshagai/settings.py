"""Settings of the town poverty-alleviation case-management system.

One module, configured from the environment (healthchecks' style): a checkout
runs as is on an embedded SQLite file; production sets ``DEBUG=0``,
``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL``.
"""

import os
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)
# With DEBUG on, users still see the Chinese 404/403/500 pages (the demo shows
# what users see); USER_ERROR_PAGES=0 brings back Django's debug pages.
USER_ERROR_PAGES = envbool("USER_ERROR_PAGES", True)

# A development key is only acceptable while DEBUG is on; production must
# bring its own, so a forgotten variable fails loudly instead of silently
# signing sessions with a key that is public in the repository.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "import_export",
    "simple_history",
    # Login lockout (django-axes), Content-Security-Policy (django-csp).
    "tieshagai.apps.AxesConfig",  # django-axes, named in Chinese
    "csp",
    # Background work: Django's task framework (django-tasks) and its
    # database backend, whose worker is `manage.py db_worker` (docs/tasks.md).
    "django_tasks",
    "tieshagai.apps.TasksDatabaseConfig",  # django-tasks-db, named in Chinese
    # Password age and the administrators' roles; the audit trail. Before the
    # domain apps: their permissions exist when households' post_migrate
    # (roles.sync_roles) gives them to the administrators' groups.
    "accounts",
    "audit",
    "households",
    "measures",
    "assessment",
    "rectification",
    "census",
    "summaries",
    "reports",
    "monitoring",
    # The demo town (manage.py load_demo), above every app it fills.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the application servers themselves (compressed,
    # cached for ever under hashed names): no shared disk, no CDN.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every page: Cache-Control no-store, private; a Permissions-Policy.
    "accounts.middleware.PrivateResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Idle sessions end after SESSION_COOKIE_AGE (see SESSION_TOUCH_SECONDS).
    "accounts.middleware.SessionIdleMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view is marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # A password older than PASSWORD_MAX_AGE_DAYS must be changed first.
    "accounts.middleware.PasswordExpiryMiddleware",
    # The registry's pages refuse the system, security and audit administrators.
    "accounts.middleware.RegistryReadersOnlyMiddleware",
    # The request (user, address) of every audit entry written while it runs.
    "audit.middleware.AuditRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Records the request's user on every history entry (who changed what).
    "simple_history.middleware.HistoryRequestMiddleware",
    # The users' 404/403/500 pages while DEBUG is on too (USER_ERROR_PAGES).
    "tieshagai.error_pages.UserErrorPagesMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tieshagai.urls"

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
                "households.scope.context",
            ],
        },
    },
]

WSGI_APPLICATION = "tieshagai.wsgi.application"

# SQLite by default so that a checkout runs with nothing else installed;
# DATABASE_URL (postgres://user:pass@host:port/name) switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# SQLite with two users at once behaves as PostgreSQL does: a transaction
# takes the write lock when it begins (IMMEDIATE), so two writers queue for up
# to `timeout` seconds instead of one failing with "database is locked" when it
# upgrades a read to a write; WAL lets pages read while someone writes.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not envbool(
    "PG_JIT", False
):
    # PostgreSQL's JIT compiles any query whose estimated cost is high, which
    # the dashboard's and the census rules' grouped counts over a county are:
    # seconds of compiling for queries that run in a fraction of that.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

# DATABASE_REPLICA_URL: a PostgreSQL streaming replica of DATABASE_URL. The
# read-only pages (dashboard, report, overview, census progress, exports)
# read from it; writes, logins and whatever a user just changed use the
# primary (tieshagai/replica.py). Unset: one database, nothing changes.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    # A replica that is down costs a page two seconds, then the primary answers.
    DATABASES["replica"]["OPTIONS"].setdefault("connect_timeout", 2)
    # Tests run against the primary's test database, the replica mirroring it.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["tieshagai.replica.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "tieshagai.replica.ReplicaReadsMiddleware",
    )
# After a user's write, how long their pages read the primary (a replica's lag).
REPLICA_PIN_SECONDS = envint("REPLICA_PIN_SECONDS", 30)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------

# django-axes first: it refuses a locked-out username before the password is
# even checked, and records every attempt (axes' access logs and our audit).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Slows down, then locks, an account guessed at from many addresses.
    "accounts.backends.UsernameFailureCapBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 30))
# Locked per username *and* address together: a village office shares one
# address, and one colleague's typos (or an insider guessing) must not lock
# out everyone behind it, nor an account everywhere. Five wrong passwords for
# one account from one address lock that pair for AXES_COOLOFF_TIME.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# ...and whatever the addresses, an account is locked everywhere after this
# many failures within AXES_COOLOFF_TIME (accounts.backends): a guesser who
# rotates addresses (or forges X-Forwarded-For past the proxy) gets no more.
# Past AXES_FAILURE_LIMIT each attempt waits LOGIN_SLOWDOWN_SECONDS more per
# failure, at most LOGIN_SLOWDOWN_MAX_SECONDS.
AXES_USERNAME_FAILURE_LIMIT = envint("AXES_USERNAME_FAILURE_LIMIT", 20)
LOGIN_SLOWDOWN_SECONDS = float(os.environ.get("LOGIN_SLOWDOWN_SECONDS", "0.5"))
LOGIN_SLOWDOWN_MAX_SECONDS = float(os.environ.get("LOGIN_SLOWDOWN_MAX_SECONDS", "3"))
# Login records keep the name typed with any ID number in it masked.
AXES_USERNAME_CALLABLE = "accounts.services.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip"
# The form data axes keeps of a failed attempt holds no password nor CSRF
# token (the username and address have columns of their own).
AXES_SENSITIVE_PARAMETERS = ["password", "csrfmiddlewaretoken"]

# The rules of a password (a Chinese message each). They apply wherever a
# password is chosen through a form (password change, the admin's user
# pages); passwords set by code (the demo logins) are set as given.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassesValidator"},
    {"NAME": "accounts.validators.UsernameNotInPasswordValidator"},
    # Refuses nothing: Django tells every validator when a password was set,
    # and this one records the date (the password's age starts there).
    {"NAME": "accounts.validators.PasswordMaxAgeValidator"},
]
# A password older than this must be changed before anything else is done.
PASSWORD_MAX_AGE_DAYS = envint("PASSWORD_MAX_AGE_DAYS", 90)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# WhiteNoise: in development it finds files as runserver does (no
# collectstatic); in production it serves the collected STATIC_ROOT.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
# Uploads (ledgers, evidence) are the only files the application servers
# write: on several servers MEDIA_ROOT is a shared mount, or MEDIA_STORAGE
# names another Django storage backend (its options come from its own
# settings).
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Security. Production runs behind TLS; these hold whenever DEBUG is off.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 30 * 60)
# The 30 minutes count from the last request: accounts.middleware.SessionIdleMiddleware
# moves the expiry forward at most once every SESSION_TOUCH_SECONDS (a session
# write per minute, not per page), so an idle session ends after 29 to 30 minutes.
SESSION_TOUCH_SECONDS = envint("SESSION_TOUCH_SECONDS", 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto, and take the
# client's address from the last X-Forwarded-For hop (audit, lockout).
BEHIND_PROXY = envbool("BEHIND_PROXY", False)
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A load balancer's health check speaks plain HTTP to the application server.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp 4): everything from this site only; no
# inline script or style anywhere (templates keep them in static files).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
    },
}

# Audit trail: entries are kept at least this long (`audit_purge` refuses
# younger dates; below 180 days is not accepted).
AUDIT_RETENTION_DAYS = max(envint("AUDIT_RETENTION_DAYS", 180), 180)

# Admin-side import/export (django-import-export): every import in one
# transaction, and recorded in the change history.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Cells beginning with = + - @ are neutralised in exports (formula injection)
# by the admin's own export (households.admin_base, households.xlsx.neutralise),
# as in every other export; the library's escaping only drops one leading "="
# (so "==1+1" stays a formula) and turns every number into text.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
# The admin shows past versions of a record but never writes one back: a
# revert would bypass the services' checks (households.admin_base).
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # What a user typed (a search by ID number) never reaches a log unmasked.
    "filters": {"redact": {"()": "audit.logging.RedactIdNumbers"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The date pages are "as of" unless the user picks another. Empty: today.
# A deployment working on a past data set (the demo town of 2020) pins it.
_as_of = os.environ.get("AS_OF_DATE", "")
try:
    DEFAULT_AS_OF = date.fromisoformat(_as_of) if _as_of else None
except ValueError:
    raise ImproperlyConfigured(f"AS_OF_DATE must be a date (YYYY-MM-DD), not {_as_of!r}") from None

# The leaders' dashboard, work report and overview keep their figures this
# many seconds (reports.caching; 0: counted on every request).
REPORTS_CACHE_SECONDS = envint("REPORTS_CACHE_SECONDS", 60)
# Where they are kept. CACHE_BACKEND=database (production): in the database
# (table tieshagai_cache, created by a migration), shared by every worker and
# app server, so a county's figures are counted once per REPORTS_CACHE_SECONDS
# for all of them, not once per worker process. CACHE_BACKEND=locmem (the
# default, development and tests): in each process's memory.
CACHE_BACKEND = os.environ.get("CACHE_BACKEND", "locmem")
CACHE_TABLE = "tieshagai_cache"
if CACHE_BACKEND == "database":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            # Entries are a few hundred KB at most; culling starts past this.
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }
elif CACHE_BACKEND == "locmem":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tieshagai",
        }
    }
else:
    raise ImproperlyConfigured(f"CACHE_BACKEND must be database or locmem, not {CACHE_BACKEND!r}")

# Background tasks: kept in the database (the table of django-tasks-db, on the
# primary), run by `manage.py db_worker` (started by `make run`; in production
# deploy/tieshagai-worker.service). docs/tasks.md says why this library.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Village ledger (台账) import. Files above LEDGER_SYNC_ROWS rows are queued
# as background tasks (households.ledger.tasks); smaller ones are previewed at
# once. A running import whose heartbeat is older than LEDGER_STALE_MINUTES
# lost its worker and is queued again, at most LEDGER_MAX_ATTEMPTS runs in all.
LEDGER_MAX_BYTES = envint("LEDGER_MAX_BYTES", 20 * 1024 * 1024)
LEDGER_MAX_ROWS = envint("LEDGER_MAX_ROWS", 200_000)
LEDGER_SYNC_ROWS = envint("LEDGER_SYNC_ROWS", 3_000)
LEDGER_STALE_MINUTES = envint("LEDGER_STALE_MINUTES", 10)
LEDGER_MAX_ATTEMPTS = envint("LEDGER_MAX_ATTEMPTS", 3)
# A preview not confirmed within this many hours is shown as abandoned.
LEDGER_PREVIEW_HOURS = envint("LEDGER_PREVIEW_HOURS", 72)

# The household list counts its rows exactly up to this many; above it (a
# county's whole registry) it shows the database's estimate and offers the
# village filter, under which it counts exactly again (households.paging).
LIST_EXACT_COUNT_LIMIT = envint("LIST_EXACT_COUNT_LIMIT", 20000)

# Rectification evidence (整改佐证材料): the largest file accepted. The kinds
# accepted (images, PDF, Office) are checked by content in rectification.filetypes.
RECTIFICATION_EVIDENCE_MAX_BYTES = envint("RECTIFICATION_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
