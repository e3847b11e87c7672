"""Djoser's emails whose links this project makes itself, and one of its own.

The emailed links are each made by the token generator of their purpose (accounts/tokens.py;
Djoser's own classes all use Django's default_token_generator). Wired in settings.DJOSER["EMAIL"].
"""
from djoser import email as djoser_email
from djoser import utils as djoser_utils
from djoser.conf import settings as djoser_settings

from . import tokens


class _PurposeLink:
    generator = None
    url_setting = None

    def get_context_data(self):
        context = super().get_context_data()
        user = context["user"]
        context["uid"] = djoser_utils.encode_uid(user.pk)
        context["token"] = self.generator.make_token(user)
        context["url"] = getattr(djoser_settings, self.url_setting).format(**context)
        return context


class ActivationEmail(_PurposeLink, djoser_email.ActivationEmail):
    generator = tokens.activation_token_generator
    url_setting = "ACTIVATION_URL"


class PasswordResetEmail(_PurposeLink, djoser_email.PasswordResetEmail):
    generator = tokens.password_reset_token_generator
    url_setting = "PASSWORD_RESET_CONFIRM_URL"


class UsernameResetEmail(_PurposeLink, djoser_email.UsernameResetEmail):
    generator = tokens.email_reset_token_generator
    url_setting = "USERNAME_RESET_CONFIRM_URL"


class RegistrationAttemptEmail(djoser_email.BaseDjoserEmail):
    """To the owner of an address someone tried to register again (accounts.views): they have an
    account already. An inactive one's owner also gets a fresh activation link."""

    template_name = "email/registration_attempt.html"

    def get_context_data(self):
        context = super().get_context_data()
        user = context["user"]
        if not user.is_active:
            context["uid"] = djoser_utils.encode_uid(user.pk)
            context["token"] = tokens.activation_token_generator.make_token(user)
            context["url"] = djoser_settings.ACTIVATION_URL.format(**context)
        return context
