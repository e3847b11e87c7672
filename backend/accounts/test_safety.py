"""Safe defaults (issue #19): throttles that can't take an office down, sign-in attempts limited per
account, enumeration-free registration, production's refusals, no-store on tokens and profiles,
and the warning about X-Forwarded-For without a configured proxy."""
import json

from django.core import mail
from django.test import TestCase

from accounts.models import User
from accounts.processes import run_backend_python
from accounts.tests import FAST, PASSWORD, ApiTestCase, links

KEY = "k" * 20 + "-0123456789abcdefghij"

# 61 users, each signed in once (tokens made directly: the sign-in throttles are not what this
# is about), then each refreshes once, all from one address, within a minute.
REFRESH_SCRIPT = """
import json, sys, django
django.setup()
from django.core.management import call_command
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken
from accounts.models import User
call_command("migrate", verbosity=0)
path, count, same_user = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
users = [User.objects.create(email=f"user{n}@example.com") for n in range(1 if same_user else count)]
tokens = [str(RefreshToken.for_user(users[0 if same_user else n])) for n in range(count)]
client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.0.0.1")
statuses = [client.post(path, {"refresh": token}, content_type="application/json").status_code for token in tokens]
garbage = [client.post(path, {"refresh": "garbage"}, content_type="application/json").status_code for _ in range(3)]
print(json.dumps([statuses, garbage]))
"""

LOGIN_SCRIPT = """
import json, sys, django
django.setup()
from django.core.management import call_command
from django.test import Client
from accounts.models import User
call_command("migrate", verbosity=0)
User.objects.create_user("alice@example.com", "right-Pass!x")
User.objects.create_user("bob@example.com", "right-Pass!x")
answers = []
def sign_in(email, password, address):
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=address)
    r = client.post("/auth/jwt/create/", {"email": email, "password": password}, content_type="application/json")
    answers.append(r.status_code)
for n in range(3):
    sign_in("alice@example.com", "right-Pass!x", f"10.0.1.{n}")  # successes don't count
for n in range(4):
    sign_in("Alice@Example.com", "wrong", f"10.0.0.{n}")  # each from another address
sign_in("alice@example.com", "right-Pass!x", "10.0.2.1")
sign_in("bob@example.com", "right-Pass!x", "10.0.0.1")
print(json.dumps(answers))
"""


class RefreshThrottleTests(TestCase):
    def run_refreshes(self, path, count, same_user=False, **env):
        result = run_backend_python(["-c", REFRESH_SCRIPT, path, str(count), "1" if same_user else "0"], AUTH_MODE="test", **env)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout.strip().splitlines()[-1])

    def test_61_refreshes_of_different_users_from_one_address_all_answer(self):
        statuses, _ = self.run_refreshes("/auth/jwt/refresh/", 61)
        self.assertEqual(statuses, [200] * 61)

    def test_neither_the_anon_nor_the_user_scope_counts_them(self):
        statuses, _ = self.run_refreshes(
            "/auth/jwt/refresh/", 61, AUTH_THROTTLE_ANON="5/min", AUTH_THROTTLE_USER="5/min"
        )
        self.assertEqual(statuses, [200] * 61)

    def test_61_sign_outs_of_different_users_from_one_address_all_answer(self):
        statuses, _ = self.run_refreshes("/auth/jwt/blacklist/", 61)
        self.assertEqual(statuses, [200] * 61)

    def test_the_refresh_scope_counts_per_user_and_garbage_per_address(self):
        statuses, garbage = self.run_refreshes("/auth/jwt/refresh/", 3, same_user=True, AUTH_THROTTLE_REFRESH="2/min")
        self.assertEqual(statuses, [200, 200, 429])
        self.assertEqual(garbage, [401, 401, 429])
        statuses, _ = self.run_refreshes("/auth/jwt/refresh/", 3, AUTH_THROTTLE_REFRESH="2/min")
        self.assertEqual(statuses, [200, 200, 200])


