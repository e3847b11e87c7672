"""Token families (issue #19): one sign-in, one family. Reuse revokes the family only; a lost answer
(or tabs refreshing at once) is answered again within the overlap, with the same pair every time;
signing out revokes the whole family."""
import io
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests import PASSWORD, ApiTestCase

from .models import Family, Rotation
from .policy import live_families
from .tests import BLACKLISTED, RefreshPolicyTestCase

FAMILY = "fam"


def family_of(token):
    return RefreshToken(token, verify=False).payload.get(FAMILY)


def kept():
    """The refresh tokens of the answers kept for the overlap."""
    return list(Rotation.objects.exclude(answer_refresh="").values_list("answer_refresh", flat=True))


class FamilyTestCase(RefreshPolicyTestCase):
    def age(self, seconds):
        self.age_rotations(seconds)

    def me(self, access):
        self.client.credentials(HTTP_AUTHORIZATION=f"JWT {access}")
        try:
            return self.client.get("/auth/users/me/")
        finally:
            self.client.credentials()

    def is_live(self, tokens):
        """Whether the sign-in (family) of `tokens` is live."""
        return live_families(self.user).filter(id=family_of(tokens["refresh"])).exists()

    def blacklist(self, token, form=False):
        if form:
            return self.client.post(
                "/auth/jwt/blacklist/", urlencode({"refresh": token}), content_type="application/x-www-form-urlencoded"
            )
        return self.client.post("/auth/jwt/blacklist/", {"refresh": token}, format="json")

    def assert_revoked_family(self, *tokens):
        for token in tokens:
            self.assert_refused(token)


class ClaimTests(FamilyTestCase):
    def test_every_token_of_a_sign_in_carries_its_family(self):
        first = self.sign_in()
        fam = family_of(first["refresh"])
        self.assertTrue(fam and isinstance(fam, str) and len(fam) >= 16, fam)
        self.assertEqual(AccessToken(first["access"])[FAMILY], fam)
        token = first["refresh"]
        for _ in range(3):
            answer = self.assert_refreshes(token)
            token = answer["refresh"]
            self.assertEqual(family_of(token), fam)
            self.assertEqual(AccessToken(answer["access"])[FAMILY], fam)
        self.assertNotEqual(family_of(self.sign_in()["refresh"]), fam)


class FamilyRevocationTests(FamilyTestCase):
    def test_reuse_past_the_grace_revokes_its_family_only(self):
        other_device = self.sign_in()
        laptop = self.sign_in()
        rotated = self.assert_refreshes(laptop["refresh"])
        self.age(3600)
        with self.assertLogs("refresh_policy.policy", "WARNING") as logged:
            self.assert_refused(laptop["refresh"])
        self.assertIn(family_of(laptop["refresh"]), logged.output[0])
        self.assert_refused(rotated["refresh"])  # the family is gone
        self.assert_refreshes(other_device["refresh"])  # the other sign-in is not

    def test_an_older_token_is_reuse_even_within_the_overlap(self):
        other_device = self.sign_in()
        first = self.sign_in()
        second = self.assert_refreshes(first["refresh"])
        third = self.assert_refreshes(second["refresh"])
        self.age(settings.AUTH_REFRESH_REUSE_GRACE.total_seconds() + 5)
        with self.assertLogs("refresh_policy.policy", "WARNING"):
            self.assert_refused(first["refresh"])  # not the newest's parent: reuse
        self.assert_refused(third["refresh"])
        self.assert_refreshes(other_device["refresh"])

    def test_a_used_newest_token_leaves_no_overlap(self):
        first = self.sign_in()
        second = self.assert_refreshes(first["refresh"])
        self.age(settings.AUTH_REFRESH_REUSE_GRACE.total_seconds() + 5)
        third = self.assert_refreshes(second["refresh"])
        self.age(settings.AUTH_REFRESH_REUSE_GRACE.total_seconds() + 5)
        # `second` is the newest's parent, but the newest (third) was used: reuse.
        fourth = self.assert_refreshes(third["refresh"])
        with self.assertLogs("refresh_policy.policy", "WARNING"):
            self.assert_refused(second["refresh"])
        self.assert_refused(fourth["refresh"])


