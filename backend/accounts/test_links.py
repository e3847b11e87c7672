"""Emailed links do one thing (issue #19): a token generator per purpose (activation, password
reset, email reset), each with its own salt and a hash that changes once the link did its job;
reset links live an hour and die at the next sign-in (accounts/tokens.py)."""
from datetime import datetime, timedelta
from unittest import mock

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.tests import FAST, PASSWORD, ApiTestCase, links

NEW_PASSWORD = "An0ther-pass!x"
INVALID_TOKEN = {"token": ["Invalid token for given user."]}


def emailed_link(message, page):
    """(uid, token) of the link to `page` (e.g. "user-activation") in `message`."""
    [link] = [link for link in links(message.body) if f"/{page}/" in link]
    return link.rstrip("/").split("/")[-2:]


def later(seconds):
    """The token generators' clock, `seconds` from now."""
    return mock.patch.object(
        PasswordResetTokenGenerator, "_now", return_value=datetime.now() + timedelta(seconds=seconds)
    )


@FAST
class LinkTestCase(ApiTestCase):
    def reset_password(self, uid, token, password=NEW_PASSWORD):
        body = {"uid": uid, "token": token, "new_password": password, "re_new_password": password}
        return self.client.post("/auth/users/reset_password_confirm/", body, format="json")

    def reset_email(self, uid, token, new="mallory@example.com"):
        body = {"uid": uid, "token": token, "new_email": new, "re_new_email": new}
        return self.client.post("/auth/users/reset_email_confirm/", body, format="json")

    def activate(self, uid, token):
        return self.client.post("/auth/users/activation/", {"uid": uid, "token": token}, format="json")

    def registered_and_activated(self, address="bob@example.com"):
        """Registers `address`, opens the activation link, signs in: the link, spent."""
        self.assertEqual(self.register(address).status_code, 201)
        uid, token = emailed_link(mail.outbox[-1], "user-activation")
        self.assertEqual(self.activate(uid, token).status_code, 204)
        self.assertEqual(self.login(address).status_code, 200)
        return uid, token

    def password_reset_link(self, address="alice@example.com"):
        response = self.client.post("/auth/users/reset_password/", {"email": address}, format="json")
        self.assertEqual(response.status_code, 204)
        return emailed_link(mail.outbox[-1], "confirm-password-reset")

    def email_reset_link(self, address="alice@example.com"):
        response = self.client.post("/auth/users/reset_email/", {"email": address}, format="json")
        self.assertEqual(response.status_code, 204)
        return emailed_link(mail.outbox[-1], "confirm-email-reset")

    def assert_invalid(self, response):
        self.assertEqual((response.status_code, response.json()), (400, INVALID_TOKEN))


