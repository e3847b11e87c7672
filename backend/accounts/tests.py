"""Run: AUTH_MODE=test AUTH_FAST_HASHER=1 .venv/bin/python manage.py test accounts (from backend/).

The classes also force the fast hasher themselves, so they stay fast without it. Throttling is
on (settings' default rates): ApiTestCase empties the throttles' cache before each test.
"""
import email
import io
import json
import os
import re
import tempfile
import time
from contextlib import redirect_stdout
from email import policy
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.test import TestCase, override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt import settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts import faults, health
from accounts.processes import run_backend_python
from accounts.management.commands.runserver import Command as RunserverCommand
from accounts.management.commands.runserver import NoDelayWSGIServer
from accounts.models import User

FAST = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
PASSWORD = "s3cret-Pass!x"


def links(message_body):
    return re.findall(r"https?://\S+", message_body)



class ApiTestCase(TestCase):
    def setUp(self):
        cache.clear()  # the throttles' counts
        self.client = APIClient()

    def register(self, email_address, **extra):
        body = {"email": email_address, "password": PASSWORD, "re_password": PASSWORD, **extra}
        return self.client.post("/auth/users/", body, format="json")

    def login(self, email_address, password=PASSWORD):
        return self.client.post(
            "/auth/jwt/create/", {"email": email_address, "password": password}, format="json"
        )

    def active_user(self, email_address="alice@example.com", **extra):
        return User.objects.create_user(email_address, PASSWORD, **extra)


@FAST
class EmailCaseTests(ApiTestCase):
    def test_manager_and_save_lower_case(self):
        user = User.objects.create_user("  Alice@Example.COM ", PASSWORD)
        self.assertEqual(user.email, "alice@example.com")
        user.email = "ALICE@EXAMPLE.COM"
        user.save()
        user.refresh_from_db()
        self.assertEqual(user.email, "alice@example.com")
        # Lookups are case-insensitive too.
        self.assertEqual(User.objects.get(email="aLiCe@example.com"), user)

    def test_register_lower_cases_and_takes_other_case_for_the_same_address(self):
        response = self.register("Alice@Example.com", name="Alice A", username="alice")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(
            response.json(),
            {"id": response.json()["id"], "email": "alice@example.com", "name": "Alice A", "username": "alice"},
        )
        # The same address in another case: answered like a new one (no enumeration), but it
        # creates nothing, and the owner is told (accounts/test_safety.py).
        response = self.register("ALICE@example.COM")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["email"], "alice@example.com")
        self.assertEqual(User.objects.count(), 1)
        self.assertEqual([m.to for m in mail.outbox], [["alice@example.com"], ["alice@example.com"]])

    def test_login_any_case(self):
        self.active_user("alice@example.com")
        for spelling in ("alice@example.com", "Alice@Example.com", "ALICE@EXAMPLE.COM"):
            response = self.login(spelling)
            self.assertEqual(response.status_code, 200, spelling)
            self.assertEqual(set(response.json()), {"access", "refresh"})
        response = self.login("Alice@Example.com", "wrong-password")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(
            response.json(), {"detail": "No active account found with the given credentials"}
        )


@FAST
class MeTests(ApiTestCase):
    def test_me_shape_and_patch(self):
        user = self.active_user(name="Alice Beta A", username="alice")
        access = self.login("alice@example.com").json()["access"]

        self.assertEqual(self.client.get("/auth/users/me/").status_code, 401)
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        self.assertEqual(self.client.get("/auth/users/me/").status_code, 401)

        self.client.credentials(HTTP_AUTHORIZATION=f"JWT {access}")
        response = self.client.get("/auth/users/me/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                "id": user.pk,
                "email": "alice@example.com",
                "username": "alice",
                "name": "Alice Beta A",
                "first_name": "Alice",
                "last_name": "Beta A",
                "subscription_status": "none",
                "has_active_subscription": False,
            },
        )

        # Only name and username can change; the rest is silently ignored.
        response = self.client.patch(
            "/auth/users/me/",
            {
                "name": "Al",
                "username": "al",
                "email": "mallory@example.com",
                "subscription_status": "active",
                "has_active_subscription": True,
            },
            format="json",
        )
        self.assertEqual(response.status_code, 200)
        user.refresh_from_db()
        self.assertEqual((user.name, user.username), ("Al", "al"))
        self.assertEqual(user.email, "alice@example.com")
        self.assertEqual((user.subscription_status, user.has_active_subscription), ("none", False))
        self.assertEqual((response.json()["first_name"], response.json()["last_name"]), ("Al", ""))