class LoginAccountThrottleTests(TestCase):
    def test_failed_sign_ins_are_limited_per_account(self):
        result = run_backend_python(
            LOGIN_SCRIPT, AUTH_MODE="test", AUTH_THROTTLE_LOGIN_ACCOUNT="3/min",
            AUTH_THROTTLE_LOGIN="off", AUTH_THROTTLE_ANON="off",
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        answers = json.loads(result.stdout.strip().splitlines()[-1])
        # Three successes, three failures from three addresses, then this account is throttled
        # (whatever the address or password); another account is not.
        self.assertEqual(answers, [200, 200, 200, 401, 401, 401, 429, 429, 200])


@FAST
class RegistrationTests(ApiTestCase):
    def test_an_existing_address_gets_the_same_answer_and_its_owner_an_email(self):
        owner = self.active_user("alice@example.com", name="Alice A", username="alice")
        new = self.register("Bob@Example.com", name="Bob B")
        self.assertEqual(new.status_code, 201, new.content)
        existing = self.register("Alice@Example.com", name="Mallory M")
        self.assertEqual(existing.status_code, 201, existing.content)
        self.assertEqual(set(existing.json()), set(new.json()))
        answer = existing.json()
        self.assertEqual((answer["email"], answer["name"], answer["username"]), ("alice@example.com", "Mallory M", ""))
        self.assertNotIn("password", json.dumps(answer))
        self.assertIsInstance(answer["id"], int)
        self.assertNotEqual(answer["id"], owner.pk)
        # Nothing changed for the owner, who is told.
        owner.refresh_from_db()
        self.assertEqual((owner.name, owner.username, User.objects.count()), ("Alice A", "alice", 2))
        self.assertTrue(owner.check_password(PASSWORD))
        [activation, notice] = mail.outbox
        self.assertEqual(activation.to, ["bob@example.com"])
        self.assertEqual(notice.to, ["alice@example.com"])
        self.assertIn("tried to create an account", notice.subject.lower() + notice.body.lower())
        self.assertFalse([link for link in links(notice.body) if "/user-activation/" in link])

    def test_an_inactive_existing_account_gets_an_activation_link(self):
        User.objects.create_user("alice@example.com", PASSWORD, is_active=False)
        self.assertEqual(self.register("alice@example.com").status_code, 201)
        [notice] = mail.outbox
        [link] = [link for link in links(notice.body) if "/user-activation/" in link]
        uid, token = link.rstrip("/").split("/")[-2:]
        response = self.client.post("/auth/users/activation/", {"uid": uid, "token": token}, format="json")
        self.assertEqual(response.status_code, 204)

    def test_errors_do_not_tell_either(self):
        self.active_user("alice@example.com")
        for address in ("alice@example.com", "bob@example.com"):
            response = self.register(address, password="password", re_password="password")
            self.assertEqual(
                (response.status_code, list(response.json())), (400, ["password"]), (address, response.json())
            )
        self.assertEqual(mail.outbox, [])

    def test_ids_keep_counting(self):
        self.active_user("alice@example.com")
        first = self.register("bob@example.com").json()["id"]
        fake = self.register("alice@example.com").json()["id"]
        third = self.register("carol@example.com").json()["id"]
        self.assertEqual((fake, third), (first + 1, first + 2))


@FAST
class NoStoreTests(ApiTestCase):
    def test_tokens_and_profiles_are_not_stored(self):
        self.active_user("alice@example.com")
        answers = {"register": self.register("bob@example.com"), "create": self.login("alice@example.com")}
        tokens = answers["create"].json()
        answers["refresh"] = self.client.post("/auth/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json")
        self.client.credentials(HTTP_AUTHORIZATION=f"JWT {answers['refresh'].json()['access']}")
        answers["me"] = self.client.get("/auth/users/me/")
        answers["patch me"] = self.client.patch("/auth/users/me/", {"name": "A"}, format="json")
        answers["sessions"] = self.client.get("/auth/sessions/")
        for name, response in answers.items():
            self.assertLess(response.status_code, 300, name)
            self.assertIn("no-store", response.get("Cache-Control", ""), name)


PRODUCTION = {"AUTH_MODE": "production", "AUTH_SECRET_KEY": KEY}

XFF_SCRIPT = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
for _ in range(3):
    client.post("/auth/jwt/verify/", {"token": "x"}, content_type="application/json", HTTP_X_FORWARDED_FOR="203.0.113.9")
print("done")
"""


class ProductionTests(TestCase):
    def check(self, **env):
        return run_backend_python(["manage.py", "check"], **{**PRODUCTION, **env})

    def test_refuses_debug(self):
        result = self.check(AUTH_DEBUG="1")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("ImproperlyConfigured: AUTH_DEBUG=1", result.stderr)
        self.assertEqual(run_backend_python(["manage.py", "check"], AUTH_MODE="dev", AUTH_DEBUG="1").returncode, 0)

    def test_refuses_an_http_spa_origin_that_is_not_loopback(self):
        for origin in ("http://app.example.com", "http://10.0.0.5:8080"):
            result = self.check(AUTH_SPA_ORIGIN=origin)
            self.assertNotEqual(result.returncode, 0, origin)
            self.assertIn("ImproperlyConfigured: AUTH_SPA_ORIGIN", result.stderr)
        for origin in ("https://app.example.com", "http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"):
            result = self.check(AUTH_SPA_ORIGIN=origin)
            self.assertEqual(result.returncode, 0, (origin, result.stderr))

    def test_forwarded_for_without_a_proxy_is_logged_once(self):
        result = run_backend_python(XFF_SCRIPT, **PRODUCTION)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr.count("X-Forwarded-For"), 1, result.stderr)
        self.assertIn("AUTH_NUM_PROXIES", result.stderr)
        # Behind a configured proxy, nothing to say.
        result = run_backend_python(XFF_SCRIPT, AUTH_NUM_PROXIES="1", **PRODUCTION)
        self.assertNotIn("X-Forwarded-For", result.stderr)
