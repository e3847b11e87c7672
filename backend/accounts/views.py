"""Djoser's user views (wired in config/urls.py), with two changes:

- the notice that the sign-in address changed (USERNAME_CHANGED_EMAIL_CONFIRMATION) goes to the
  address it replaced. Djoser writes it to the new address, which whoever made the change
  controls. The owner of the old one is who needs to hear of it: if it wasn't them, it is their
  only warning.
- a password change (set_password/) or reset (reset_password_confirm/) revokes all the account's
  refresh tokens: whoever holds one is signed out at their next refresh. Tokens issued after it
  (signing in with the new password) work.
"""
from django.contrib.auth import get_user_model
from django.utils.timezone import now
from djoser.compat import get_user_email
from djoser.conf import settings
from djoser.views import UserViewSet as DjoserUserViewSet
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from refresh_policy.policy import revoke_refresh_tokens

User = get_user_model()


class UserViewSet(DjoserUserViewSet):
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
