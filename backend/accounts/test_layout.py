"""The Djoser layout knobs (issue #12): AUTH_API_PREFIX moves the routes, AUTH_LOGIN_FIELD=username
signs in by username; and usernames, when given, are unique in either mode.

The knobs are read when the URLs and the user model are loaded, so the two modes run in a fresh
process each (like ThrottleTests in tests.py); the constraint is tested here in the default mode.
"""
import json
import os
import subprocess
import sys
import tempfile

from django.test import TestCase
from rest_framework.test import APIClient

from accounts.models import User
from accounts.processes import BACKEND_DIR
from accounts.tests import FAST, PASSWORD

LAYOUT_SCRIPT = """
import json, re, django
django.setup()
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from accounts.models import User

call_command("migrate", verbosity=0)
client = Client(HTTP_HOST="127.0.0.1")
answers = {}

def post(name, path, body):
    r = client.post(path, body, content_type="application/json")
    is_json = r.headers.get("Content-Type") == "application/json"
    answers[name] = [r.status_code, r.json() if is_json and r.content else None]
    return r

def register(username=None, email="alice@example.com"):
    body = {"email": email, "password": PASSWORD, "re_password": PASSWORD}
    if username is not None:
        body["username"] = username
    return body

PASSWORD = "s3cret-Pass!x"
answers["model"] = [User.USERNAME_FIELD, User.REQUIRED_FIELDS]
with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
    post("old prefix", "/auth/users/", register("alice"))
    post("no username", "/api/v1/auth/users/", register())
    post("blank username", "/api/v1/auth/users/", register(""))
    post("register", "/api/v1/auth/users/", register("alice"))
    post("same username", "/api/v1/auth/users/", register("alice", "other@example.com"))
    link = re.search(r"/user-activation/(\\S+)/(\\S+)", mail.outbox[0].body)
    answers["link"] = mail.outbox[0].body[link.start() - 40:link.end()].split()[-1]
    post("activate", "/api/v1/auth/users/activation/", {"uid": link[1], "token": link[2]})
    post("by email", "/api/v1/auth/jwt/create/", {"email": "alice@example.com", "password": PASSWORD})
    tokens = post("by username", "/api/v1/auth/jwt/create/", {"username": "alice", "password": PASSWORD}).json()
    refreshed = post("refresh", "/api/v1/auth/jwt/refresh/", {"refresh": tokens["refresh"]}).json()
    post("blacklist", "/api/v1/auth/jwt/blacklist/", {"refresh": refreshed["refresh"]})
    post("reset by email", "/api/v1/auth/users/reset_password/", {"email": "alice@example.com"})
    answers["reset emails"] = len(mail.outbox) - 1
answers["refresh_calls"] = client.get("/health/").json()["refresh_calls"]
print(json.dumps(answers))
"""


def run_layout(**env):
    """LAYOUT_SCRIPT in a fresh process with the given AUTH_* environment; its answers."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "AUTH_DB_PATH": os.path.join(tmp, "db.sqlite3"),
            "AUTH_FAST_HASHER": "1",
            "AUTH_DEBUG": "0",
            **env,
        }
        result = subprocess.run(
            [sys.executable, "-c", LAYOUT_SCRIPT],
            cwd=BACKEND_DIR, env=env, capture_output=True, text=True, timeout=120,
        )
    if result.returncode != 0:
        raise AssertionError(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


class LayoutTests(TestCase):
    def test_prefix_and_username_sign_in(self):
        answers = run_layout(
            AUTH_API_PREFIX="api/v1/auth/",
            AUTH_LOGIN_FIELD="username",
            AUTH_SPA_ORIGIN="http://spa.test:8080",
            AUTH_SPA_PATH="/account/",
        )
        self.assertEqual(answers["model"], ["username", ["email"]])
        # The routes moved: nothing left under auth/.
        self.assertEqual(answers["old prefix"][0], 404)
        # Registration requires a username, unique.
        self.assertEqual(answers["no username"], [400, {"username": ["This field is required."]}])
        self.assertEqual(answers["blank username"], [400, {"username": ["This field may not be blank."]}])
        self.assertEqual(answers["register"][0], 201, answers["register"])
        self.assertEqual(answers["register"][1]["username"], "alice")
        self.assertEqual(answers["same username"][0], 400, answers["same username"])
        self.assertIn("username", answers["same username"][1])
        # The emailed link points under the SPA's path.
        self.assertTrue(
            answers["link"].startswith("http://spa.test:8080/account/user-activation/"), answers["link"]
        )
        self.assertEqual(answers["activate"][0], 204, answers["activate"])
        # Sign-in takes the username (SimpleJWT reads the model's USERNAME_FIELD), not the email.
        self.assertEqual(answers["by email"], [400, {"username": ["This field is required."]}])
        self.assertEqual(answers["by username"][0], 200, answers["by username"])
        self.assertEqual(answers["refresh"][0], 200, answers["refresh"])
        self.assertEqual(answers["blacklist"], [200, {}])
        # Resetting the password stays by email.
        self.assertEqual((answers["reset by email"][0], answers["reset emails"]), (204, 1))
        # /health/ counts refreshes under the prefix.
        self.assertEqual(answers["refresh_calls"], 1)

    def test_bad_login_field_is_refused_at_start(self):
        with self.assertRaisesRegex(AssertionError, "AUTH_LOGIN_FIELD must be email or username"):
            run_layout(AUTH_LOGIN_FIELD="phone")


@FAST
class UniqueUsernameTests(TestCase):
    """Default mode (sign-in by email): the username stays optional, and unique when given."""

    def setUp(self):
        self.client = APIClient()

    def register(self, email_address, username):
        body = {"email": email_address, "password": PASSWORD, "re_password": PASSWORD, "username": username}
        return self.client.post("/auth/users/", body, format="json")

    def test_empty_usernames_may_repeat_but_others_may_not(self):
        self.assertEqual(self.register("a@example.com", "").status_code, 201)
        self.assertEqual(self.register("b@example.com", "").status_code, 201)
        self.assertEqual(self.register("c@example.com", "carol").status_code, 201)
        response = self.register("d@example.com", "carol")
        self.assertEqual(
            (response.status_code, response.json()),
            (400, {"username": ["user with this username already exists."]}),
        )

    def test_profile_cannot_take_someone_elses_username(self):
        User.objects.create_user("carol@example.com", PASSWORD, username="carol")
        User.objects.create_user("dave@example.com", PASSWORD)
        token = self.client.post(
            "/auth/jwt/create/", {"email": "dave@example.com", "password": PASSWORD}, format="json"
        ).json()["access"]
        self.client.credentials(HTTP_AUTHORIZATION=f"JWT {token}")
        response = self.client.patch("/auth/users/me/", {"username": "carol"}, format="json")
        self.assertEqual((response.status_code, list(response.json())), (400, ["username"]))
        response = self.client.patch("/auth/users/me/", {"username": ""}, format="json")
        self.assertEqual(response.status_code, 200)
