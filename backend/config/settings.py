"""Settings of the reference Django + Djoser + SimpleJWT backend.

Everything a test or a developer varies comes from AUTH_* environment
variables (see README.md); the rest is what shared/djoser-contract.md expects.
"""
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default="0"):
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def env_seconds(name, default):
    return timedelta(seconds=int(os.environ.get(name, default)))


# A fixed key: this backend only ever runs locally (dev server, tests, CI).
SECRET_KEY = "reference-backend-local-only-not-secret-0123456789abcdef"
DEBUG = env_flag("AUTH_DEBUG", "1")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

# The SPA's origin, exactly as the browser sends it (scheme, host and port):
# corsheaders matches it verbatim, and the emailed links point at it.
SPA_ORIGIN = os.environ.get("AUTH_SPA_ORIGIN", "http://127.0.0.1:8080").rstrip("/")
_spa = urlsplit(SPA_ORIGIN)

INSTALLED_APPS = [
    # accounts first so its `runserver` overrides Django's.
    "accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "djoser",  # for its email templates
]

MIDDLEWARE = [
    # First, so that every POST to the refresh endpoint is counted, whatever
    # the later layers answer.
    "accounts.health.RefreshCounterMiddleware",
    # Before anything that may answer early, so every response (401, 429, ...)
    # carries the CORS headers and the SPA can read the error body.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

# Tests only: answer chosen requests badly on purpose (accounts/faults.py). Inside
# CorsMiddleware, so the SPA can read the faulty answers.
AUTH_FAULTS = os.environ.get("AUTH_FAULTS", "").strip()
if AUTH_FAULTS:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("corsheaders.middleware.CorsMiddleware") + 1,
        "accounts.faults.FaultMiddleware",
    )

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

# Read by accounts' runserver override (used by the benchmark).
AUTH_TCP_NODELAY = env_flag("AUTH_TCP_NODELAY")

_throttle_anon = os.environ.get("AUTH_THROTTLE_ANON") or None
_throttle_user = os.environ.get("AUTH_THROTTLE_USER") or None

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    # JSON only: the API serves the SPA; the browsable API would need
    # static files this project doesn't ship.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": (
        [
            "rest_framework.throttling.AnonRateThrottle",
            "rest_framework.throttling.UserRateThrottle",
        ]
        if (_throttle_anon or _throttle_user)
        else []
    ),
    # A scope whose rate is None is not throttled, so setting only one of the
    # two variables throttles only that kind of client.
    "DEFAULT_THROTTLE_RATES": {"anon": _throttle_anon, "user": _throttle_user},
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": env_seconds("AUTH_ACCESS_SECONDS", "300"),
    "REFRESH_TOKEN_LIFETIME": env_seconds("AUTH_REFRESH_SECONDS", "86400"),
    "AUTH_HEADER_TYPES": ("JWT",),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    # AUTH_CHECK_REVOKE_TOKEN=1: tokens issued before a password change are refused (they carry
    # a hash of the password hash), as some production backends have it.
    "CHECK_REVOKE_TOKEN": env_flag("AUTH_CHECK_REVOKE_TOKEN"),
    # A deleted account's refresh token: 401, not 500 (accounts/serializers.py).
    "TOKEN_REFRESH_SERIALIZER": "accounts.serializers.TokenRefreshSerializer",
}

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