class OverlapTests(FamilyTestCase):
    """P was exchanged for N, and P comes back within AUTH_REFRESH_OVERLAP while N is unused (a lost
    answer, or tabs refreshing with one token at once): the same answer, every time."""

    def test_lost_answer_is_answered_again_with_the_same_pair(self):
        other_device = self.sign_in()
        session = self.sign_in()
        lost = self.assert_refreshes(session["refresh"])  # the browser never sees this answer
        self.age(40)  # past the 30 s grace, within the 60 s overlap
        again = self.assert_refreshes(session["refresh"])
        self.assertEqual(again, lost)
        self.assertEqual(family_of(again["refresh"]), family_of(session["refresh"]))
        self.assertEqual(self.me(again["access"]).status_code, 200)
        # Signed in: it keeps refreshing.
        self.assert_refreshes(self.assert_refreshes(again["refresh"])["refresh"])
        self.assert_refreshes(other_device["refresh"])

    def test_tabs_at_once_get_identical_answers(self):
        # Two or three tabs refresh with one token at once (no Web Locks): whichever answer each
        # tab stores, it holds the family's live refresh token. Nothing is logged as reuse.
        session = self.sign_in()
        with self.assertNoLogs("refresh_policy.policy", "WARNING"):
            answers = [self.assert_refreshes(session["refresh"]) for _ in range(3)]
        self.assertEqual(answers[1], answers[0])
        self.assertEqual(answers[2], answers[0])
        # The stored answer goes on refreshing, and its access token works.
        self.assertEqual(self.me(answers[2]["access"]).status_code, 200)
        newer = self.assert_refreshes(answers[2]["refresh"])
        self.assertNotEqual(newer["refresh"], answers[0]["refresh"])
        self.assert_refreshes(newer["refresh"])

    def test_the_same_answer_as_often_as_asked_within_the_window(self):
        session = self.sign_in()
        first = self.assert_refreshes(session["refresh"])
        for seconds in (1, 20, 40, settings.AUTH_REFRESH_OVERLAP.total_seconds() - 1):
            self.age(seconds)
            self.assertEqual(self.assert_refreshes(session["refresh"]), first)
        self.assert_refreshes(first["refresh"])

    def test_repeated_answers_leave_the_bookkeeping_alone(self):
        session = self.sign_in()
        first = self.assert_refreshes(session["refresh"])
        family = Family.objects.get(id=family_of(session["refresh"]))
        tokens = OutstandingToken.objects.count()
        self.age(40)
        self.assertEqual(self.assert_refreshes(session["refresh"]), first)
        self.assertEqual(self.assert_refreshes(session["refresh"]), first)
        again = Family.objects.get(id=family.id)
        self.assertEqual(
            (again.newest_jti, again.parent_jti, again.last_refreshed_at, again.revoked_at),
            (family.newest_jti, family.parent_jti, family.last_refreshed_at, None),
        )
        self.assertEqual(OutstandingToken.objects.count(), tokens)  # no token issued
        self.assertEqual(Rotation.objects.count(), 1)

    def test_once_the_newest_was_used_the_parent_is_reuse(self):
        other_device = self.sign_in()
        session = self.sign_in()
        newest = self.assert_refreshes(session["refresh"])
        newer = self.assert_refreshes(newest["refresh"])  # the newest was used
        # Within the grace: only refused (a race lost), nothing revoked.
        with self.assertNoLogs("refresh_policy.policy", "WARNING"):
            self.assert_refused(session["refresh"])
        self.assertTrue(self.is_live(session))
        # Past the grace, still within the overlap: reuse, the family is revoked.
        self.age(settings.AUTH_REFRESH_REUSE_GRACE.total_seconds() + 5)
        with self.assertLogs("refresh_policy.policy", "WARNING") as logged:
            self.assert_refused(session["refresh"])
        self.assertIn(family_of(session["refresh"]), logged.output[0])
        self.assert_refused(newer["refresh"])
        self.assert_refreshes(other_device["refresh"])

    def test_past_the_overlap_reuse_revokes_the_family_only(self):
        other_device = self.sign_in()
        session = self.sign_in()
        newest = self.assert_refreshes(session["refresh"])
        self.age(settings.AUTH_REFRESH_OVERLAP.total_seconds() + 1)
        with self.assertLogs("refresh_policy.policy", "WARNING") as logged:
            self.assert_refused(session["refresh"])
        self.assertIn("past the overlap", logged.output[0])
        self.assert_refused(newest["refresh"])
        self.assert_refreshes(other_device["refresh"])

    def test_the_answer_is_kept_for_the_window_only(self):
        session = self.sign_in()
        newest = self.assert_refreshes(session["refresh"])
        self.assertEqual(kept(), [newest["refresh"]])
        newer = self.assert_refreshes(newest["refresh"])  # the chain moves on
        self.assertEqual(kept(), [newer["refresh"]])
        self.age(settings.AUTH_REFRESH_OVERLAP.total_seconds() + 1)
        call_command("flushexpiredfamilies", stdout=io.StringIO())  # past the window
        self.assertEqual(kept(), [])
        self.assert_refreshes(newer["refresh"])
        signed_out = self.assert_refreshes(self.sign_in()["refresh"])
        self.assertEqual(len(kept()), 2)
        self.blacklist(signed_out["refresh"])  # a family's end
        self.assertEqual(len(kept()), 1)
        self.client.credentials(HTTP_AUTHORIZATION=f"JWT {newer['access']}")
        body = {"current_password": PASSWORD, "new_password": "An0ther-pass!x", "re_new_password": "An0ther-pass!x"}
        self.assertEqual(self.client.post("/auth/users/set_password/", body, format="json").status_code, 204)
        self.client.credentials()
        self.assertEqual(kept(), [])  # a password change

    def test_a_deactivated_account_gets_no_answer_again(self):
        session = self.sign_in()
        self.assert_refreshes(session["refresh"])
        self.user.is_active = False
        self.user.save(update_fields=["is_active"])
        self.assert_refused(session["refresh"], {"detail": "No active account found for the given token."})

    def test_overlap_setting(self):
        self.assertEqual(settings.AUTH_REFRESH_OVERLAP, timedelta(seconds=60))
        with override_settings(AUTH_REFRESH_OVERLAP=timedelta(seconds=10)):
            session = self.sign_in()
            newest = self.assert_refreshes(session["refresh"])
            self.age(11)  # past the overlap, within the grace: only refused
            self.assert_refused(session["refresh"])
            self.assert_refreshes(newest["refresh"])
            session = self.sign_in()
            newest = self.assert_refreshes(session["refresh"])
            self.age(settings.AUTH_REFRESH_REUSE_GRACE.total_seconds() + 1)
            with self.assertLogs("refresh_policy.policy", "WARNING"):
                self.assert_refused(session["refresh"])
            self.assert_refused(newest["refresh"])


