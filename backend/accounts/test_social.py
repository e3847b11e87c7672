"""Social sign-in (config/social.py, accounts/social_pipeline.py): the settings it needs, Djoser's
o/{provider}/ round trip with the provider's HTTP calls stubbed, and the linking policy."""
import json
from types import SimpleNamespace

from django.test import TestCase
from social_core.exceptions import AuthAssociationError, AuthResponseError

from accounts import social_pipeline
from accounts.models import User
from accounts.processes import run_backend_python

SOCIAL_ENV = {
    "AUTH_MODE": "test",
    "AUTH_SOCIAL_PROVIDERS": "github,oidc",
    "AUTH_SOCIAL_GITHUB_KEY": "gh-id",
    "AUTH_SOCIAL_GITHUB_SECRET": "gh-secret",
    "AUTH_SOCIAL_OIDC_KEY": "oidc-id",
    "AUTH_SOCIAL_OIDC_SECRET": "oidc-secret",
    "AUTH_SOCIAL_OIDC_ENDPOINT": "https://id.example.com/",
    "AUTH_SPA_ORIGIN": "https://app.example.com",
    "AUTH_SPA_PATH": "/account/",
}

SETTINGS_SCRIPT = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({name: getattr(settings, name, None) for name in [
    "AUTH_SOCIAL_PROVIDERS", "CORS_ALLOWED_ORIGINS", "CORS_ALLOW_CREDENTIALS", "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_PATH", "SOCIAL_AUTH_OIDC_OIDC_ENDPOINT",
    "SOCIAL_AUTH_GITHUB_KEY", "INSTALLED_APPS", "MIDDLEWARE"]}
    | {"redirect_uris": settings.DJOSER.get("SOCIAL_AUTH_ALLOWED_REDIRECT_URIS")}))
"""

# The round trip through Djoser's view, GitHub's token and user endpoints stubbed.
FLOW_SCRIPT = """
import json, sys, django
django.setup()
from django.core.management import call_command
from django.test import Client as DjangoClient
from social_core.backends.github import GithubOAuth2
call_command("migrate", verbosity=0)
from accounts.models import User
emails = json.loads(sys.argv[1])
GithubOAuth2.request_access_token = lambda self, *a, **k: {"access_token": "gh-token", "token_type": "bearer"}
GithubOAuth2.user_data = lambda self, token, *a, **k: {
    "id": 42, "login": "octo", "name": "Octo Cat", "email": emails[0]["email"], "emails": emails}
User.objects.create_user("taken@example.com", "a-password-1", name="Taken")
origin = "http://127.0.0.1:8080"
callback = origin + "/oauth-callback/github"
answers = {}
Client = lambda: DjangoClient(HTTP_HOST="127.0.0.1")

def start(client, provider="github", redirect_uri=callback):
    r = client.get(f"/auth/o/{provider}/", {"redirect_uri": redirect_uri}, HTTP_ORIGIN=origin)
    return r

client = Client()
r = start(client)
url = r.json()["authorization_url"]
state = url.split("state=")[1].split("&")[0]
cookie = r.cookies["oauth_session"]
answers["start"] = [r.status_code, "github.com/login/oauth/authorize" in url, cookie["samesite"],
                    cookie["path"], bool(cookie["httponly"]), r.headers.get("Access-Control-Allow-Credentials")]
