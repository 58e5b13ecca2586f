"""Settings shared by every environment.

Every value that differs between installs is read from the environment here, in one place,
with a default that works on a fresh machine (SQLite, embedded search, in-process tasks).
`.env.example` and the README list every variable.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("PORTICO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

SITE_NAME = os.environ.get("SITE_NAME", "Portico")
WAGTAIL_SITE_NAME = SITE_NAME
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_URL = WAGTAILADMIN_BASE_URL

INSTALLED_APPS = [
    # Portico
    "core",
    "users",
    "segments",
    "kb",
    "announcements",
    "forum",
    "tickets",
    "search",
    "indexing",
    "portal",
    "api",
    "webhooks",
    "widget",
    "inbound",
    "demo",
    # Wagtail
    "wagtail.contrib.routable_page",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Accounts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.sites",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "core.logging.RequestIdMiddleware",
    # /healthz and /readyz answer before the host check and the HTTPS redirect.
    "core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # The Wagtail site of the request, from the cache (two queries fewer on every page).
    "core.fragments.CachedSiteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in member reads in their account's language (after Locale and Authentication).
    "users.language.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Anonymous visitors without a session get whole pages from the cache.
    "core.pagecache.AnonymousPageCacheMiddleware",
    # Oversized uploads end here with a 413, before the CSRF check reads the form.
    "core.uploads.UploadLimitMiddleware",
    # A null character in the address or a form ends here with a 400 (no text holds one).
    "core.params.NulCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "users.mfa.RequireStaffMFAMiddleware",
    "users.middleware.AdminAccessMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Without a broker there is no Celery beat: the web process runs the schedule itself.
    "core.periodic.EmbeddedBeatMiddleware",
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
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "core.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'portico.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------
# Rate limits (sign-in, anonymous endpoints) and shared page fragments live here, so every
# process of a site must share it: `redis://…` in production. The embedded default keeps
# it in the process's memory (one process, `make demo`); `file:///path` shares it between
# the processes of one host.
CACHE_URL = os.environ.get("CACHE_URL") or "locmem://"


def cache_from_url(url: str) -> dict:
    scheme, _, rest = url.partition("://")
    if scheme in {"redis", "rediss", "unix"}:
        # Redis down or hung: the site works as with an empty cache (core/cache.py).
        return {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": url}
    # Room for cached pages, pages of search results and fragments beside the rate limits'
    # counters (Django's default of 300 entries would cull those counters under a burst of
    # distinct searches).
    options = {"OPTIONS": {"MAX_ENTRIES": 5000}}
    if scheme == "file":
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": rest,
            **options,
        }
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": rest,
            **options,
        }
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ValueError(f"CACHE_URL: unknown cache {scheme!r} (use redis://, file://, locmem://)")


CACHES = {"default": {**cache_from_url(CACHE_URL), "KEY_PREFIX": "portico"}}

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
SITE_ID = 1
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# Sign-in attempts per client address (and failed ones per account), in allauth's terms.
ACCOUNT_RATE_LIMITS = {
    "login": os.environ.get("RATE_LIMIT_SIGN_IN") or "30/m/ip",
    "login_failed": os.environ.get("RATE_LIMIT_SIGN_IN_FAILED") or "10/m/ip,5/5m/key",
}
# Sign-in and sign-up accept internationalised email addresses (josé@example.com).
ACCOUNT_FORMS = {"login": "users.forms.LoginForm", "signup": "users.forms.SignupForm"}
# Rate limits are keyed on the client's address. Behind proxies, say how many append
# themselves to X-Forwarded-For (or which header carries the address); without it,
# everyone behind the proxy shares one address and one limit.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT") or 0)
TRUSTED_CLIENT_IP_HEADER = os.environ.get("TRUSTED_CLIENT_IP_HEADER") or None
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = TRUSTED_CLIENT_IP_HEADER
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# Editors, staff and superusers must set up an authenticator app before using the site.
PORTICO_REQUIRE_MFA_FOR_STAFF = env_bool("PORTICO_REQUIRE_MFA_FOR_STAFF", False)

# --- Wagtail --------------------------------------------------------------------------
WAGTAILADMIN_LOGIN_URL = "/account/login/"
# Sign-in and password resets go through allauth (two-factor, rate limits), never Wagtail's.
WAGTAIL_PASSWORD_RESET_ENABLED = False
# Passwords are changed on the portal's account pages (allauth), not in the admin.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
# Accounts made in the admin get no password there: the person sets one through the
# portal's password reset (verified email, rate limits).
WAGTAILUSERS_PASSWORD_ENABLED = False
WAGTAIL_FRONTEND_LOGIN_URL = "/account/login/"
WAGTAILDOCS_EXTENSIONS = ["pdf", "txt", "md", "csv", "json", "zip", "png", "jpg"]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
TAGGIT_CASE_INSENSITIVE = True
# Content in several languages: a page tree per locale (Wagtail's localisation), the
# English tree at the site's root URL, the others under /fa/ and /ro/ (core.content_urls).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = [("en", "English"), ("fa", "فارسی"), ("ro", "Română")]
# The admin loads nothing from other sites: no avatars from gravatar.com, no check for a
# new Wagtail release (upgrades go through pyproject.toml).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

# --- Search (portal search; the query and write sides come with the search apps) -------
SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "embedded")
OPENSEARCH_URL = os.environ.get("OPENSEARCH_URL", "")
SEARCH_INDEX_PREFIX = os.environ.get("SEARCH_INDEX_PREFIX", "portico")
# Embedded (tantivy) indexes live here, one folder per index with versioned subfolders.
SEARCH_EMBEDDED_PATH = Path(os.environ.get("SEARCH_EMBEDDED_PATH", VAR_DIR / "search"))
SEARCH_EMBEDDED_WRITER_HEAP_MB = int(os.environ.get("SEARCH_EMBEDDED_WRITER_HEAP_MB", "64"))
# Seconds a write waits for another process's writer lock before giving up (and retrying).
SEARCH_EMBEDDED_LOCK_TIMEOUT = float(os.environ.get("SEARCH_EMBEDDED_LOCK_TIMEOUT", "10"))
# OpenSearch: per-request timeout (seconds), client retries, analyzer language, index shape.
SEARCH_TIMEOUT = float(os.environ.get("SEARCH_TIMEOUT", "5"))
SEARCH_MAX_RETRIES = int(os.environ.get("SEARCH_MAX_RETRIES", "2"))
# Searches (reads) wait at most this long and are not retried: a hung engine costs a page
# one short wait. After SEARCH_BREAKER_FAILURES failed reads in a row the engine is left
# alone for SEARCH_BREAKER_COOLDOWN seconds (searches use the database meanwhile).
SEARCH_QUERY_TIMEOUT = float(os.environ.get("SEARCH_QUERY_TIMEOUT") or 2)
SEARCH_BREAKER_FAILURES = int(os.environ.get("SEARCH_BREAKER_FAILURES") or 3)
SEARCH_BREAKER_COOLDOWN = float(os.environ.get("SEARCH_BREAKER_COOLDOWN") or 30)
SEARCH_LANGUAGE = os.environ.get("SEARCH_LANGUAGE", "en")
SEARCH_OPENSEARCH_SHARDS = int(os.environ.get("SEARCH_OPENSEARCH_SHARDS", "1"))
SEARCH_OPENSEARCH_REPLICAS = int(os.environ.get("SEARCH_OPENSEARCH_REPLICAS", "0"))
# How OpenSearch searches sentence vectors: auto (k-NN and hybrid queries where the cluster
# has the k-NN and neural-search plugins, else rerank), knn, rerank (the lexical top 100
# re-ranked by stored vectors) or off.
OPENSEARCH_VECTORS = os.environ.get("OPENSEARCH_VECTORS", "auto").strip().lower()
# Query side: how long editors' synonyms are cached per process (a save clears it at once
# in the saving process), how many different people must have run a query before
# type-ahead offers it, and how long the search log is kept.
SEARCH_SYNONYMS_TTL = float(os.environ.get("SEARCH_SYNONYMS_TTL", "30"))
SEARCH_POPULAR_MIN_PEOPLE = int(os.environ.get("SEARCH_POPULAR_MIN_PEOPLE", "3"))
# Popular queries count signed-in people over this many days; recomputed this often (s).
SEARCH_POPULAR_DAYS = int(os.environ.get("SEARCH_POPULAR_DAYS") or 90)
SEARCH_POPULAR_INTERVAL = float(os.environ.get("SEARCH_POPULAR_INTERVAL") or 600)
# Searches and clicks are written in batches by a background thread every this many
# seconds (0: only when flushed explicitly, e.g. by tests), never on the request path.
SEARCH_LOG_FLUSH_SECONDS = float(os.environ.get("SEARCH_LOG_FLUSH_SECONDS") or 5)
SEARCH_LOG_DAYS = int(os.environ.get("SEARCH_LOG_DAYS", "180"))

# Knowledge-base articles not published again for this many months are listed as stale on
# the editors' dashboard.
KB_STALE_MONTHS = int(os.environ.get("KB_STALE_MONTHS", "12"))
# A page of search results is kept this many seconds at most for everyone who would get
# the same page (same query, filters, language, access and ranking profile); any change of
# the index, of content or of access makes every kept page new at once. 0: never kept.
SEARCH_RESULTS_CACHE_SECONDS = int(os.environ.get("SEARCH_RESULTS_CACHE_SECONDS") or 300)
# Sentence encoders for semantic search (search/embeddings), computed in-process from
# weights in installed packages: "auto" uses them where a language has one, "off" keeps
# search lexical. Models per language (minilm: English; e5-small: ~100 languages) and the
# threads one encoding may use.
SEARCH_EMBEDDINGS = os.environ.get("SEARCH_EMBEDDINGS", "auto")
SEARCH_EMBEDDINGS_MODELS = os.environ.get(
    "SEARCH_EMBEDDINGS_MODELS", "en=minilm,fa=e5-small,ro=e5-small"
)
SEARCH_EMBEDDINGS_THREADS = int(os.environ.get("SEARCH_EMBEDDINGS_THREADS", "2"))
# Semantic search (search/vectors.py, search/service/hybrid.py): "on" gives indexed
# documents a vector and fuses vector and lexical candidates; "off" (or the encoders off)
# keeps indexing and search lexical. Weight of the vector side per use (0..1), over the
# defaults search=0.5,similar=0.8,suggestions=0.8,related=0.5.
SEARCH_SEMANTIC = os.environ.get("SEARCH_SEMANTIC", "on")
SEARCH_SEMANTIC_WEIGHTS = os.environ.get("SEARCH_SEMANTIC_WEIGHTS", "")
# Vectors of one model (embedded engine) from which an approximate index is kept and
# searched instead of scoring every vector a person may see; 0: always score them all.
SEARCH_VECTOR_ANN_MIN = int(os.environ.get("SEARCH_VECTOR_ANN_MIN") or 50_000)
# Cached document vectors (by text) no index has used for this many days are forgotten
# after a rebuild (a rebuild reads every current one).
SEARCH_VECTOR_CACHE_DAYS = int(os.environ.get("SEARCH_VECTOR_CACHE_DAYS") or 30)
# A direct answer above the results of a question-like query (search/answers.py): the
# passage of a top result closest in meaning to the query. "off" (or the encoders off)
# turns it off.
SEARCH_DIRECT_ANSWER = os.environ.get("SEARCH_DIRECT_ANSWER", "on")

# --- Search indexing (the queue that carries changes to the search backend) ------------
INDEXING_BATCH_SIZE = int(os.environ.get("INDEXING_BATCH_SIZE", "200"))
# A failed batch is retried after base * 2**(attempts-1) seconds, at most max.
INDEXING_RETRY_BASE_SECONDS = int(os.environ.get("INDEXING_RETRY_BASE_SECONDS", "15"))
INDEXING_RETRY_MAX_SECONDS = int(os.environ.get("INDEXING_RETRY_MAX_SECONDS", "1800"))
# How long a worker may hold queue rows before another may take them over.
INDEXING_LEASE_SECONDS = int(os.environ.get("INDEXING_LEASE_SECONDS", "300"))
# How often Celery beat drains what is left in the queue.
INDEXING_SYNC_INTERVAL = float(os.environ.get("INDEXING_SYNC_INTERVAL", "60"))
# The index heals itself: every INDEXING_RECONCILE_INTERVAL seconds the ids of every item
# are compared and the next INDEXING_RECONCILE_BATCH items of each type are rebuilt and
# compared with what the index holds; differences are queued.
INDEXING_RECONCILE_INTERVAL = float(os.environ.get("INDEXING_RECONCILE_INTERVAL") or 600)
INDEXING_RECONCILE_BATCH = int(os.environ.get("INDEXING_RECONCILE_BATCH") or 500)
# A rebuild that has not reported progress for this long is considered dead.
INDEXING_REBUILD_STALE_SECONDS = int(os.environ.get("INDEXING_REBUILD_STALE_SECONDS", "900"))
# Attached files: largest file read, and how much of its text is indexed.
INDEXING_ATTACHMENT_MAX_BYTES = int(os.environ.get("INDEXING_ATTACHMENT_MAX_BYTES", "26214400"))
INDEXING_ATTACHMENT_MAX_CHARS = int(os.environ.get("INDEXING_ATTACHMENT_MAX_CHARS", "200000"))

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
# Without a broker, tasks run in-process right where they are queued (after commit).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Without a broker, run CELERY_BEAT_SCHEDULE from the web processes (core/periodic.py):
# one process at a time holds a lease in the database for this many seconds (renewed as
# it runs; another process takes over when the holder stops), and looks for due entries
# every PORTICO_SCHEDULER_TICK_SECONDS.
PORTICO_EMBEDDED_BEAT = env_bool("PORTICO_EMBEDDED_BEAT", True)
PORTICO_SCHEDULER_LEASE_SECONDS = int(os.environ.get("PORTICO_SCHEDULER_LEASE_SECONDS") or 60)
PORTICO_SCHEDULER_TICK_SECONDS = 5
CELERY_TASK_EAGER_PROPAGATES = False
# A task is acknowledged when it finishes, not when it starts: a worker killed mid-task
# (OOM, deploy, lost host) leaves the message unacknowledged and the broker hands it to
# another worker. With Redis that happens once the visibility timeout has passed, so it is
# matched to the tasks: longer than any task runs (a task still running when it expires is
# delivered a second time; the outbox's claim makes that second run a no-op), short enough
# that a killed worker's task is retried within minutes. Countdowns (email retries) longer
# than it are delivered early, which the outbox and the delivery records make harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT") or 600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Workers look for messages whose timeout has passed every tenth of it (at most every
    # minute). Kombu's default (every 10 × 10 s) would add up to 100 s to any timeout.
    "unacked_restore_interval": max(1, min(60, CELERY_VISIBILITY_TIMEOUT // 10)),
    "unacked_restore_throttle": 1,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "portico")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Workers log through LOGGING (JSON in production) instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Outbox (core/outbox.py): side effects written with the change, sent after commit --
# How often the periodic dispatcher sends what is still pending (a broker outage, a lost
# message, a worker that died while running one).
OUTBOX_DISPATCH_INTERVAL = float(os.environ.get("OUTBOX_DISPATCH_INTERVAL") or 60)
OUTBOX_DISPATCH_BATCH = 500  # rows per dispatcher run
# Publishing after a commit: one quick connection attempt, so a request never waits on a
# broker that is down (the dispatcher sends the rows later).
OUTBOX_PUBLISH_MAX_RETRIES = 1
OUTBOX_PUBLISH_TIMEOUT = 2.0
# How long a worker holds a row it runs; shorter than the visibility timeout, so a
# redelivered message of a killed worker can take the row (by default half of it, at most
# 300 s; a system check refuses a lease that is not shorter).
OUTBOX_LEASE_SECONDS = int(
    os.environ.get("OUTBOX_LEASE_SECONDS") or min(300, max(1, CELERY_VISIBILITY_TIMEOUT // 2))
)
# A row handed to the broker that has not run after this long is sent again (lost message,
# e.g. a broker restarted without persistence).
OUTBOX_REDISPATCH_SECONDS = int(os.environ.get("OUTBOX_REDISPATCH_SECONDS") or 900)
# A failed run waits base × 2^(attempts−1) seconds, capped; after this many runs, given up.
OUTBOX_RETRY_BASE_SECONDS = 30
OUTBOX_RETRY_MAX_SECONDS = 1800
OUTBOX_MAX_ATTEMPTS = 12
OUTBOX_KEEP_DAYS = 14  # done rows are deleted after this many days

# --- Webhooks (webhooks/): events POSTed to the endpoints administrators register -------
# Seconds to connect and, separately, to read the answer of an endpoint.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS") or 10)
# Attempts of one delivery before it is marked failed (the first one included).
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS") or 8)
# A failed attempt waits base × 2^(attempts−1) seconds, capped, with jitter (half to all of it).
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS") or 30)
WEBHOOK_RETRY_MAX_SECONDS = float(os.environ.get("WEBHOOK_RETRY_MAX_SECONDS") or 3600)
# How often the periodic task sends the deliveries whose next attempt is due.
WEBHOOK_RETRY_INTERVAL = float(os.environ.get("WEBHOOK_RETRY_INTERVAL") or 30)
# Endpoints on private, link-local or reserved addresses (and loopback outside DEBUG) are
# refused unless this is set: an endpoint URL must not reach into the site's own network.
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", False)
WEBHOOK_KEEP_DAYS = int(os.environ.get("WEBHOOK_KEEP_DAYS") or 30)  # finished deliveries kept
WEBHOOK_RESPONSE_EXCERPT_CHARS = 2000  # of an endpoint's answer, kept with the delivery
WEBHOOK_DUE_BATCH = 200  # deliveries per periodic run

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
# With EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend: the folder it writes to.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH") or str(VAR_DIR / "emails")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <support@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL

# --- Support by email (inbound/, docs/email-channel.md) ---------------------------------
# The address customers write to; empty: no reply-by-email, no inbound mail.
SUPPORT_EMAIL_ADDRESS = os.environ.get("SUPPORT_EMAIL_ADDRESS", "")
# The per-ticket reply address; "{token}" is replaced. Default: local+{token}@domain.
SUPPORT_REPLY_TO_TEMPLATE = os.environ.get("SUPPORT_REPLY_TO_TEMPLATE", "")
# New requests by email go to this product (a segment slug); empty: the first product.
SUPPORT_EMAIL_PRODUCT = os.environ.get("SUPPORT_EMAIL_PRODUCT", "")
# Inbound messages taken from one sender per hour; the rest are logged and ignored.
SUPPORT_INBOUND_PER_HOUR = int(os.environ.get("SUPPORT_INBOUND_PER_HOUR") or 20)
# POST /support/inbound-email/: the shared secret (empty: the endpoint answers 404).
SUPPORT_INBOUND_SECRET = os.environ.get("SUPPORT_INBOUND_SECRET", "")
SUPPORT_INBOUND_MAX_BYTES = int(os.environ.get("SUPPORT_INBOUND_MAX_BYTES") or 26214400)
# `manage.py fetch_support_mail` (and, with a host, a periodic task): the mailbox to read.
SUPPORT_IMAP_HOST = os.environ.get("SUPPORT_IMAP_HOST", "")
SUPPORT_IMAP_PORT = int(os.environ.get("SUPPORT_IMAP_PORT") or 993)
SUPPORT_IMAP_USER = os.environ.get("SUPPORT_IMAP_USER", "")
SUPPORT_IMAP_PASSWORD = os.environ.get("SUPPORT_IMAP_PASSWORD", "")
SUPPORT_IMAP_SSL = env_bool("SUPPORT_IMAP_SSL", True)
SUPPORT_IMAP_FOLDER = os.environ.get("SUPPORT_IMAP_FOLDER", "INBOX")
# Where handled messages are moved (empty: they stay, flagged \Seen).
SUPPORT_IMAP_DONE_FOLDER = os.environ.get("SUPPORT_IMAP_DONE_FOLDER", "")
SUPPORT_IMAP_INTERVAL = float(os.environ.get("SUPPORT_IMAP_INTERVAL") or 60)

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en"
# A language is offered only when its catalogue is complete (`make check` enforces it).
# Names are the languages' own (autonyms): the switcher shows them the same in every language.
LANGUAGES = [("en", "English"), ("fa", "فارسی"), ("ro", "Română")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static_build"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files are served only through an access check (segments/media.py). In
# production the web server may stream them after the check: PORTICO_SENDFILE=nginx
# (X-Accel-Redirect to PORTICO_SENDFILE_URL, an internal location) or apache
# (X-Sendfile). See docs/operations.md.
MEDIA_URL = "/media/"
PORTICO_SENDFILE = os.environ.get("PORTICO_SENDFILE", "")
PORTICO_SENDFILE_URL = os.environ.get("PORTICO_SENDFILE_URL") or "/_protected/"
WAGTAILDOCS_SERVE_METHOD = "serve_view"
SENDFILE_BACKEND = "core.sendfile"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (core/security.py). Public pages run only the site's own
# scripts (no inline script, no event-handler attributes), load nothing from other sites
# and show images from the site itself; content that links an image elsewhere gets a link.
PORTICO_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'self'"],
}
# The Wagtail admin (PORTICO_ADMIN_PATH) needs a looser policy: its panels and date
# widgets carry inline scripts, and it writes inline styles. Nothing from elsewhere.
PORTICO_ADMIN_PATH = "/admin/"
PORTICO_CSP_ADMIN = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'self'"],
}
# The help widget (widget/): the sites that may frame its panel (/widget/), hand it a
# person's API token and read its labels — origins (scheme://host[:port]) separated by
# commas. Empty: only the portal itself may frame it.
WIDGET_ALLOWED_ORIGINS = env_list("WIDGET_ALLOWED_ORIGINS")
# Browser features no page of the site uses are off for every page and frame.
PORTICO_PERMISSIONS_POLICY = {
    "camera": "()",
    "microphone": "()",
    "geolocation": "()",
    "payment": "()",
}

# /metrics (Prometheus text) answers staff, or a scraper sending this bearer token.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Logs go to standard error: plain text, or one JSON object per line (LOG_FORMAT=json, the
# default in production) with the request's id (core/logging.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT") or "plain"


def logging_config(log_format: str) -> dict:
    if log_format not in {"plain", "json"}:
        raise ValueError(f"LOG_FORMAT: {log_format!r} is neither 'plain' nor 'json'")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            "json": {"()": "core.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        "loggers": {
            # One line per request in JSON logs; plain logs leave that to the server.
            "portico.requests": {"level": "INFO" if log_format == "json" else "WARNING"},
            "django.db.backends": {"level": "WARNING"},
            "django_tasks": {"level": "WARNING"},
            "wagtail": {"level": "WARNING"},
            # One line per request at INFO: only problems are worth a line.
            "opensearch": {"level": "WARNING"},
        },
    }


LOGGING = logging_config(LOG_FORMAT)

# --- Rate limits of the endpoints anyone may call (core/ratelimit.py) --------------------
# Requests per client address (the same address as the sign-in limits: see
# TRUSTED_PROXY_COUNT) and period, counted in the shared cache: "60/m", "100/5m", "1000/h",
# or "off". Past a limit the answer is 429 with Retry-After.
PORTICO_RATE_LIMITS_ENABLED = True
PORTICO_RATE_LIMITS = {
    "search_api": os.environ.get("RATE_LIMIT_SEARCH_API") or "60/m",
    "search_suggest": os.environ.get("RATE_LIMIT_SEARCH_SUGGEST") or "120/m",
    "search_click": os.environ.get("RATE_LIMIT_SEARCH_CLICK") or "60/m",
    "forum_similar": os.environ.get("RATE_LIMIT_FORUM_SIMILAR") or "60/m",
    "forum_preview": os.environ.get("RATE_LIMIT_FORUM_PREVIEW") or "60/m",
    "support_suggest": os.environ.get("RATE_LIMIT_SUPPORT_SUGGEST") or "60/m",
    "answer_feedback": os.environ.get("RATE_LIMIT_ANSWER_FEEDBACK") or "30/m",
    # The read API (/api/v1/…): per client address without a token (failed token attempts
    # count here too), and per token with one.
    "api": os.environ.get("RATE_LIMIT_API") or "120/m",
    "api_token": os.environ.get("RATE_LIMIT_API_TOKEN") or "600/m",
}
# API tokens (users/tokens.py): how often a token's "last used" time is written at most.
API_TOKEN_LAST_USED_RESOLUTION = 60
# Days a new token lasts, offered when creating one (0: no end date).
API_TOKEN_EXPIRY_CHOICES = (30, 90, 365, 0)
# Items per page of the API's lists (?limit= up to API_MAX_PAGE_SIZE).
API_PAGE_SIZE = 20
API_MAX_PAGE_SIZE = 100

# --- Portal ---------------------------------------------------------------------------
PORTICO_ANNOUNCEMENTS_PER_PAGE = 10
# Announcements dated longer ago than this are never emailed, so an editor fixing a typo in
# old news does not mail it to people who subscribed since.
PORTICO_ANNOUNCEMENT_EMAIL_MAX_AGE_DAYS = 14
PORTICO_CATEGORY_ARTICLES_PER_PAGE = 20

# --- Community forum ------------------------------------------------------------------
FORUM_QUESTIONS_PER_PAGE = 20
FORUM_TITLE_MIN_LENGTH = 10
FORUM_TITLE_MAX_LENGTH = 150
FORUM_BODY_MIN_LENGTH = 20
FORUM_BODY_MAX_LENGTH = 20_000
FORUM_COMMENT_MAX_LENGTH = 600
FORUM_MAX_TAGS = 5
# Trust levels 0-3 (forum/trust.py): what a member must have done to reach levels 1-3 —
# account age in days, published questions and answers, accepted answers. Each post of
# theirs hidden in the last FORUM_TRUST_PENALTY_DAYS days lowers the level by one.
# Moderators and staff are always level 3.
FORUM_TRUST_LEVELS = {
    1: {"days": 1, "posts": 1, "accepted": 0},
    2: {"days": 15, "posts": 5, "accepted": 1},
    3: {"days": 60, "posts": 20, "accepted": 3},
}
FORUM_TRUST_PENALTY_DAYS = 180
# Below this level, a post with any link is held until a moderator approves it.
FORUM_TRUST_LINKS_LEVEL = 1
# One flag from a member of this level (or a moderator) hides a post pending review.
FORUM_TRUST_FLAG_LEVEL = 2
# Posts per member and period by trust level (0, 1, 2, 3), written like RATE_LIMIT_*
# ("3/h", "20/d", "off"); RATE_LIMIT_FORUM_ASK and RATE_LIMIT_FORUM_ANSWER take four
# comma-separated rates. Counted in the database; moderators have none.
FORUM_RATE_LIMITS = {
    "question": env_list("RATE_LIMIT_FORUM_ASK") or ["3/h", "10/h", "20/h", "off"],
    "answer": env_list("RATE_LIMIT_FORUM_ANSWER") or ["10/h", "30/h", "60/h", "off"],
    "comment": ["20/h", "60/h", "120/h", "off"],
    "flag": ["10/h", "30/h", "60/h", "off"],
}
# A post with more links than this is held until a moderator approves it (any member).
FORUM_MAX_LINKS = 3
# Open flags from different members that hide a post until a moderator looks (0: never);
# one flag is enough from a member of FORUM_TRUST_FLAG_LEVEL.
FORUM_FLAGS_TO_HIDE = 2
# Product slugs whose questions only members granted that product (and staff) can see.
FORUM_RESTRICTED_PRODUCTS: list[str] = []
FORUM_REPUTATION = {
    "answer_upvote": 10,
    "answer_downvote": -2,
    "question_upvote": 2,
    "question_downvote": -1,
    "accepted_answer": 15,
}

# --- Support tickets ("contact support": answers first, ticket last) ---------------------
# Attachments: largest file, most files per message, allowed extensions (each one is also
# checked against the file's content), and where they are stored (never under MEDIA_ROOT:
# they are served only through an access-checked view).
TICKETS_ATTACHMENT_MAX_BYTES = int(os.environ.get("TICKETS_ATTACHMENT_MAX_BYTES") or 10485760)
TICKETS_ATTACHMENT_MAX_FILES = int(os.environ.get("TICKETS_ATTACHMENT_MAX_FILES") or 5)
TICKETS_ATTACHMENT_EXTENSIONS = env_list("TICKETS_ATTACHMENT_EXTENSIONS") or [
    "png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "log", "csv", "json", "har",
]  # fmt: skip
TICKETS_ATTACHMENT_ROOT = Path(
    os.environ.get("TICKETS_ATTACHMENT_ROOT") or VAR_DIR / "ticket-attachments"
)
# Uploads are capped while they stream in (core/uploads.py): a request whose
# Content-Length is over the request cap is refused before its body is read, and reading
# stops as soon as one file passes the file cap. The Wagtail admin keeps its own limits.
PORTICO_UPLOAD_MAX_FILE_BYTES = TICKETS_ATTACHMENT_MAX_BYTES
PORTICO_UPLOAD_MAX_REQUEST_BYTES = (
    TICKETS_ATTACHMENT_MAX_BYTES * TICKETS_ATTACHMENT_MAX_FILES + 1024 * 1024
)
PORTICO_UPLOAD_UNCAPPED_PATHS = ["/admin/"]

# Whole pages for anonymous visitors without a session, from the cache (core/pagecache.py).
PORTICO_PAGE_CACHE = env_bool("PORTICO_PAGE_CACHE", True)
PORTICO_PAGE_CACHE_SECONDS = int(os.environ.get("PORTICO_PAGE_CACHE_SECONDS") or 60)
# Never cached: personal or acting pages, and reads that count something (search log,
# question views).
PORTICO_PAGE_CACHE_SKIP_PATHS = [
    "/admin/", "/_util/", "/account/", "/support/", "/api/", "/search/", "/i18n/",
    "/media/", "/documents/", "/feedback/", "/community/q/", "/community/ask/",
    "/community/settings/", "/community/unsubscribe/", "/healthz", "/readyz", "/metrics",
    "/widget/",
]  # fmt: skip
FILE_UPLOAD_HANDLERS = [
    "core.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Suggested answers shown while a customer describes a problem.
TICKETS_SUGGESTIONS_LIMIT = 5
# A support flow untouched for this long is abandoned; the next visit starts a new one.
TICKETS_FLOW_IDLE_HOURS = 24
# Tickets a customer may file per hour (anti-abuse); staff are not limited.
TICKETS_PER_HOUR = 10
TICKETS_PER_PAGE = 20
# The first ticket number; later ones count up from it.
TICKETS_FIRST_NUMBER = 1001
# Forum questions without an answer for this long are offered to agents for a ticket.
TICKETS_UNANSWERED_AFTER_HOURS = 48
# Solved tickets without a reply for this many days are closed (Celery beat, hourly; 0: never).
TICKETS_AUTO_CLOSE_DAYS = 7
# Customer satisfaction: a requester may change their rating for this many days after
# giving it; the links of the "How did we do?" email work for TICKETS_CSAT_LINK_DAYS.
TICKETS_CSAT_CHANGE_DAYS = 7
TICKETS_CSAT_LINK_DAYS = 30
# SLA targets are counted in business hours: the default calendar (working days, 0 =
# Monday, opening and closing time, time zone); an SLA policy may have its own hours.
TICKETS_SLA_CALENDAR = {
    "weekdays": [int(day) for day in env_list("TICKETS_SLA_WEEKDAYS") or [0, 1, 2, 3, 4]],
    "opens": os.environ.get("TICKETS_SLA_OPENS") or "09:00",
    "closes": os.environ.get("TICKETS_SLA_CLOSES") or "17:00",
    "time_zone": os.environ.get("TICKETS_SLA_TIME_ZONE") or TIME_ZONE,
}
# A target this close (clock minutes) is "due soon" in the queue.
TICKETS_SLA_DUE_SOON_MINUTES = int(os.environ.get("TICKETS_SLA_DUE_SOON_MINUTES") or 60)
# Categories a customer may pick (stored as ticket tags; agents may add any other tag).
TICKETS_CATEGORIES = [
    ("billing", _("Billing and invoices")),
    ("account-access", _("Sign-in and account access")),
    ("integration", _("API and integrations")),
    ("data", _("Data, imports and exports")),
    ("bug", _("Something is broken")),
    ("how-to", _("How do I…?")),
]

# Periodic tasks: `celery -A config beat` runs them with a broker (exactly one beat per
# site); without one, the embedded scheduler of the web processes (core/periodic.py).
CELERY_BEAT_SCHEDULE = {
    "publish-scheduled-pages": {"task": "core.publish_scheduled", "schedule": 60.0},
    "drain-search-index-queue": {
        "task": "indexing.drain_queue",
        "schedule": INDEXING_SYNC_INTERVAL,
    },
    "reconcile-search-index": {
        "task": "indexing.reconcile",
        "schedule": INDEXING_RECONCILE_INTERVAL,
    },
    "prune-search-log": {"task": "search.prune_log", "schedule": 24 * 3600.0},
    "aggregate-popular-queries": {
        "task": "search.aggregate_popular",
        "schedule": SEARCH_POPULAR_INTERVAL,
    },
    "close-solved-tickets": {"task": "tickets.close_solved", "schedule": 3600.0},
    "repair-forum-counters": {"task": "forum.repair_counters", "schedule": 24 * 3600.0},
    "clear-expired-sessions": {"task": "core.clear_sessions", "schedule": 24 * 3600.0},
    "dispatch-outbox": {"task": "core.outbox_dispatch", "schedule": OUTBOX_DISPATCH_INTERVAL},
    "retry-webhook-deliveries": {
        "task": "webhooks.deliver_due",
        "schedule": WEBHOOK_RETRY_INTERVAL,
    },
}
if SUPPORT_IMAP_HOST:
    CELERY_BEAT_SCHEDULE["fetch-support-mail"] = {
        "task": "inbound.fetch_mail",
        "schedule": SUPPORT_IMAP_INTERVAL,
    }
