"""The refresh token policy through real requests: the sign-in lifetime cap, reuse detection with
its grace, and revocation on a password change or reset (README.md, "Tokens")."""
from datetime import timedelta

import jwt
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests import FAST, PASSWORD, ApiTestCase, links

from .models import Rotation
from .policy import SESSION_EXP_CLAIM, record_rotation

BLACKLISTED = {"detail": "Token is blacklisted", "code": "token_not_valid"}
NEW_PASSWORD = "An0ther-pass!x"


@FAST
class RefreshPolicyTestCase(ApiTestCase):
    def setUp(self):
        super().setUp()
        self.user = self.active_user("alice@example.com")

    def sign_in(self, password=PASSWORD):
        response = self.login("alice@example.com", password)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def refresh(self, token):
        return self.client.post("/auth/jwt/refresh/", {"refresh": token}, format="json")

    def assert_refreshes(self, token):
        response = self.refresh(token)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def assert_refused(self, token, body=BLACKLISTED):
        response = self.refresh(token)
        self.assertEqual((response.status_code, response.json()), (401, body))

    def age_rotations(self, seconds):
        Rotation.objects.update(rotated_at=timezone.now() - timedelta(seconds=seconds))


class CapTests(RefreshPolicyTestCase):
    def test_rotation_keeps_the_sign_ins_expiry(self):
        first = RefreshToken(self.sign_in()["refresh"])
        token = str(first)
        for _ in range(3):
            answer = self.assert_refreshes(token)
            token = answer["refresh"]
            rotated = RefreshToken(token)
            self.assertEqual(rotated["exp"], first["exp"])
            self.assertEqual(rotated[SESSION_EXP_CLAIM], first["exp"])
            access = AccessToken(answer["access"])
            self.assertNotIn(SESSION_EXP_CLAIM, access.payload)
            # "fam": the sign-in's token family (test_families.py).
            self.assertEqual(set(access.payload), {"token_type", "exp", "iat", "jti", "user_id", "fam"})

    def test_nothing_outlives_the_sign_in(self):
        # A sign-in whose refresh token has 5 s left: rotation can't extend it, and the access
        # token it gets ends with it too.
        signed_in = RefreshToken.for_user(self.user)
        signed_in.set_exp(lifetime=timedelta(seconds=5))
        answer = self.assert_refreshes(str(signed_in))
        rotated = RefreshToken(answer["refresh"])
        self.assertEqual(rotated["exp"], signed_in["exp"])
        self.assertLessEqual(AccessToken(answer["access"])["exp"], signed_in["exp"])
        self.assertEqual(RefreshToken(self.assert_refreshes(answer["refresh"])["refresh"])["exp"], signed_in["exp"])


class ReuseTests(RefreshPolicyTestCase):
    def test_reuse_within_the_grace_is_only_refused(self):
        # A request that lost a race which the overlap doesn't cover (the chain moved on: the
        # newest token was used already) is refused, and revokes nothing.
        other_device = self.sign_in()
        tab = self.sign_in()
        winner = self.assert_refreshes(tab["refresh"])
        newest = self.assert_refreshes(winner["refresh"])
        self.age_rotations(settings.AUTH_REFRESH_REUSE_GRACE.total_seconds() - 5)
        self.assert_refused(tab["refresh"])
        self.assert_refreshes(newest["refresh"])
        self.assert_refreshes(other_device["refresh"])

    def test_reuse_past_the_grace_revokes_the_sign_ins_refresh_tokens(self):
        other_device = self.sign_in()
        tab = self.sign_in()
        rotated = self.assert_refreshes(tab["refresh"])
        self.age_rotations(settings.AUTH_REFRESH_OVERLAP.total_seconds() + 1)  # past the overlap too
        with self.assertLogs("refresh_policy.policy", "WARNING") as logged:
            self.assert_refused(tab["refresh"])  # the same answer as before: a refusal
        self.assertIn("(1 refresh token(s))", logged.output[0])  # rotated
        self.assert_refused(rotated["refresh"])
        # Another sign-in of the account is another family: untouched (test_families.py).
        self.assert_refreshes(other_device["refresh"])
        # Signing in again works.
        self.assert_refreshes(self.sign_in()["refresh"])

    @override_settings(AUTH_REFRESH_REUSE_GRACE=timedelta(0), AUTH_REFRESH_OVERLAP=timedelta(0))
    def test_grace_setting(self):
        tab = self.sign_in()
        rotated = self.assert_refreshes(tab["refresh"])
        self.age_rotations(1)
        with self.assertLogs("refresh_policy.policy", "WARNING"):
            self.assert_refused(tab["refresh"])
        self.assert_refused(rotated["refresh"])

    def test_signed_out_or_forged_tokens_revoke_nothing(self):
        session = self.sign_in()
        signed_out = self.sign_in()["refresh"]
        self.assertEqual(self.client.post("/auth/jwt/blacklist/", {"refresh": signed_out}, format="json").status_code, 200)
        self.assert_refused(signed_out)
        # A rotated-out token's claims, signed with another key.
        rotated_out = self.sign_in()["refresh"]
        self.assert_refreshes(rotated_out)
        self.age_rotations(3600)
        payload = RefreshToken(rotated_out, verify=False).payload
        forged = jwt.encode(payload, "not-the-key-" * 4, algorithm="HS256")
        self.assert_refused(forged, {"detail": "Token is invalid", "code": "token_not_valid"})
        self.assert_refreshes(session["refresh"])

    def test_one_of_two_rotations_of_one_token_wins(self):
        # What two simultaneous refreshes with one token come to once the blacklist row is
        # written: SimpleJWT would let both through.
        token = RefreshToken(self.sign_in()["refresh"])
        self.assertTrue(record_rotation(token))
        self.assertFalse(record_rotation(token))
        self.assertEqual(Rotation.objects.count(), 1)


class PasswordChangeTests(RefreshPolicyTestCase):
    def test_set_password_revokes_every_refresh_token(self):
        other_device = self.sign_in()
        this_tab = self.sign_in()
        self.client.credentials(HTTP_AUTHORIZATION=f"JWT {this_tab['access']}")
        body = {"current_password": "wrong", "new_password": NEW_PASSWORD, "re_new_password": NEW_PASSWORD}
        self.assertEqual(self.client.post("/auth/users/set_password/", body, format="json").status_code, 400)
        self.assert_refreshes(other_device["refresh"])  # a refused change revokes nothing

        other_device = self.sign_in()
        body["current_password"] = PASSWORD
        response = self.client.post("/auth/users/set_password/", body, format="json")
        self.assertEqual(response.status_code, 204, response.content)
        self.client.credentials()
        self.assert_refused(this_tab["refresh"])
        self.assert_refused(other_device["refresh"])
        # What the SPA does next: sign in with the new password.
        self.assert_refreshes(self.sign_in(NEW_PASSWORD)["refresh"])

    def test_reset_password_confirm_revokes_every_refresh_token(self):
        session = self.sign_in()
        response = self.client.post("/auth/users/reset_password/", {"email": "alice@example.com"}, format="json")
        self.assertEqual(response.status_code, 204)
        [link] = links(mail.outbox[-1].body)
        uid, token = link.rstrip("/").split("/")[-2:]
        body = {"uid": uid, "token": token, "new_password": NEW_PASSWORD, "re_new_password": NEW_PASSWORD}
        response = self.client.post("/auth/users/reset_password_confirm/", body, format="json")
        self.assertEqual(response.status_code, 204, response.content)
        self.assert_refused(session["refresh"])
        self.assert_refreshes(self.sign_in(NEW_PASSWORD)["refresh"])