@FAST
class TokenTests(ApiTestCase):
    def refresh(self, token):
        return self.client.post("/auth/jwt/refresh/", {"refresh": token}, format="json")

    def test_health_pid_and_refresh_counter(self):
        before = self.client.get("/health/").json()
        self.assertEqual(before["pid"], os.getpid())
        self.active_user()
        refresh = self.login("alice@example.com").json()["refresh"]
        self.assertEqual(self.refresh(refresh).status_code, 200)
        self.assertEqual(self.refresh("garbage").status_code, 401)  # counted too
        self.client.post("/auth/jwt/refresh", {"refresh": "x"}, format="json")  # no slash
        self.client.get("/auth/jwt/refresh/")  # not a POST: not counted
        after = self.client.get("/health/").json()
        self.assertEqual(after["refresh_calls"] - before["refresh_calls"], 3)
        self.assertEqual(health.refresh_calls(), after["refresh_calls"])

    def test_rotation_blacklists_old_refresh(self):
        self.active_user()
        refresh = self.login("alice@example.com").json()["refresh"]
        response = self.refresh(refresh)
        self.assertEqual(response.status_code, 200)
        self.assertNotEqual(response.json()["refresh"], refresh)
        # Presented again at once: the overlap answers the same pair again, as often as asked
        # within it (a lost answer, or tabs refreshing at once: refresh_policy/test_families.py).
        self.assertEqual(self.refresh(refresh).json(), response.json())
        self.assertEqual(self.refresh(refresh).json(), response.json())
        # Once the new token was used, the old one is refused.
        self.assertEqual(self.refresh(response.json()["refresh"]).status_code, 200)
        response = self.refresh(refresh)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json(), {"detail": "Token is blacklisted", "code": "token_not_valid"})

    def test_blacklist_view_revokes(self):
        self.active_user()
        refresh = self.login("alice@example.com").json()["refresh"]
        response = self.client.post("/auth/jwt/blacklist/", {"refresh": refresh}, format="json")
        self.assertEqual((response.status_code, response.json()), (200, {}))
        response = self.refresh(refresh)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["detail"], "Token is blacklisted")
        response = self.client.post("/auth/jwt/blacklist/", {"refresh": refresh}, format="json")
        self.assertEqual(response.status_code, 401)


@FAST
class RegistrationEmailTests(ApiTestCase):
    def test_register_sends_activation_link_to_spa(self):
        response = self.register("Bob@Example.com")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["bob@example.com"])
        [link] = links(message.body)
        prefix = settings.SPA_ORIGIN + "/user-activation/"
        self.assertTrue(link.startswith(prefix), link)
        uid, token = link[len(prefix):].split("/")

        self.assertEqual(self.login("bob@example.com").status_code, 401)  # not active yet
        activation = {"uid": uid, "token": token}
        response = self.client.post("/auth/users/activation/", activation, format="json")
        self.assertEqual(response.status_code, 204)
        response = self.client.post("/auth/users/activation/", activation, format="json")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json(), {"detail": "Stale token for given user."})
        self.assertEqual(self.login("BOB@example.com").status_code, 200)

    def test_file_outbox_and_printed_links(self):
        self.active_user()
        with tempfile.TemporaryDirectory() as outbox, override_settings(
            EMAIL_BACKEND="accounts.email.OutboxEmailBackend",
            EMAIL_FILE_PATH=outbox,
            AUTH_PRINT_LINKS=True,
        ):
            stdout = io.StringIO()
            with redirect_stdout(stdout):
                response = self.client.post(
                    "/auth/users/reset_password/", {"email": "Alice@example.com"}, format="json"
                )
            self.assertEqual(response.status_code, 204)
            [name] = os.listdir(outbox)
            raw = Path(outbox, name).read_bytes()
        message = email.message_from_bytes(raw, policy=policy.default)
        self.assertEqual(message["To"], "alice@example.com")
        [link] = links(message.get_body(("plain",)).get_content())
        self.assertTrue(link.startswith(settings.SPA_ORIGIN + "/confirm-password-reset/"), link)
        self.assertEqual(stdout.getvalue(), f"[email to alice@example.com] {link}\n")


