"""Token families (issue #19): one sign-in, one family. Reuse revokes the family only; a lost answer
is answered again within the overlap; signing out revokes the whole family."""
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.test import override_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests import PASSWORD, ApiTestCase

from .tests import BLACKLISTED, RefreshPolicyTestCase

FAMILY = "fam"


def family_of(token):
    return RefreshToken(token, verify=False).payload.get(FAMILY)


class FamilyTestCase(RefreshPolicyTestCase):
    def age(self, seconds):
        self.age_rotations(seconds)

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
    """The answer to P -> N was lost: P comes back within AUTH_REFRESH_OVERLAP while N is unused."""

    def test_lost_answer_is_answered_again_in_the_same_family(self):
        other_device = self.sign_in()
        session = self.sign_in()
        lost = self.assert_refreshes(session["refresh"])  # the browser never sees this answer
        self.age(40)  # past the 30 s grace, within the 60 s overlap
        again = self.assert_refreshes(session["refresh"])
        self.assertEqual(family_of(again["refresh"]), family_of(session["refresh"]))
        self.assertEqual(AccessToken(again["access"])[FAMILY], family_of(session["refresh"]))
        self.assertNotEqual(again["refresh"], lost["refresh"])
        # The fresh pair replaced the lost one, which nobody holds.
        self.assert_refused(lost["refresh"])
        # Signed in: it keeps refreshing.
        self.assert_refreshes(self.assert_refreshes(again["refresh"])["refresh"])
        self.assert_refreshes(other_device["refresh"])

    def test_a_second_reuse_of_the_parent_is_caught(self):
        other_device = self.sign_in()
        session = self.sign_in()
        self.assert_refreshes(session["refresh"])
        self.age(40)
        again = self.assert_refreshes(session["refresh"])
        with self.assertLogs("refresh_policy.policy", "WARNING"):
            self.assert_refused(session["refresh"])  # a third answer: no
        self.assert_refused(again["refresh"])  # the family is revoked
        self.assert_refreshes(other_device["refresh"])

    def test_the_overlap_is_immediate_too(self):
        # Two requests with one token at once (or a retry at once): both get tokens of the family.
        session = self.sign_in()
        self.assert_refreshes(session["refresh"])
        again = self.assert_refreshes(session["refresh"])
        self.assert_refreshes(again["refresh"])

    def test_the_replaced_token_within_the_grace_is_only_refused(self):
        session = self.sign_in()
        winner = self.assert_refreshes(session["refresh"])
        loser = self.assert_refreshes(session["refresh"])  # replaces winner's
        self.assert_refused(winner["refresh"])
        self.assert_refreshes(loser["refresh"])

    def test_past_the_overlap_it_is_reuse(self):
        session = self.sign_in()
        newest = self.assert_refreshes(session["refresh"])
        self.age(settings.AUTH_REFRESH_OVERLAP.total_seconds() + 1)
        with self.assertLogs("refresh_policy.policy", "WARNING"):
            self.assert_refused(session["refresh"])
        self.assert_refused(newest["refresh"])

    def test_overlap_setting(self):
        self.assertEqual(settings.AUTH_REFRESH_OVERLAP, timedelta(seconds=60))
        with override_settings(AUTH_REFRESH_OVERLAP=timedelta(seconds=10)):
            session = self.sign_in()
            newest = self.assert_refreshes(session["refresh"])
            self.age(settings.AUTH_REFRESH_REUSE_GRACE.total_seconds() + 1)
            with self.assertLogs("refresh_policy.policy", "WARNING"):
                self.assert_refused(session["refresh"])
            self.assert_refused(newest["refresh"])


class SignOutTests(FamilyTestCase):
    def blacklist(self, token, form=False):
        if form:
            return self.client.post(
                "/auth/jwt/blacklist/", urlencode({"refresh": token}), content_type="application/x-www-form-urlencoded"
            )
        return self.client.post("/auth/jwt/blacklist/", {"refresh": token}, format="json")

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
        import io
        from datetime import timedelta as td

        from django.core.management import call_command
        from django.utils import timezone

        from .models import Family

        live = family_of(self.sign_in()["refresh"])
        expired = family_of(self.sign_in()["refresh"])
        revoked = family_of(self.sign_in()["refresh"])
        recently_revoked = family_of(self.sign_in()["refresh"])
        Family.objects.filter(id=expired).update(expires_at=timezone.now() - td(days=2))
        Family.objects.filter(id=revoked).update(revoked_at=timezone.now() - td(days=2))
        Family.objects.filter(id=recently_revoked).update(revoked_at=timezone.now())
        call_command("flushexpiredfamilies", stdout=io.StringIO())
        self.assertEqual(set(Family.objects.values_list("id", flat=True)), {live, recently_revoked})
