"""Djoser serializers for the custom user (wired in settings.DJOSER["SERIALIZERS"])."""
from django.utils.translation import gettext_lazy as _
from djoser import serializers as djoser_serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from refresh_policy import policy

from .models import User, normalize_email

# With AUTH_LOGIN_FIELD=username the username is what users sign in with: required, never blank.
USERNAME_REQUIRED = User.USERNAME_FIELD == "username"

USER_FIELDS = (
    "id",
    "email",
    "username",
    "name",
    "first_name",
    "last_name",
    "subscription_status",
    "has_active_subscription",
)


class UserSerializer(djoser_serializers.UserSerializer):
    """users/me/ and users/<id>/: a user may change name and username only."""

    class Meta:
        model = User
        fields = USER_FIELDS
        # first_name / last_name are model properties, so read-only anyway.
        read_only_fields = ("id", "email", "subscription_status", "has_active_subscription")
        extra_kwargs = {"username": {"allow_blank": not USERNAME_REQUIRED}}


class UserCreateSerializer(djoser_serializers.UserCreateSerializer):
    class Meta:
        model = User
        fields = ("id", "email", "password", "name", "username")
        extra_kwargs = {"username": {"required": USERNAME_REQUIRED, "allow_blank": not USERNAME_REQUIRED}}

    def validate_email(self, value):
        # The unique check already ran case-insensitively (LowercaseEmailField);
        # this makes the password similarity check and the answer see the
        # stored spelling.
        return normalize_email(value)


class UserCreatePasswordRetypeSerializer(
    UserCreateSerializer, djoser_serializers.UserCreatePasswordRetypeSerializer
):
    """What POST users/ uses (USER_CREATE_PASSWORD_RETYPE): adds re_password."""

    class Meta(UserCreateSerializer.Meta):
        pass


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    """jwt/refresh/ (SIMPLE_JWT["TOKEN_REFRESH_SERIALIZER"]): SimpleJWT's rotation, plus the
    refresh token policy (refresh_policy/policy.py):

    - the new tokens expire no later than the sign-in's refresh token did (absolute cap);
    - a rotated-out token presented again past the grace revokes its account's refresh tokens;
      either way it is refused as SimpleJWT refuses it (401 "Token is blacklisted");
    - of two requests rotating the same token at once, one gets 401 (SimpleJWT lets both win);
    - a refresh token of a deleted account is refused like an inactive one's, 401
      no_active_account (SimpleJWT 5.5.1 looks its user up with .get() and answers 500, which a
      client can only take for an outage and retry).
    """

    def validate(self, attrs):
        try:
            refresh = self.token_class(attrs["refresh"])
        except TokenError:
            policy.on_refused(self.token_class, attrs["refresh"])
            raise  # the view answers 401 {"detail": ..., "code": "token_not_valid"}

        user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
        if user_id:
            user = User.objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()
            if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
                raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")

        cap = policy.session_exp(refresh)
        if not policy.record_rotation(refresh):
            raise TokenError(_("Token is blacklisted"))
        refresh.set_jti()
        refresh.set_exp()
        refresh.set_iat()
        refresh[policy.SESSION_EXP_CLAIM] = cap
        refresh["exp"] = min(refresh["exp"], cap)
        refresh.outstand()

        access = refresh.access_token
        access["exp"] = min(access["exp"], cap)
        access.payload.pop(policy.SESSION_EXP_CLAIM, None)
        return {"access": str(access), "refresh": str(refresh)}