@FAST
class CommandTests(TestCase):
    def test_create_active_user(self):
        out = io.StringIO()
        call_command("create_active_user", "Carol@Example.com", "pw", name="Carol C", username="carol", stdout=out)
        user = User.objects.get(pk=int(out.getvalue()))
        self.assertEqual((user.email, user.name, user.username), ("carol@example.com", "Carol C", "carol"))
        self.assertTrue(user.is_active)
        self.assertTrue(user.check_password("pw"))
        with self.assertRaises(CommandError):
            call_command("create_active_user", "carol@example.com", "pw", stdout=io.StringIO())

    def test_runserver_nodelay_switch(self):
        with override_settings(AUTH_TCP_NODELAY=True):
            self.assertIs(RunserverCommand().server_cls, NoDelayWSGIServer)
        with override_settings(AUTH_TCP_NODELAY=False):
            self.assertIsNot(RunserverCommand().server_cls, NoDelayWSGIServer)


FAULTS = "POST /auth/jwt/create/=500-html,200-empty;GET /auth/users/me/=200-blank"
WITH_FAULTS = settings.MIDDLEWARE[:2] + ["accounts.faults.FaultMiddleware"] + settings.MIDDLEWARE[2:]


@FAST
class FaultTests(ApiTestCase):
    def test_off_unless_configured(self):
        self.assertNotIn("accounts.faults.FaultMiddleware", settings.MIDDLEWARE)
        self.active_user()
        with override_settings(MIDDLEWARE=WITH_FAULTS, AUTH_FAULTS=""):
            self.assertEqual(self.login("alice@example.com").status_code, 200)

    def test_rules_answer_in_turn_then_pass_through(self):
        self.active_user()
        origin = {"HTTP_ORIGIN": settings.SPA_ORIGIN}
        with override_settings(MIDDLEWARE=WITH_FAULTS, AUTH_FAULTS=FAULTS):
            client = APIClient()
            credentials = {"email": "alice@example.com", "password": PASSWORD}
            answers = [
                client.post("/auth/jwt/create/", credentials, format="json", **origin) for _ in range(3)
            ]
            self.assertEqual([a.status_code for a in answers], [500, 200, 200])
            self.assertTrue(answers[0]["Content-Type"].startswith("text/html"))
            self.assertIn(b"<h1>", answers[0].content)
            self.assertEqual(answers[1].content, b"{}")
            self.assertEqual(set(answers[2].json()), {"access", "refresh"})
            # The faulty answers still carry CORS headers, so the SPA can read them.
            self.assertEqual(answers[0]["Access-Control-Allow-Origin"], settings.SPA_ORIGIN)
            client.credentials(HTTP_AUTHORIZATION=f"JWT {answers[2].json()['access']}")
            me = [client.get("/auth/users/me/") for _ in range(2)]
            self.assertEqual((me[0].status_code, me[0].content), (200, b""))
            self.assertEqual(me[1].json()["email"], "alice@example.com")
            # Other methods and paths are untouched.
            refresh = client.post("/auth/jwt/refresh/", {"refresh": "x"}, format="json")
            self.assertEqual(refresh.status_code, 401)

    def test_instant_access_token_has_exp_equal_to_iat(self):
        self.active_user()
        refresh = self.login("alice@example.com").json()["refresh"]
        with override_settings(MIDDLEWARE=WITH_FAULTS, AUTH_FAULTS="POST /auth/jwt/refresh/=200-instant"):
            client = APIClient()
            answer = client.post("/auth/jwt/refresh/", {"refresh": refresh}, format="json")
            self.assertEqual(answer.status_code, 200)
            access = AccessToken(answer.json()["access"], verify=False)
            self.assertEqual(access["exp"], access["iat"])
            self.assertIn("refresh", answer.json())

    def test_delay_holds_the_real_answer_back(self):
        self.active_user()
        refresh = self.login("alice@example.com").json()["refresh"]
        with override_settings(MIDDLEWARE=WITH_FAULTS, AUTH_FAULTS="POST /auth/jwt/refresh/=delay-300"):
            client = APIClient()
            started = time.monotonic()
            answer = client.post("/auth/jwt/refresh/", {"refresh": refresh}, format="json")
            self.assertGreaterEqual(time.monotonic() - started, 0.3)
            self.assertEqual(answer.status_code, 200)
            self.assertEqual(set(answer.json()), {"access", "refresh"})
            # The view ran: the old refresh token is spent (rotation), the new one is good.
            spent = RefreshToken(refresh, verify=False)["jti"]
            self.assertTrue(BlacklistedToken.objects.filter(token__jti=spent).exists())
            started = time.monotonic()
            fresh = client.post("/auth/jwt/refresh/", {"refresh": answer.json()["refresh"]}, format="json")
            self.assertEqual(fresh.status_code, 200)
            # Only the first matching request was held back.
            self.assertLess(time.monotonic() - started, 0.3)

    def test_typos_are_refused(self):
        self.assertEqual(faults.parse(FAULTS)[("GET", "/auth/users/me/")], [(200, "blank")])
        self.assertEqual(
            faults.parse("POST /auth/jwt/refresh/=delay-3000,200-instant")[("POST", "/auth/jwt/refresh/")],
            [("delay", 3000), (200, "instant")],
        )
        for spec in (
            "POST /auth/jwt/create/",
            "FETCH /x/=500-html",
            "GET /x/=500-xml",
            "GET /x/=5000-html",
            "GET /x/=delay",
            "GET /x/=delay-soon",
            "GET /x/=delay-1234567",
        ):
            with self.assertRaises(ImproperlyConfigured, msg=spec):
                faults.parse(spec)




