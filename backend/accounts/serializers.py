"""Djoser serializers for the custom user (wired in settings.DJOSER["SERIALIZERS"])."""
from djoser import serializers as djoser_serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import serializers as jwt_serializers

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
    """jwt/refresh/ (SIMPLE_JWT["TOKEN_REFRESH_SERIALIZER"]): a refresh token of a deleted account
    is refused like an inactive one's, 401 no_active_account. SimpleJWT 5.5.1 looks its user up
    with .get() and answers 500, which a client can only take for an outage and retry."""

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except User.DoesNotExist:
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            ) from None
