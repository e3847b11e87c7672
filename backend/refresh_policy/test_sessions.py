"""'Where you're signed in' (issue #19): GET {prefix}sessions/, DELETE {prefix}sessions/{id}/ and
POST {prefix}sessions/revoke-others/, over the account's token families."""
import re

from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests import PASSWORD

from .test_families import family_of
from .tests import RefreshPolicyTestCase

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/140.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.5 Mobile/15E148 Safari/604.1"
)
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


class SessionsTestCase(RefreshPolicyTestCase):
    def sign_in_with(self, user_agent, email="alice@example.com"):
        response = self.client.post(
            "/auth/jwt/create/", {"email": email, "password": PASSWORD}, format="json", HTTP_USER_AGENT=user_agent
        )
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def as_(self, tokens):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"JWT {tokens['access']}")
        return client

    def sessions(self, tokens):
        response = self.as_(tokens).get("/auth/sessions/")
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()


class ListTests(SessionsTestCase):
    def test_lists_live_sign_ins_current_first_then_newest(self):
        laptop = self.sign_in_with(FIREFOX_LINUX)
        phone = self.sign_in_with(SAFARI_IPHONE)
        desktop = self.sign_in_with(CHROME_WINDOWS)
        self.assert_refreshes(phone["refresh"])
        listed = self.sessions(laptop)
        self.assertEqual(
            [(s["id"], s["browser"], s["system"], s["current"]) for s in listed],
            [
                (family_of(laptop["refresh"]), "Firefox 153", "Linux", True),
                (family_of(desktop["refresh"]), "Chrome 140", "Windows", False),
                (family_of(phone["refresh"]), "Safari 18", "iOS", False),
            ],
        )
        for session in listed:
            self.assertEqual(
                set(session), {"id", "browser", "system", "signed_in_at", "last_refreshed_at", "current"}
            )
            self.assertRegex(session["signed_in_at"], ISO_UTC)
        self.assertIsNone(listed[0]["last_refreshed_at"])
        self.assertRegex(listed[2]["last_refreshed_at"], ISO_UTC)
        # The current one follows the access token (here a refreshed one of the phone).
        phone_now = self.assert_refreshes(self.sign_in_with(SAFARI_IPHONE)["refresh"])
        self.assertEqual(self.sessions(phone_now)[0]["id"], family_of(phone_now["refresh"]))

    def test_only_live_families_of_the_user(self):
        self.active_user("bob@example.com")
        bob = self.sign_in_with(FIREFOX_LINUX, "bob@example.com")
        alice = self.sign_in_with(CHROME_WINDOWS)
        signed_out = self.sign_in_with(SAFARI_IPHONE)
        self.client.post("/auth/jwt/blacklist/", {"refresh": signed_out["refresh"]}, format="json")
        self.assertEqual([s["id"] for s in self.sessions(alice)], [family_of(alice["refresh"])])
        self.assertEqual([s["id"] for s in self.sessions(bob)], [family_of(bob["refresh"])])

    def test_needs_a_jwt(self):
        self.assertEqual(APIClient().get("/auth/sessions/").status_code, 401)
        response = APIClient().post("/auth/sessions/revoke-others/")
        self.assertEqual(response.status_code, 401)


class RevokeTests(SessionsTestCase):
    def test_revoke_one(self):
        laptop = self.sign_in_with(FIREFOX_LINUX)
        phone = self.sign_in_with(SAFARI_IPHONE)
        phone_later = self.assert_refreshes(phone["refresh"])
        response = self.as_(laptop).delete(f"/auth/sessions/{family_of(phone['refresh'])}/")
        self.assertEqual(response.status_code, 204, response.content)
        self.assert_refused(phone_later["refresh"])
        self.assert_refused(phone["refresh"])  # its parent, within the overlap: no way back
        self.assertEqual([s["id"] for s in self.sessions(laptop)], [family_of(laptop["refresh"])])
        self.assert_refreshes(laptop["refresh"])
        # Gone: 404.
        response = self.as_(laptop).delete(f"/auth/sessions/{family_of(phone['refresh'])}/")
        self.assertEqual(response.status_code, 404)

    def test_another_accounts_or_unknown_family_is_404(self):
        self.active_user("bob@example.com")
        bob = self.sign_in_with(FIREFOX_LINUX, "bob@example.com")
        alice = self.sign_in_with(CHROME_WINDOWS)
        response = self.as_(alice).delete(f"/auth/sessions/{family_of(bob['refresh'])}/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.as_(alice).delete("/auth/sessions/no-such-family/").status_code, 404)
        self.assert_refreshes(bob["refresh"])

    def test_revoke_others(self):
        laptop = self.sign_in_with(FIREFOX_LINUX)
        phone = self.sign_in_with(SAFARI_IPHONE)
        desktop = self.sign_in_with(CHROME_WINDOWS)
        self.active_user("bob@example.com")
        bob = self.sign_in_with(FIREFOX_LINUX, "bob@example.com")
        response = self.as_(laptop).post("/auth/sessions/revoke-others/")
        self.assertEqual(response.status_code, 204, response.content)
        self.assert_refused(phone["refresh"])
        self.assert_refused(desktop["refresh"])
        self.assertEqual([s["id"] for s in self.sessions(laptop)], [family_of(laptop["refresh"])])
        self.assert_refreshes(laptop["refresh"])
        self.assert_refreshes(bob["refresh"])

    def test_cors_allows_delete_from_the_spa(self):
        response = self.client.options(
            "/auth/sessions/abc/",
            HTTP_ORIGIN=settings.SPA_ORIGIN,
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="DELETE",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Access-Control-Allow-Origin"], settings.SPA_ORIGIN)
        self.assertIn("DELETE", response["Access-Control-Allow-Methods"])


class UserAgentTests(SessionsTestCase):
    def test_parse(self):
        from refresh_policy.user_agents import describe

        cases = {
            FIREFOX_LINUX: ("Firefox 153", "Linux"),
            CHROME_WINDOWS: ("Chrome 140", "Windows"),
            SAFARI_IPHONE: ("Safari 18", "iOS"),
            CHROME_WINDOWS + " Edg/141.0.0.0": ("Edge 141", "Windows"),
            CHROME_WINDOWS + " OPR/115.0.0.0": ("Opera 115", "Windows"),
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/140.0.0.0 Mobile Safari/537.36": ("Chrome 140", "Android"),
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/18.5 Safari/605.1.15": ("Safari 18", "macOS"),
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "FxiOS/140.0 Mobile/15E148 Safari/605.1.15": ("Firefox 140", "iOS"),
            "Mozilla/5.0 (iPad; CPU OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "CriOS/140.0.0.0 Mobile/15E148 Safari/604.1": ("Chrome 140", "iPadOS"),
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/140.0.0.0 Safari/537.36": ("Chrome 140", "Linux"),
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/140.0.0.0 Safari/537.36": ("Chrome 140", "ChromeOS"),
            "curl/8.5.0": ("Unknown browser", "Unknown system"),
            "": ("Unknown browser", "Unknown system"),
        }
        for user_agent, expected in cases.items():
            self.assertEqual(describe(user_agent), expected, user_agent)

    def test_long_user_agents_are_cut(self):
        self.sign_in_with(FIREFOX_LINUX + " x" * 1000)
        from refresh_policy.models import Family

        self.assertLessEqual(len(Family.objects.get().user_agent), 512)
