"""Djoser serializers for the custom user (wired in settings.DJOSER["SERIALIZERS"])."""
from djoser import serializers as djoser_serializers

from .models import User, normalize_email

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


class UserCreateSerializer(djoser_serializers.UserCreateSerializer):
    class Meta:
        model = User
        fields = ("id", "email", "password", "name", "username")

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