class SignOutTests(FamilyTestCase):
    def test_form_encoded_sign_out(self):
        # What the SPA sends with no preflight: a CORS-safelisted form body.
        session = self.sign_in()
        response = self.blacklist(session["refresh"], form=True)
        self.assertEqual((response.status_code, response.json()), (200, {}))
        self.assert_refused(session["refresh"])
        response = self.blacklist(session["refresh"], form=True)
        self.assertEqual((response.status_code, response.json()), (401, BLACKLISTED))

    def test_signing_out_revokes_the_whole_family(self):
        other_device = self.sign_in()
        session = self.sign_in()
        newest = self.assert_refreshes(session["refresh"])
        self.assertEqual(self.blacklist(newest["refresh"], form=True).status_code, 200)
        # Its parent, within the overlap, does not bring it back.
        self.assert_refused(session["refresh"])
        self.assert_refreshes(other_device["refresh"])

    def test_signing_out_with_a_rotated_out_token_still_ends_its_family(self):
        # The browser holds an older token than the newest (whose answer was lost): signing out
        # with it is refused as before, and the family ends all the same.
        other_device = self.sign_in()
        session = self.sign_in()
        newest = self.assert_refreshes(session["refresh"])
        response = self.blacklist(session["refresh"])
        self.assertEqual((response.status_code, response.json()), (401, BLACKLISTED))
        self.assert_refused(newest["refresh"])
        self.assert_refreshes(other_device["refresh"])


class FlushTests(FamilyTestCase):
    def test_flushexpiredfamilies(self):
        live = family_of(self.sign_in()["refresh"])
        expired = family_of(self.sign_in()["refresh"])
        revoked = family_of(self.sign_in()["refresh"])
        recently_revoked = family_of(self.sign_in()["refresh"])
        Family.objects.filter(id=expired).update(expires_at=timezone.now() - timedelta(days=2))
        Family.objects.filter(id=revoked).update(revoked_at=timezone.now() - timedelta(days=2))
        Family.objects.filter(id=recently_revoked).update(revoked_at=timezone.now())
        call_command("flushexpiredfamilies", stdout=io.StringIO())
        self.assertEqual(set(Family.objects.values_list("id", flat=True)), {live, recently_revoked})
