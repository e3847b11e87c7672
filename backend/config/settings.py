"""Settings of the reference Django + Djoser + SimpleJWT backend.

Everything a test or a developer varies comes from AUTH_* environment
variables (see README.md); the rest is what shared/djoser-contract.md expects.
AUTH_MODE picks the defaults: `production` (the default) insists on real keys,
`dev` and `test` fall back to a throwaway key and add /health/.
"""
import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default="0"):
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def env_seconds(name, default):
    return timedelta(seconds=int(os.environ.get(name, default)))


MODES = ("dev", "test", "production")
AUTH_MODE = os.environ.get("AUTH_MODE", "").strip().lower() or "production"
if AUTH_MODE not in MODES:
    raise ImproperlyConfigured(f"AUTH_MODE={AUTH_MODE!r}: want one of {', '.join(MODES)}")
LOCAL_MODE = AUTH_MODE in ("dev", "test")

# Dev and test only: a fixed key, so tokens survive a restart of the server. Never used in
# production, which refuses to start without keys of its own.
THROWAWAY_KEY = "insecure-dev-and-test-only-key-never-use-in-production-0123456789"
MIN_KEY_LENGTH = 32  # HS256: shorter HMAC keys are guessable, and PyJWT warns about them


def secret(name, fallback):
    value = os.environ.get(name, "").strip()
    if not value:
        if LOCAL_MODE or fallback:
            return fallback or THROWAWAY_KEY
        raise ImproperlyConfigured(
            f"{name} is not set: AUTH_MODE=production needs a secret key of its own "
            f"(at least {MIN_KEY_LENGTH} random characters, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), "
            "or run with AUTH_MODE=dev or AUTH_MODE=test for a throwaway key"
        )
    if AUTH_MODE == "production" and (len(value) < MIN_KEY_LENGTH or value == THROWAWAY_KEY):
        raise ImproperlyConfigured(
            f"{name}: AUTH_MODE=production needs at least {MIN_KEY_LENGTH} random characters, "
            "not the dev/test key"
        )
    return value


SECRET_KEY = secret("AUTH_SECRET_KEY", None)
# What SimpleJWT signs tokens with: changing it signs everyone out, without touching the rest.
SIGNING_KEY = secret("AUTH_SIGNING_KEY", SECRET_KEY)

DEBUG = env_flag("AUTH_DEBUG", "1" if AUTH_MODE == "dev" else "0")
if DEBUG and AUTH_MODE == "production":
    # DEBUG answers errors with HTML pages full of settings and code, and keeps every SQL query.
    raise ImproperlyConfigured("AUTH_DEBUG=1 is for development: AUTH_MODE=production refuses it")
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("AUTH_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if host.strip()
]

# The SPA's origin, exactly as the browser sends it (scheme, host and port):
# corsheaders matches it verbatim, and the emailed links point at it.
SPA_ORIGIN = os.environ.get("AUTH_SPA_ORIGIN", "http://127.0.0.1:8080").rstrip("/")
_spa = urlsplit(SPA_ORIGIN)


def is_loopback(host):
    host = (host or "").lower()
    return host in ("localhost", "::1") or host.endswith(".localhost") or re.fullmatch(r"127(\.[0-9]{1,3}){3}", host)


if AUTH_MODE == "production" and _spa.scheme != "https" and not is_loopback(_spa.hostname):
    # Tokens and the emailed links' secrets would cross the network in the clear.
    raise ImproperlyConfigured(
        f"AUTH_SPA_ORIGIN={SPA_ORIGIN!r}: AUTH_MODE=production wants an https:// origin "
        "(http:// only on this machine: localhost, 127.0.0.1, [::1])"
    )

INSTALLED_APPS = [
    # accounts first so its `runserver` overrides Django's.
    "accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "djoser",  # for its email templates
    "refresh_policy",  # sign-in lifetime cap, reuse detection, revocation
    "notes",  # /api/notes/: an example of a resource behind the sign-in
]