# SimpleJWT's modules hold its settings object from import time (override_settings would
# replace it only in rest_framework_simplejwt.settings): switch it on in that object.
REVOKE_ON_PASSWORD_CHANGE = mock.patch.object(jwt_settings.api_settings, "CHECK_REVOKE_TOKEN", True)


@FAST
class AccountTests(ApiTestCase):
    """The signed-in account's own endpoints: set_email/, reset_email/ and DELETE users/me/."""

    def sign_in_as(self, email_address, password=PASSWORD):
        response = self.login(email_address, password)
        self.assertEqual(response.status_code, 200, response.content)
        self.client.credentials(HTTP_AUTHORIZATION=f"JWT {response.json()['access']}")
        return response.json()

    def set_email(self, new, again=None, password=PASSWORD):
        body = {"new_email": new, "re_new_email": new if again is None else again, "current_password": password}
        return self.client.post("/auth/users/set_email/", body, format="json")

    def test_set_email_asks_twice_and_tells_the_old_address(self):
        user = self.active_user("alice@example.com")
        self.active_user("taken@example.com")
        self.sign_in_as("alice@example.com")

        refusals = [
            (self.set_email("new@example.com", password="wrong"), {"current_password": ["Invalid password."]}),
            (self.set_email("Taken@Example.com"), {"new_email": ["user with this email already exists."]}),
            (self.set_email("nope"), {"new_email": ["Enter a valid email address."]}),
            (
                self.set_email("new@example.com", again="other@example.com"),
                {"non_field_errors": ["The two email fields didn't match."]},
            ),
        ]
        for response, body in refusals:
            self.assertEqual((response.status_code, response.json()), (400, body))
        # SET_USERNAME_RETYPE: the repeat is required.
        response = self.client.post(
            "/auth/users/set_email/", {"new_email": "new@example.com", "current_password": PASSWORD}, format="json"
        )
        self.assertEqual(response.json(), {"re_new_email": ["This field is required."]})
        user.refresh_from_db()
        self.assertEqual(user.email, "alice@example.com")
        self.assertEqual(mail.outbox, [])

        response = self.set_email("New@Example.com")
        self.assertEqual(response.status_code, 204, response.content)
        user.refresh_from_db()
        self.assertEqual(user.email, "new@example.com")
        self.assertEqual(self.client.get("/auth/users/me/").json()["email"], "new@example.com")
        self.assertEqual(self.login("alice@example.com").status_code, 401)
        self.assertEqual(self.login("new@example.com").status_code, 200)
        # USERNAME_CHANGED_EMAIL_CONFIRMATION, to the address replaced (Djoser writes to the new one).
        [notice] = mail.outbox
        self.assertEqual(notice.to, ["alice@example.com"])
        self.assertIn("email you sign in with has changed", notice.subject)
        self.assertIn("is now new@example.com", notice.body)

    def test_reset_email_link_sets_a_new_address_once(self):
        user = self.active_user("alice@example.com")
        # An unknown address gets the same answer and no email.
        response = self.client.post("/auth/users/reset_email/", {"email": "nobody@example.com"}, format="json")
        self.assertEqual(response.status_code, 204)
        self.assertEqual(mail.outbox, [])

        response = self.client.post("/auth/users/reset_email/", {"email": "Alice@Example.com"}, format="json")
        self.assertEqual(response.status_code, 204)
        [message] = mail.outbox
        self.assertEqual(message.to, ["alice@example.com"])
        [link] = links(message.body)
        prefix = settings.SPA_ORIGIN + "/confirm-email-reset/"
        self.assertTrue(link.startswith(prefix), link)
        uid, token = link[len(prefix):].split("/")

        def confirm(new, again=None, token=token):
            body = {"uid": uid, "token": token, "new_email": new, "re_new_email": new if again is None else again}
            return self.client.post("/auth/users/reset_email_confirm/", body, format="json")

        response = confirm("new@example.com", again="New@example.com")
        self.assertEqual(response.json(), {"non_field_errors": ["The two email fields didn't match."]})
        response = confirm("new@example.com", token="1-bad")
        self.assertEqual(response.json(), {"token": ["Invalid token for given user."]})
        response = confirm("new@example.com")
        self.assertEqual(response.status_code, 204, response.content)
        user.refresh_from_db()
        self.assertEqual(user.email, "new@example.com")
        self.assertEqual(self.login("new@example.com").status_code, 200)
        self.assertEqual(mail.outbox[-1].to, ["alice@example.com"])
        # The token covers the address it changed: the link works once.
        response = confirm("third@example.com")
        self.assertEqual((response.status_code, response.json()), (400, {"token": ["Invalid token for given user."]}))

    def test_delete_me_needs_the_password(self):
        self.active_user("alice@example.com")
        tokens = self.sign_in_as("alice@example.com")
        response = self.client.delete("/auth/users/me/", {"current_password": "wrong"}, format="json")
        self.assertEqual((response.status_code, response.json()), (400, {"current_password": ["Invalid password."]}))
        self.assertTrue(User.objects.filter(email="alice@example.com").exists())

        response = self.client.delete("/auth/users/me/", {"current_password": PASSWORD}, format="json")
        self.assertEqual(response.status_code, 204, response.content)
        self.assertFalse(User.objects.filter(email="alice@example.com").exists())
        self.assertEqual(self.login("alice@example.com").status_code, 401)
        response = self.client.get("/auth/users/me/")
        self.assertEqual((response.status_code, response.json()["code"]), (401, "user_not_found"))
        # What a tab that missed the sign-out meets when it refreshes: a refusal, not a 500
        # (which it would take for an outage and retry).
        response = self.client.post("/auth/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json")
        self.assertEqual(
            (response.status_code, response.json()),
            (401, {"detail": "No active account found for the given token."}),
        )

    @REVOKE_ON_PASSWORD_CHANGE
    def test_check_revoke_token_refuses_tokens_from_before_a_password_change(self):
        self.active_user("alice@example.com")
        before = self.sign_in_as("alice@example.com")
        body = {"current_password": PASSWORD, "new_password": "An0ther-pass!", "re_new_password": "An0ther-pass!"}
        self.assertEqual(self.client.post("/auth/users/set_password/", body, format="json").status_code, 204)
        response = self.client.get("/auth/users/me/")
        self.assertEqual((response.status_code, response.json()["code"]), (401, "password_changed"))
        # The change revoked the refresh token too (accounts/views.py; stock SimpleJWT 5.5 would
        # refresh it, into an access token refused as well): only signing in again helps (what
        # the SPA does after a change).
        response = self.client.post("/auth/jwt/refresh/", {"refresh": before["refresh"]}, format="json")
        self.assertEqual(response.status_code, 401)
        self.sign_in_as("alice@example.com", "An0ther-pass!")
        self.assertEqual(self.client.get("/auth/users/me/").status_code, 200)

    def test_check_revoke_token_is_off_unless_the_environment_says(self):
        script = (
            "import django; django.setup()\n"
            "from rest_framework_simplejwt.settings import api_settings\n"
            "print(api_settings.CHECK_REVOKE_TOKEN)"
        )
        for value, expected in (("1", "True"), ("", "False")):
            result = run_backend_python(script, AUTH_MODE="test", AUTH_CHECK_REVOKE_TOKEN=value)
            self.assertEqual((result.returncode, result.stdout.strip()), (0, expected), result.stderr)
