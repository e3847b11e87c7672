"""The settings a deployment lives with, each read by a fresh backend process
(accounts.processes): modes and keys, DEBUG, /health/, and the throttles on by default."""
import json
import sys
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import TestCase, override_settings

from accounts.processes import run_backend_python


THROTTLE_SCRIPT = """
import json, sys, django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
path, body = sys.argv[1], json.loads(sys.argv[2])
client = Client(HTTP_HOST="127.0.0.1", HTTP_ORIGIN=settings.SPA_ORIGIN)
answers = []
for _ in range(3):
    r = client.post(path, body, content_type="application/json")
    answers.append([r.status_code, r.headers.get("Retry-After"),
                    r.headers.get("Access-Control-Allow-Origin"), r.json()])
# Another endpoint, after the three.
r = client.post("/auth/jwt/verify/", {"token": "x"}, content_type="application/json")
answers.append([r.status_code])
print(json.dumps(answers))
"""

RATES_SCRIPT = """
import json, django
django.setup()
from rest_framework.settings import api_settings
print(json.dumps([api_settings.DEFAULT_THROTTLE_RATES,
                  [c.__name__ for c in api_settings.DEFAULT_THROTTLE_CLASSES]]))
"""


class ThrottleTests(TestCase):
    # DRF reads throttle settings into class attributes at import time, so override_settings
    # can't change them: run a fresh process with the environment variables the way the server
    # gets them.
    def throttled(self, path, body, **env):
        result = run_backend_python(
            ["-c", THROTTLE_SCRIPT, path, json.dumps(body)], AUTH_MODE="test", **env
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout.strip().splitlines()[-1])

    def assert_429(self, answer):
        status, retry_after, allow_origin, body = answer
        self.assertEqual(status, 429)
        self.assertTrue(retry_after and 0 < int(retry_after) <= 60, retry_after)
        # CorsMiddleware comes first: the SPA can read the 429 and its Retry-After.
        self.assertEqual(allow_origin, settings.SPA_ORIGIN)
        self.assertTrue(body["detail"].startswith("Request was throttled."), body)

    def test_env_rates_give_429_with_retry_after(self):
        answers = self.throttled("/auth/jwt/verify/", {"token": "x"}, AUTH_THROTTLE_ANON="2/min")
        self.assertEqual([a[0] for a in answers], [401, 401, 429, 429])
        self.assert_429(answers[2])

    def test_login_scope_counts_sign_ins_only(self):
        credentials = {"email": "nobody@example.com", "password": "wrong-password"}
        answers = self.throttled(
            "/auth/jwt/create/", credentials, AUTH_THROTTLE_LOGIN="2/min", AUTH_THROTTLE_ANON="off"
        )
        # The third sign-in from this IP is throttled; other endpoints are not.
        self.assertEqual([a[0] for a in answers], [401, 401, 429, 401])
        self.assert_429(answers[2])

    def test_on_by_default_and_off_switch(self):
        result = run_backend_python(RATES_SCRIPT, AUTH_MODE="test")
        self.assertEqual(result.returncode, 0, result.stderr)
        rates, classes = json.loads(result.stdout)
        self.assertEqual(
            rates,
            {"anon": "60/min", "user": "300/min", "login": "10/min", "login_account": "30/hour", "refresh": "120/min"},
        )
        self.assertEqual(
            classes,
            ["AnonRateThrottle", "UserRateThrottle", "LoginRateThrottle", "LoginAccountRateThrottle", "RefreshRateThrottle"],
        )
        result = run_backend_python(
            RATES_SCRIPT, AUTH_MODE="test", AUTH_THROTTLE_ANON="off", AUTH_THROTTLE_USER="5/min",
            AUTH_THROTTLE_LOGIN="1000/hour", AUTH_THROTTLE_LOGIN_ACCOUNT="off", AUTH_THROTTLE_REFRESH="7/s",
        )
        self.assertEqual(
            json.loads(result.stdout)[0],
            {"anon": None, "user": "5/min", "login": "1000/hour", "login_account": None, "refresh": "7/s"},
        )
        result = run_backend_python(RATES_SCRIPT, AUTH_MODE="test", AUTH_THROTTLE_LOGIN="10 per minute")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("AUTH_THROTTLE_LOGIN='10 per minute': want e.g. 10/min", result.stderr)