MIDDLEWARE = [
    # Before anything that may answer early, so every response (401, 429, ...)
    # carries the CORS headers and the SPA can read the error body.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Cache-Control: no-store on every answer (tokens, profiles): accounts/middleware.py.
    "accounts.middleware.NoStoreMiddleware",
    "django.middleware.common.CommonMiddleware",
]
# Dev and test only: GET /health/ (config/urls.py) and the refresh counter behind it. First, so
# that every POST to the refresh endpoint is counted, whatever the later layers answer.
AUTH_HEALTH = LOCAL_MODE
if AUTH_HEALTH:
    MIDDLEWARE.insert(0, "accounts.health.RefreshCounterMiddleware")

# Tests only: answer chosen requests badly on purpose (accounts/faults.py). Inside
# CorsMiddleware, so the SPA can read the faulty answers.
AUTH_FAULTS = os.environ.get("AUTH_FAULTS", "").strip()
if AUTH_FAULTS:
    if not LOCAL_MODE:
        raise ImproperlyConfigured("AUTH_FAULTS is for tests: set AUTH_MODE=test")
    MIDDLEWARE.insert(
        MIDDLEWARE.index("corsheaders.middleware.CorsMiddleware") + 1,
        "accounts.faults.FaultMiddleware",
    )

# Production: a request with X-Forwarded-For while AUTH_NUM_PROXIES is 0 is logged, once
# (accounts/middleware.py): a proxy nobody told the throttles about.
if AUTH_MODE == "production":
    MIDDLEWARE.insert(0, "accounts.middleware.ForwardedForWarningMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("AUTH_DB_PATH", str(BASE_DIR.parent / ".dev" / "db.sqlite3")),
        "OPTIONS": {
            # runserver is threaded: WAL lets reads go on during a write,
            # IMMEDIATE takes the write lock up front (no "database is locked"
            # on lock upgrade), and the timeout makes writers wait their turn.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env_flag("AUTH_FAST_HASHER"):
    if not LOCAL_MODE:
        raise ImproperlyConfigured("AUTH_FAST_HASHER is for tests: set AUTH_MODE=test")
    # Tests only: a login then costs ~ms instead of ~0.5 s of PBKDF2.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# File-based outbox, one file per message; see accounts/email.py.
EMAIL_BACKEND = "accounts.email.OutboxEmailBackend"
EMAIL_FILE_PATH = os.environ.get("AUTH_EMAIL_DIR", str(BASE_DIR.parent / ".dev" / "outbox"))
DEFAULT_FROM_EMAIL = "Sign-in demo <noreply@localhost>"
AUTH_PRINT_LINKS = env_flag("AUTH_PRINT_LINKS")

# What this project logs (reuse revoking a family, an unexpected X-Forwarded-For...) goes to
# stderr with its time, level and source; INFO too (e.g. a refresh answered again within the
# overlap) except in test mode.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "[{asctime}] {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        app: {"handlers": ["stderr"], "level": "WARNING" if AUTH_MODE == "test" else "INFO"}
        for app in ("accounts", "refresh_policy")
    },
}

# Read by accounts' runserver override (used by the benchmark).
AUTH_TCP_NODELAY = env_flag("AUTH_TCP_NODELAY")