answers["bad_redirect"] = start(Client(), redirect_uri="https://evil.example/cb").status_code
answers["not_enabled"] = [start(Client(), provider="google-oauth2").status_code]
r = client.post("/auth/o/github/", {"code": "c", "state": "tampered"}, HTTP_ORIGIN=origin)
answers["tampered"] = [r.status_code, r.json()]
r = Client().post("/auth/o/github/", {"code": "c", "state": state}, HTTP_ORIGIN=origin)
answers["no_cookie"] = [r.status_code, r.json()]
r = client.post("/auth/o/github/", {"code": "c", "state": state}, HTTP_ORIGIN=origin)
body = r.json()
answers["ok"] = [r.status_code, sorted(body), body if r.status_code != 201 else None]
r = Client().get("/auth/users/me/", HTTP_AUTHORIZATION="JWT " + body.get("access", ""))
answers["me"] = r.json()
print(json.dumps(answers))
"""


def github_emails(email, verified):
    return [{"email": email, "verified": verified, "primary": True}]


class SocialSettingsTests(TestCase):
    def settings_of(self, **env):
        result = run_backend_python(SETTINGS_SCRIPT, **env)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout.strip().splitlines()[-1])

    def test_off_by_default(self):
        answer = self.settings_of(AUTH_MODE="test")
        self.assertEqual(answer["AUTH_SOCIAL_PROVIDERS"], [])
        self.assertNotIn("social_django", answer["INSTALLED_APPS"])
        self.assertFalse(answer["CORS_ALLOW_CREDENTIALS"])
        self.assertEqual(answer["CORS_ALLOWED_ORIGINS"], ["http://127.0.0.1:8080"])
        self.assertIsNone(answer["redirect_uris"])

    def test_providers_from_the_environment(self):
        answer = self.settings_of(**SOCIAL_ENV)
        self.assertEqual(answer["AUTH_SOCIAL_PROVIDERS"], ["github", "oidc"])
        self.assertEqual(
            answer["redirect_uris"],
            [
                "https://app.example.com/account/oauth-callback/google-oauth2",
                "https://app.example.com/account/oauth-callback/github",
                "https://app.example.com/account/oauth-callback/oidc",
            ],
        )
        self.assertEqual(answer["SOCIAL_AUTH_OIDC_OIDC_ENDPOINT"], "https://id.example.com")
        self.assertEqual(answer["SOCIAL_AUTH_GITHUB_KEY"], "gh-id")
        self.assertEqual(answer["SESSION_COOKIE_SAMESITE"], "Lax")
        self.assertFalse(answer["SESSION_COOKIE_SECURE"])  # test mode; production: below
        self.assertEqual(answer["SESSION_COOKIE_PATH"], "/auth/o/")
        self.assertIn("django.contrib.sessions.middleware.SessionMiddleware", answer["MIDDLEWARE"])
        # Cross-origin layout: the SPA's origin, with credentials (the session cookie).
        self.assertTrue(answer["CORS_ALLOW_CREDENTIALS"])
        self.assertEqual(answer["CORS_ALLOWED_ORIGINS"], ["https://app.example.com"])

    def test_same_origin_has_no_cors(self):
        answer = self.settings_of(**SOCIAL_ENV, AUTH_SAME_ORIGIN="1")
        self.assertEqual(answer["CORS_ALLOWED_ORIGINS"], [])
        self.assertFalse(answer["CORS_ALLOW_CREDENTIALS"])

    def test_production_cookie_is_secure(self):
        answer = self.settings_of(**{**SOCIAL_ENV, "AUTH_MODE": "production", "AUTH_SECRET_KEY": "s" * 40})
        self.assertTrue(answer["SESSION_COOKIE_SECURE"])

    def test_missing_or_wrong_settings_stop_the_server(self):
        cases = [
            ({"AUTH_SOCIAL_PROVIDERS": "facebook"}, "unknown provider 'facebook'"),
            ({"AUTH_SOCIAL_GITHUB_SECRET": ""}, "set AUTH_SOCIAL_GITHUB_SECRET"),
            ({"AUTH_SOCIAL_OIDC_ENDPOINT": ""}, "set AUTH_SOCIAL_OIDC_ENDPOINT"),
            (
                {"AUTH_MODE": "production", "AUTH_SECRET_KEY": "s" * 40, "AUTH_SOCIAL_OIDC_ENDPOINT": "http://id"},
                "production wants an https:// issuer",
            ),
        ]
        for change, message in cases:
            result = run_backend_python(["manage.py", "check"], **{**SOCIAL_ENV, **change})
            self.assertNotEqual(result.returncode, 0, change)
            self.assertIn(message, result.stderr)


class SocialFlowTests(TestCase):
    def flow(self, emails):
        env = {**SOCIAL_ENV, "AUTH_SPA_ORIGIN": "http://127.0.0.1:8080", "AUTH_SPA_PATH": "", "AUTH_FAST_HASHER": "1"}
        result = run_backend_python(["-c", FLOW_SCRIPT, json.dumps(emails)], **env)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout.strip().splitlines()[-1])

    def test_round_trip_creates_an_account(self):
        answers = self.flow(github_emails("Octo@Example.com", False))
        self.assertEqual(answers["start"], [200, True, "Lax", "/auth/o/", True, "true"])
        self.assertEqual(answers["bad_redirect"], 400)
        self.assertEqual(answers["not_enabled"], [404])
        self.assertEqual(answers["tampered"][0], 400)
        self.assertEqual(answers["no_cookie"][0], 400)
        # What the SPA reads to explain a lost or forged state.
        self.assertIn("session", answers["tampered"][1]["non_field_errors"][0])
        self.assertIn("session", answers["no_cookie"][1]["non_field_errors"][0])
        self.assertEqual(answers["ok"][:2], [201, ["access", "refresh", "user"]])
        # A new account: an unverified address is fine when nobody has it.
        self.assertEqual(answers["me"]["email"], "octo@example.com")
        self.assertEqual(answers["me"]["name"], "Octo Cat")

    def test_existing_account_is_linked_only_when_verified(self):
        answers = self.flow(github_emails("taken@example.com", False))
        self.assertEqual(answers["ok"][0], 400)
        self.assertEqual(answers["ok"][2], {"non_field_errors": ["This email address is already in use."]})
        answers = self.flow(github_emails("taken@example.com", True))
        self.assertEqual(answers["ok"][0], 201)
        self.assertEqual(answers["me"]["email"], "taken@example.com")
        self.assertEqual(answers["me"]["name"], "Taken")  # the account's own, not the provider's


class PipelineTests(TestCase):
    def backend(self, name="oidc", id_token=None):
        return SimpleNamespace(name=name, id_token=id_token)

    def test_links_a_verified_address(self):
        user = User.objects.create_user("ann@example.com", "pw-12345678", is_active=False)
        for backend, response in [
            (self.backend(), {"email_verified": True}),
            (self.backend(id_token={"email_verified": True}), {}),
            (self.backend(), {"email_verified": "true"}),
            (self.backend("github"), {"emails": github_emails("ANN@example.com", True)}),
        ]:
            result = social_pipeline.associate_by_verified_email(backend, {"email": "Ann@Example.com"}, response)
            self.assertEqual(result, {"user": user, "is_new": False}, response)
        user.refresh_from_db()
        self.assertTrue(user.is_active)  # the provider proved the address

    def test_refuses_an_unverified_address_of_an_existing_account(self):
        User.objects.create_user("ann@example.com", "pw-12345678")
        for backend, response in [
            (self.backend(), {}),
            (self.backend(), {"email_verified": False}),
            (self.backend("github"), {"emails": github_emails("ann@example.com", False)}),
            (self.backend("github"), {"emails": github_emails("other@example.com", True)}),
        ]:
            with self.assertRaises(AuthAssociationError) as raised:
                social_pipeline.associate_by_verified_email(backend, {"email": "ann@example.com"}, response)
            self.assertEqual(str(raised.exception), "This email address is already in use.")

    def test_new_addresses_and_linked_identities_pass(self):
        backend = self.backend()
        self.assertIsNone(social_pipeline.associate_by_verified_email(backend, {"email": "new@example.com"}, {}))
        linked = User.objects.create_user("ann@example.com", "pw-12345678")
        self.assertIsNone(social_pipeline.associate_by_verified_email(backend, {"email": "x@y.z"}, {}, user=linked))
        with self.assertRaises(AuthResponseError):
            social_pipeline.associate_by_verified_email(backend, {"email": ""}, {})
        created = social_pipeline.create_user(backend, {"email": "New@Example.com", "first_name": "N", "last_name": "E"})
        self.assertTrue(created["is_new"])
        self.assertEqual((created["user"].email, created["user"].name), ("new@example.com", "N E"))
        self.assertFalse(created["user"].has_usable_password())