MODE_SCRIPT = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
print(json.dumps({"debug": settings.DEBUG, "health": client.get("/health/").status_code,
                  "signing_key_is_secret": settings.SIMPLE_JWT["SIGNING_KEY"] == settings.SECRET_KEY}))
"""
KEY = "k" * 20 + "-0123456789abcdefghij"  # 41 characters


class ModeTests(TestCase):
    """AUTH_MODE: production (the default) needs its own key, has DEBUG off and no /health/."""

    def test_production_refuses_to_start_without_a_secret(self):
        for mode in ({"AUTH_MODE": "production"}, {}):  # production is the default
            result = run_backend_python(["manage.py", "check"], **mode)
            self.assertNotEqual(result.returncode, 0, mode)
            self.assertIn("ImproperlyConfigured: AUTH_SECRET_KEY is not set: AUTH_MODE=production needs", result.stderr)
        result = run_backend_python(["manage.py", "check"], AUTH_MODE="production", AUTH_SECRET_KEY="short")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("AUTH_SECRET_KEY: AUTH_MODE=production needs at least 32 random characters", result.stderr)
        result = run_backend_python(
            ["manage.py", "check"], AUTH_MODE="production", AUTH_SECRET_KEY=KEY, AUTH_SIGNING_KEY="short"
        )
        self.assertIn("AUTH_SIGNING_KEY: AUTH_MODE=production needs at least 32", result.stderr)

    def test_production_starts_with_a_secret(self):
        result = run_backend_python(["manage.py", "check"], AUTH_MODE="production", AUTH_SECRET_KEY=KEY)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("System check identified no issues", result.stdout)

    def test_debug_off_by_default_and_health_in_dev_and_test_only(self):
        cases = [
            ({"AUTH_MODE": "production", "AUTH_SECRET_KEY": KEY}, {"debug": False, "health": 404}),
            # Production with AUTH_DEBUG=1 refuses to start (accounts/test_safety.py).
            ({"AUTH_MODE": "test"}, {"debug": False, "health": 200}),
            ({"AUTH_MODE": "dev"}, {"debug": True, "health": 200}),
            ({"AUTH_MODE": "dev", "AUTH_DEBUG": "0"}, {"debug": False, "health": 200}),
        ]
        for env, expected in cases:
            result = run_backend_python(MODE_SCRIPT, **env)
            self.assertEqual(result.returncode, 0, result.stderr)
            answer = json.loads(result.stdout.strip().splitlines()[-1])
            self.assertEqual({k: answer[k] for k in expected}, expected, env)
            self.assertTrue(answer["signing_key_is_secret"])

    def test_separate_signing_key_and_test_only_switches(self):
        script = "import django; django.setup(); from django.conf import settings; print(settings.SIMPLE_JWT['SIGNING_KEY'])"
        result = run_backend_python(script, AUTH_MODE="production", AUTH_SECRET_KEY=KEY, AUTH_SIGNING_KEY=KEY[::-1])
        self.assertEqual(result.stdout.strip(), KEY[::-1], result.stderr)
        for switch in ({"AUTH_FAULTS": "GET /x/=500-html"}, {"AUTH_FAST_HASHER": "1"}):
            result = run_backend_python(["manage.py", "check"], AUTH_MODE="production", AUTH_SECRET_KEY=KEY, **switch)
            self.assertNotEqual(result.returncode, 0, switch)
            self.assertIn("is for tests: set AUTH_MODE=test", result.stderr)
        result = run_backend_python(["manage.py", "check"], AUTH_MODE="staging")
        self.assertIn("AUTH_MODE='staging': want one of dev, test, production", result.stderr)
