"""Social and OpenID Connect sign-in (issue #20), and the same-origin layout. Opt-in: nothing
here changes the backend unless AUTH_SOCIAL_PROVIDERS or AUTH_SAME_ORIGIN is set.

settings.py calls `apply(globals())` last; config/urls.py adds Djoser's social route when
`settings.AUTH_SOCIAL_PROVIDERS` is not empty.

- AUTH_SOCIAL_PROVIDERS: the providers, comma-separated, by social-core's names: `google-oauth2`,
  `github`, `oidc` (social-core's generic OpenID Connect backend).
- AUTH_SOCIAL_{NAME}_KEY / AUTH_SOCIAL_{NAME}_SECRET (NAME: GOOGLE_OAUTH2, GITHUB, OIDC): the
  client id and secret the provider gave; required for each provider named.
- AUTH_SOCIAL_OIDC_ENDPOINT: the OpenID Connect provider's issuer URL (without
  /.well-known/openid-configuration); required with `oidc`.
- AUTH_SAME_ORIGIN=1: the SPA is served from the API's own origin (deploy/nginx-proxy.conf):
  no CORS at all. Otherwise the SPA's origin (AUTH_SPA_ORIGIN) gets CORS, with credentials
  when social sign-in is on (the flow's session cookie must go with the two calls).

Djoser keeps the OAuth `state` in the Django session: the GET that starts the flow sets the
session cookie and the POST that ends it must send it back. The cookie is SameSite=Lax (so the
app and the API must be on the same site: same origin, or sibling subdomains), Secure in
production, HttpOnly, and only sent to the social route's path. The session is a signed cookie
(no session table).
"""
import os

from django.core.exceptions import ImproperlyConfigured

# social-core's name -> its backend class.
BACKENDS = {
    "google-oauth2": "social_core.backends.google.GoogleOAuth2",
    "github": "social_core.backends.github.GithubOAuth2",
    "oidc": "social_core.backends.open_id_connect.OpenIdConnectAuth",
}

PIPELINE = (
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "social_core.pipeline.social_auth.social_user",
    # Instead of social-core's get_username / create_user / user_details: link an existing
    # account by email only when the provider says the address is verified; never overwrite
    # the account's email from the provider.
    "accounts.social_pipeline.associate_by_verified_email",
    "accounts.social_pipeline.create_user",
    "social_core.pipeline.social_auth.associate_user",
    "social_core.pipeline.social_auth.load_extra_data",
)


def _env(name):
    return os.environ.get(name, "").strip()


def providers_from_env():
    names = [name.strip() for name in _env("AUTH_SOCIAL_PROVIDERS").split(",") if name.strip()]
    for name in names:
        if name not in BACKENDS:
            raise ImproperlyConfigured(
                f"AUTH_SOCIAL_PROVIDERS: unknown provider {name!r}: want any of {', '.join(BACKENDS)}"
            )
    return list(dict.fromkeys(names))


def _setting_name(provider):
    return provider.upper().replace("-", "_")


def apply(g):
    """Changes the settings module's globals `g`."""
    same_origin = _env("AUTH_SAME_ORIGIN").lower() in ("1", "true", "yes", "on")
    providers = providers_from_env()
    g["AUTH_SAME_ORIGIN"] = same_origin
    g["AUTH_SOCIAL_PROVIDERS"] = providers
    if same_origin:
        # The browser never makes a cross-origin call: no CORS headers for anyone.
        g["CORS_ALLOWED_ORIGINS"] = []
    if not providers:
        return

    g["INSTALLED_APPS"] = [*g["INSTALLED_APPS"], "social_django"]
    # Where the session (the OAuth state) lives; before CorsMiddleware's neighbours that answer.
    middleware = list(g["MIDDLEWARE"])
    middleware.insert(
        middleware.index("django.middleware.common.CommonMiddleware"),
        "django.contrib.sessions.middleware.SessionMiddleware",
    )
    g["MIDDLEWARE"] = middleware
    g["SESSION_ENGINE"] = "django.contrib.sessions.backends.signed_cookies"
    g["SESSION_COOKIE_NAME"] = "oauth_session"
    g["SESSION_COOKIE_SAMESITE"] = "Lax"
    g["SESSION_COOKIE_SECURE"] = g["AUTH_MODE"] == "production"
    g["SESSION_COOKIE_HTTPONLY"] = True
    g["SESSION_COOKIE_PATH"] = f"/{g['AUTH_API_PREFIX']}o/"
    # The flow takes minutes at most.
    g["SESSION_COOKIE_AGE"] = 15 * 60
    if not same_origin:
        g["CORS_ALLOW_CREDENTIALS"] = True

    g["AUTHENTICATION_BACKENDS"] = [
        *(BACKENDS[name] for name in providers),
        "django.contrib.auth.backends.ModelBackend",
    ]
    spa = g["SPA_ORIGIN"] + g["SPA_PATH"].rstrip("/") + "/"
    # Every provider this backend knows, enabled or not: one not enabled then answers 404 (which
    # the SPA explains) rather than 400 for its redirect_uri.
    g["DJOSER"]["SOCIAL_AUTH_ALLOWED_REDIRECT_URIS"] = [
        f"{spa}oauth-callback/{name}" for name in BACKENDS
    ]
    g["DJOSER"]["SOCIAL_AUTH_TOKEN_STRATEGY"] = "djoser.social.token.jwt.TokenStrategy"
    g["SOCIAL_AUTH_PIPELINE"] = PIPELINE
    g["SOCIAL_AUTH_JSONFIELD_ENABLED"] = True
    g["SOCIAL_AUTH_USER_MODEL"] = g["AUTH_USER_MODEL"]
    # GitHub: the addresses and whether each is verified (OpenID Connect asks for `email` already).
    g["SOCIAL_AUTH_GITHUB_SCOPE"] = ["user:email"]
    for name in providers:
        setting = _setting_name(name)
        for part in ("KEY", "SECRET"):
            value = _env(f"AUTH_SOCIAL_{setting}_{part}")
            if not value:
                raise ImproperlyConfigured(
                    f"AUTH_SOCIAL_PROVIDERS names {name}: set AUTH_SOCIAL_{setting}_{part} "
                    f"(the {'client id' if part == 'KEY' else 'client secret'} the provider gave you)"
                )
            g[f"SOCIAL_AUTH_{setting}_{part}"] = value
    if "oidc" in providers:
        endpoint = _env("AUTH_SOCIAL_OIDC_ENDPOINT").rstrip("/")
        if not endpoint.startswith(("https://", "http://")):
            raise ImproperlyConfigured(
                "AUTH_SOCIAL_PROVIDERS names oidc: set AUTH_SOCIAL_OIDC_ENDPOINT to the provider's "
                "issuer URL (e.g. https://accounts.example.com, without /.well-known/openid-configuration)"
            )
        if endpoint.startswith("http://") and g["AUTH_MODE"] == "production":
            raise ImproperlyConfigured("AUTH_SOCIAL_OIDC_ENDPOINT: production wants an https:// issuer")
        g["SOCIAL_AUTH_OIDC_OIDC_ENDPOINT"] = endpoint
        g["SOCIAL_AUTH_OIDC_USE_PKCE"] = True