def throttle_rate(name, default):
    """A DRF rate like `10/min` (periods s, m, h, d), or None for `off`."""
    value = os.environ.get(name, "").strip().lower() or default
    if value in ("off", "none"):
        return None
    if not re.fullmatch(r"[0-9]+/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name}={value!r}: want e.g. 10/min (per s, min, hour, day) or off")
    return value


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    # JSON only: the API serves the SPA; the browsable API would need
    # static files this project doesn't ship.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # 429 + Retry-After. Each scope counts in the default cache (per process: one server
    # process, or a shared cache for several).
    "DEFAULT_THROTTLE_CLASSES": [
        # per IP, requests without a valid JWT, except jwt/refresh/ and jwt/blacklist/
        "accounts.throttling.AnonRateThrottle",
        "accounts.throttling.UserRateThrottle",  # per signed-in user, except the same two
        "accounts.throttling.LoginRateThrottle",  # per IP, POST jwt/create/ only
        "accounts.throttling.LoginAccountRateThrottle",  # per account, failed sign-ins only
        "accounts.throttling.RefreshRateThrottle",  # per token's user, jwt/refresh/ and jwt/blacklist/
    ],
    # A scope whose rate is None (`off`) is not throttled.
    "DEFAULT_THROTTLE_RATES": {
        "anon": throttle_rate("AUTH_THROTTLE_ANON", "60/min"),
        "user": throttle_rate("AUTH_THROTTLE_USER", "300/min"),
        "login": throttle_rate("AUTH_THROTTLE_LOGIN", "10/min"),
        "login_account": throttle_rate("AUTH_THROTTLE_LOGIN_ACCOUNT", "30/hour"),
        "refresh": throttle_rate("AUTH_THROTTLE_REFRESH", "120/min"),
    },
    # The client's IP is REMOTE_ADDR, unless AUTH_NUM_PROXIES trusted proxies in front add
    # theirs to X-Forwarded-For (with DRF's default, None, a client could pick its own).
    "NUM_PROXIES": int(os.environ.get("AUTH_NUM_PROXIES", "0")),
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": env_seconds("AUTH_ACCESS_SECONDS", "300"),
    "REFRESH_TOKEN_LIFETIME": env_seconds("AUTH_REFRESH_SECONDS", "86400"),
    "SIGNING_KEY": SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("JWT",),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Each sign-in (jwt/create/) updates last_login, which the reset links' tokens hash
    # (accounts/tokens.py): a reset link mailed before a sign-in is dead after it.
    "UPDATE_LAST_LOGIN": True,
    # AUTH_CHECK_REVOKE_TOKEN=1: tokens issued before a password change are refused (they carry
    # a hash of the password hash), as some production backends have it.
    "CHECK_REVOKE_TOKEN": env_flag("AUTH_CHECK_REVOKE_TOKEN"),
    # Rotation capped at the sign-in's refresh lifetime, reuse detection, and a deleted
    # account's refresh token: 401, not 500 (accounts/serializers.py, refresh_policy/).
    "TOKEN_REFRESH_SERIALIZER": "accounts.serializers.TokenRefreshSerializer",
    # jwt/create/ starts a token family (one per sign-in, refresh_policy/), and counts failed
    # attempts per account; jwt/blacklist/ (sign-out) ends the token's whole family.
    "TOKEN_OBTAIN_SERIALIZER": "accounts.serializers.TokenObtainPairSerializer",
    "TOKEN_BLACKLIST_SERIALIZER": "accounts.serializers.TokenBlacklistSerializer",
}
# A rotated-out refresh token presented again (and not answered again by the overlap below)
# within this many seconds is only refused (a request that lost a race); later, it is taken for a
# stolen copy: its token family (that sign-in's refresh tokens) is revoked (refresh_policy/).
AUTH_REFRESH_REUSE_GRACE = env_seconds("AUTH_REFRESH_REUSE_GRACE_SECONDS", "30")
# A lost answer, or tabs refreshing with one token at once: the token a refresh exchanged comes
# back within this long while the token it was exchanged for has never been used; it gets the
# same pair again, as often as it comes back (README.md, "Tokens").
AUTH_REFRESH_OVERLAP = env_seconds("AUTH_REFRESH_OVERLAP", "60")

# How long the emailed links work (accounts/tokens.py). A reset link also dies at the next
# sign-in, and each link once it did its job.
AUTH_ACTIVATION_LINK_LIFETIME = env_seconds("AUTH_ACTIVATION_LINK_SECONDS", str(3 * 86400))
AUTH_RESET_LINK_LIFETIME = env_seconds("AUTH_RESET_LINK_SECONDS", "3600")