class CrossPurposeTests(LinkTestCase):
    """A link of one purpose is refused by the others' endpoints."""

    def test_activation_link_does_not_reset_the_password(self):
        uid, token = self.registered_and_activated()
        self.assert_invalid(self.reset_password(uid, token))
        self.assertEqual(self.login("bob@example.com").status_code, 200)
        self.assertEqual(self.login("bob@example.com", NEW_PASSWORD).status_code, 401)

    def test_password_reset_link_does_not_change_the_email(self):
        self.active_user("alice@example.com")
        uid, token = self.password_reset_link()
        self.assert_invalid(self.reset_email(uid, token))
        self.assertTrue(User.objects.filter(email="alice@example.com").exists())
        # It still does its own job.
        self.assertEqual(self.reset_password(uid, token).status_code, 204)

    def test_activation_link_does_not_change_the_email(self):
        uid, token = self.registered_and_activated()
        self.assert_invalid(self.reset_email(uid, token))
        self.assertEqual(User.objects.get(pk=User.objects.get(email="bob@example.com").pk).email, "bob@example.com")

    def test_email_reset_link_does_not_reset_the_password_or_activate(self):
        self.active_user("alice@example.com")
        uid, token = self.email_reset_link()
        self.assert_invalid(self.reset_password(uid, token))
        User.objects.filter(email="alice@example.com").update(is_active=False)
        self.assert_invalid(self.activate(uid, token))

    def test_password_reset_link_does_not_activate(self):
        user = self.active_user("alice@example.com")
        uid, token = self.password_reset_link()
        User.objects.filter(pk=user.pk).update(is_active=False)
        self.assert_invalid(self.activate(uid, token))

    def test_each_link_still_works_once_for_its_own_purpose(self):
        uid, token = self.registered_and_activated()
        # The activation link again: Djoser's "stale" answer, as before (the SPA shows "already
        # active").
        response = self.activate(uid, token)
        self.assertEqual((response.status_code, response.json()), (403, {"detail": "Stale token for given user."}))
        uid, token = self.password_reset_link("bob@example.com")
        self.assertEqual(self.reset_password(uid, token).status_code, 204)
        self.assert_invalid(self.reset_password(uid, token, "Th1rd-pass!x"))
        uid, token = self.email_reset_link("bob@example.com")
        self.assertEqual(self.reset_email(uid, token, "bob2@example.com").status_code, 204)
        self.assert_invalid(self.reset_email(uid, token, "bob3@example.com"))


class LifetimeTests(LinkTestCase):
    def test_reset_links_live_an_hour(self):
        self.active_user("alice@example.com")
        uid, token = self.password_reset_link()
        email_uid, email_token = self.email_reset_link()
        self.assertEqual(settings.AUTH_RESET_LINK_LIFETIME, timedelta(hours=1))
        with later(3600 + 60):
            self.assert_invalid(self.reset_password(uid, token))
            self.assert_invalid(self.reset_email(email_uid, email_token))
        with later(3600 - 60):
            self.assertEqual(self.reset_password(uid, token).status_code, 204)

    def test_activation_links_live_days(self):
        self.assertEqual(self.register("bob@example.com").status_code, 201)
        uid, token = emailed_link(mail.outbox[-1], "user-activation")
        with later(settings.AUTH_ACTIVATION_LINK_LIFETIME.total_seconds() + 60):
            self.assert_invalid(self.activate(uid, token))
        with later(2 * 86400):
            self.assertEqual(self.activate(uid, token).status_code, 204)

    def test_reset_link_lifetime_setting(self):
        self.active_user("alice@example.com")
        uid, token = self.password_reset_link()
        with override_settings(AUTH_RESET_LINK_LIFETIME=timedelta(minutes=5)), later(6 * 60):
            self.assert_invalid(self.reset_password(uid, token))


class SignInKillsResetLinksTests(LinkTestCase):
    """A reset link mailed before a sign-in is dead after it (UPDATE_LAST_LOGIN)."""

    def setUp(self):
        super().setUp()
        self.user = self.active_user("alice@example.com")
        # Signed in an hour ago: the sign-in below changes last_login, whatever the second.
        User.objects.filter(pk=self.user.pk).update(last_login=timezone.now() - timedelta(hours=1))

    def test_password_reset_link_dies_at_the_next_sign_in(self):
        uid, token = self.password_reset_link()
        self.assertEqual(self.login("alice@example.com").status_code, 200)
        self.assert_invalid(self.reset_password(uid, token))
        self.assertEqual(self.login("alice@example.com", NEW_PASSWORD).status_code, 401)

    def test_email_reset_link_dies_at_the_next_sign_in(self):
        uid, token = self.email_reset_link()
        self.assertEqual(self.login("alice@example.com").status_code, 200)
        self.assert_invalid(self.reset_email(uid, token))

    def test_a_refresh_does_not_kill_it(self):
        tokens = self.login("alice@example.com").json()
        uid, token = self.password_reset_link()
        response = self.client.post("/auth/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.reset_password(uid, token).status_code, 204)
