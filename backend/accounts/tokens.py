"""The emailed links' tokens: one generator per purpose (issue #19).

Djoser, out of the box, signs activation, password-reset and email-reset links with Django's
`default_token_generator`: one salt for the three, a hash that doesn't see `is_active`, and
Django's 3-day PASSWORD_RESET_TIMEOUT. A used activation link then still resets the password, and
a password-reset link changes the email. Here each purpose has:

- its own `key_salt`, so a link of one purpose is refused by the others' endpoints;
- a hash of what the link changes, so it stops working once it did its job (activation:
  `is_active`; password reset: the password hash; email reset: the email and sign-in name);
- the reset links also hash `last_login`, which every sign-in updates (SIMPLE_JWT's
  UPDATE_LAST_LOGIN): a reset link mailed before a sign-in is dead after it;
- its own lifetime: AUTH_ACTIVATION_LINK_LIFETIME (3 days) and AUTH_RESET_LINK_LIFETIME (1 hour),
  read at each check.

`accounts.views.UserViewSet.token_generator` picks the checking generator by action, and
`accounts.email` makes the emailed links with the same ones.
"""
from django.conf import settings
from django.contrib.auth import tokens
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


def _login_timestamp(user):
    # As Django's own: without microseconds (not every database keeps them).
    last_login = getattr(user, "last_login", None)
    return "" if last_login is None else last_login.replace(microsecond=0, tzinfo=None).isoformat()


class PurposeTokenGenerator(tokens.PasswordResetTokenGenerator):
    """Django's generator with a salt, a hash and a lifetime of its own (not
    PASSWORD_RESET_TIMEOUT)."""

    lifetime_setting = None  # the name of a timedelta setting

    def lifetime_seconds(self):
        return int(getattr(settings, self.lifetime_setting).total_seconds())

    def check_token(self, user, token):
        if not (user and isinstance(token, str) and token):
            return False
        try:
            ts_b36, _ = token.split("-")
            issued = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, issued, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return 0 <= self._num_seconds(self._now()) - issued <= self.lifetime_seconds()


class ActivationTokenGenerator(PurposeTokenGenerator):
    key_salt = "accounts.tokens.ActivationTokenGenerator"
    lifetime_setting = "AUTH_ACTIVATION_LINK_LIFETIME"

    def _make_hash_value(self, user, timestamp):
        email = getattr(user, user.get_email_field_name(), "") or ""
        return f"{user.pk}|{user.is_active}|{email}|{timestamp}"

    def check_token_before_activation(self, user, token):
        """Whether `token` was a good activation link of `user` while still inactive: Djoser's
        ActivationSerializer then answers 403 "Stale token" for an active account, which the SPA
        shows as "already active" (a used link), rather than "invalid"."""
        was_active = user.is_active
        user.is_active = False
        try:
            return self.check_token(user, token)
        finally:
            user.is_active = was_active


class PasswordResetTokenGenerator(PurposeTokenGenerator):
    key_salt = "accounts.tokens.PasswordResetTokenGenerator"
    lifetime_setting = "AUTH_RESET_LINK_LIFETIME"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}|{user.password}|{_login_timestamp(user)}|{user.is_active}|{timestamp}"


class EmailResetTokenGenerator(PurposeTokenGenerator):
    key_salt = "accounts.tokens.EmailResetTokenGenerator"
    lifetime_setting = "AUTH_RESET_LINK_LIFETIME"

    def _make_hash_value(self, user, timestamp):
        email = getattr(user, user.get_email_field_name(), "") or ""
        return (
            f"{user.pk}|{email}|{user.get_username()}|{user.password}|{_login_timestamp(user)}"
            f"|{user.is_active}|{timestamp}"
        )


activation_token_generator = ActivationTokenGenerator()
password_reset_token_generator = PasswordResetTokenGenerator()
email_reset_token_generator = EmailResetTokenGenerator()