DJOSER = {
    "USER_CREATE_PASSWORD_RETYPE": True,
    "SEND_ACTIVATION_EMAIL": True,
    "PASSWORD_RESET_CONFIRM_RETYPE": True,
    "ACTIVATION_URL": "user-activation/{uid}/{token}",
    "PASSWORD_RESET_CONFIRM_URL": "confirm-password-reset/{uid}/{token}",
    # The sign-in address: changed with the password (set_email/, asked for twice), or through
    # an emailed link (reset_email/ -> the SPA's page -> reset_email_confirm/). Either way the
    # address it replaced is told (accounts/views.py).
    "SET_USERNAME_RETYPE": True,
    "USERNAME_RESET_CONFIRM_RETYPE": True,
    "USERNAME_RESET_CONFIRM_URL": "confirm-email-reset/{uid}/{token}",
    "USERNAME_CHANGED_EMAIL_CONFIRMATION": True,
    # Djoser ignores a top-level PROTOCOL/DOMAIN; these make the emailed
    # links point at the SPA instead of at the API's host.
    "EMAIL_FRONTEND_PROTOCOL": _spa.scheme,
    "EMAIL_FRONTEND_DOMAIN": _spa.netloc,
    "EMAIL_FRONTEND_SITE_NAME": "Sign-in demo",
    # No authtoken app: without this, DELETE users/me/ answers 500.
    "TOKEN_MODEL": None,
    # The emailed links, each made by the token generator of its purpose (accounts/tokens.py).
    "EMAIL": {
        "activation": "accounts.messages.ActivationEmail",
        "password_reset": "accounts.messages.PasswordResetEmail",
        "username_reset": "accounts.messages.UsernameResetEmail",
    },
    "SERIALIZERS": {
        "user": "accounts.serializers.UserSerializer",
        "current_user": "accounts.serializers.UserSerializer",
        "user_create": "accounts.serializers.UserCreateSerializer",
        "user_create_password_retype": "accounts.serializers.UserCreatePasswordRetypeSerializer",
    },
}

CORS_ALLOWED_ORIGINS = [SPA_ORIGIN]
# So the SPA can read how long to wait after a 429.
CORS_EXPOSE_HEADERS = ["Retry-After"]

# The Djoser layout (issue #12): where its routes are and what users sign in with.
# AUTH_API_PREFIX: the URL prefix of Djoser's and SimpleJWT's routes (config/urls.py), "auth/" by
# default, e.g. "api/v1/auth/"; the SPA's <meta name="djoser-api-prefix"> says the same.
_api_prefix = os.environ.get("AUTH_API_PREFIX", "auth/").strip().strip("/")
AUTH_API_PREFIX = f"{_api_prefix}/" if _api_prefix else ""
# AUTH_LOGIN_FIELD=username: users sign in with a username (required at registration, unique)
# instead of their email (accounts/models.py); the SPA's <meta name="djoser-login-field"> says the same.
AUTH_LOGIN_FIELD = os.environ.get("AUTH_LOGIN_FIELD", "").strip() or "email"
if AUTH_LOGIN_FIELD not in ("email", "username"):
    raise ImproperlyConfigured(f"AUTH_LOGIN_FIELD must be email or username, not {AUTH_LOGIN_FIELD!r}")
DJOSER["LOGIN_FIELD"] = AUTH_LOGIN_FIELD
if AUTH_LOGIN_FIELD == "username":
    # Django wants USERNAME_FIELD unique without a condition; the username's UniqueConstraint
    # leaves out the empty ones (accounts whose username is optional), and username sign-in
    # requires one at registration.
    SILENCED_SYSTEM_CHECKS = ["auth.E003"]
# AUTH_SPA_PATH: the path the SPA is served under when not the root (e.g. /account/), for the
# emailed links (Djoser writes {protocol}://{domain}/{url}).
SPA_PATH = "/" + os.environ.get("AUTH_SPA_PATH", "").strip().strip("/")
DJOSER["EMAIL_FRONTEND_DOMAIN"] = _spa.netloc + SPA_PATH.rstrip("/")

# Social and OpenID Connect sign-in, and the same-origin layout (issue #20): config/social.py.
from config.social import apply as _apply_social  # noqa: E402
_apply_social(globals())
