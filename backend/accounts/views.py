"""Djoser's user views (wired in config/urls.py), with these changes:

- the notice that the sign-in address changed (USERNAME_CHANGED_EMAIL_CONFIRMATION) goes to the
  address it replaced. Djoser writes it to the new address, which whoever made the change
  controls. The owner of the old one is who needs to hear of it: if it wasn't them, it is their
  only warning.
- a password change (set_password/) or reset (reset_password_confirm/) revokes all the account's
  refresh tokens: whoever holds one is signed out at their next refresh. Tokens issued after it
  (signing in with the new password) work.
- each emailed link is checked by the token generator of its purpose (accounts/tokens.py): an
  activation link is refused at reset_password_confirm/ and reset_email_confirm/, and so on.
- registration doesn't tell whether an address has an account: an address that has one gets the
  same 201 answer as a new one (what was posted, minus the passwords, and an id), nothing is
  created or changed, and the address's owner is emailed that someone tried
  (accounts/templates/email/registration_attempt.html).
"""
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.timezone import now
from djoser.compat import get_user_email
from djoser.conf import settings
from djoser.views import UserViewSet as DjoserUserViewSet
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from refresh_policy.policy import revoke_refresh_tokens

from . import tokens
from .messages import RegistrationAttemptEmail

User = get_user_model()


class _ActivationLinks:
    """The activation endpoint's check: a link made while the account was inactive passes, so
    that Djoser's ActivationSerializer answers a used one with 403 "Stale token" (the SPA says
    "already active"), as before; it activates nothing, the account being active."""

    def check_token(self, user, token):
        return tokens.activation_token_generator.check_token_before_activation(user, token)


class _NoLinks:
    def check_token(self, user, token):
        return False


LINK_CHECKERS = {
    "activation": _ActivationLinks(),
    "reset_password_confirm": tokens.password_reset_token_generator,
    "reset_username_confirm": tokens.email_reset_token_generator,
}


def _allocate_user_id():
    """An id as the next new account would get it (then the next one gets the one after): the
    answer to a registration of a known address shows one, like any other."""
    with transaction.atomic():
        placeholder = User(email=f"{uuid.uuid4().hex}@placeholder.invalid", is_active=False)
        if User.USERNAME_FIELD == "username":
            placeholder.username = f"placeholder-{uuid.uuid4().hex}"
        placeholder.set_unusable_password()
        placeholder.save()
        allocated = placeholder.pk
        placeholder.delete()
    return allocated


class UserViewSet(DjoserUserViewSet):
    @property
    def token_generator(self):
        """Djoser's UidAndTokenSerializer checks the emailed link with this."""
        return LINK_CHECKERS.get(getattr(self, "action", None), _NoLinks())

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email_field = User.get_email_field_name()
        address = serializer.validated_data[email_field]
        existing = User.objects.filter(**{email_field: address}).first()
        if existing is None:
            try:
                self.perform_create(serializer)
            except ValidationError:
                # Djoser's "cannot_create_user" (an IntegrityError): the same address registered
                # by another request meanwhile?
                existing = User.objects.filter(**{email_field: address}).first()
                if existing is None:
                    raise
            else:
                return Response(serializer.data, status=status.HTTP_201_CREATED)
        return self._already_registered(existing, serializer)

    def _already_registered(self, owner, serializer):
        """Answers as a new registration would, and tells the address's owner."""
        posted = {k: v for k, v in serializer.validated_data.items() if k not in ("password", "re_password")}
        make_password(serializer.validated_data.get("password"))  # the time a new account takes
        lookalike = User(**posted)
        lookalike.pk = _allocate_user_id()
        RegistrationAttemptEmail(self.request, {"user": owner}).send([get_user_email(owner)])
        # What a new account's answer shows (the retype serializer drops re_password on the way).
        return Response(settings.SERIALIZERS.user_create(lookalike).data, status=status.HTTP_201_CREATED)

    def get_serializer(self, *args, **kwargs):
        # Kept for reset_password_confirm, whose serializer finds the account.
        self.last_serializer = super().get_serializer(*args, **kwargs)
        return self.last_serializer

    @action(["post"], detail=False)
    def set_password(self, request, *args, **kwargs):
        response = super().set_password(request, *args, **kwargs)
        revoke_refresh_tokens(request.user)
        return response

    @action(["post"], detail=False)
    def reset_password_confirm(self, request, *args, **kwargs):
        response = super().reset_password_confirm(request, *args, **kwargs)
        revoke_refresh_tokens(self.last_serializer.user)
        return response

    @action(["post"], detail=False, url_path=f"set_{User.USERNAME_FIELD}")
    def set_username(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self._change_username(request.user, serializer.data["new_" + User.USERNAME_FIELD])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(["post"], detail=False, url_path=f"reset_{User.USERNAME_FIELD}_confirm")
    def reset_username_confirm(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.user
        if hasattr(user, "last_login"):
            user.last_login = now()
        self._change_username(user, serializer.data["new_" + User.USERNAME_FIELD])
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _change_username(self, user, new_username):
        replaced = get_user_email(user)
        setattr(user, User.USERNAME_FIELD, new_username)
        user.save()
        if settings.USERNAME_CHANGED_EMAIL_CONFIRMATION:
            context = {"user": user}
            settings.EMAIL.username_changed_confirmation(self.request, context).send([replaced])
