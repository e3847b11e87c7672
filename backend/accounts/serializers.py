"""Djoser serializers for the custom user (wired in settings.DJOSER["SERIALIZERS"])."""
from django.contrib.auth.models import update_last_login
from django.utils.translation import gettext_lazy as _
from djoser import serializers as djoser_serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from refresh_policy import policy

from .models import User, normalize_email
from .throttling import LoginAccountRateThrottle

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
        extra_kwargs = {
            "username": {"required": USERNAME_REQUIRED, "allow_blank": not USERNAME_REQUIRED},
            # No "already exists" error: an address that has an account is answered like a new
            # one (accounts.views.UserViewSet.create), so registration tells nobody who has one.
            "email": {"validators": []},
        }

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


class TokenObtainPairSerializer(jwt_serializers.TokenObtainPairSerializer):
    """jwt/create/ (SIMPLE_JWT["TOKEN_OBTAIN_SERIALIZER"]): SimpleJWT's sign-in, plus

    - each sign-in starts a token family (refresh_policy/policy.py), its id in the `fam` claim of
      both tokens, the User-Agent recorded for "where you're signed in";
    - a failed attempt counts against the account (the `login_account` throttle scope).
    """

    def validate(self, attrs):
        try:
            jwt_serializers.TokenObtainSerializer.validate(self, attrs)  # authenticates: self.user
        except AuthenticationFailed:
            LoginAccountRateThrottle.record_failure(attrs.get(self.username_field))
            raise
        request = self.context.get("request")
        user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
        refresh = policy.start_family(self.user, user_agent)
        data = {"refresh": str(refresh), "access": policy.pair(refresh)["access"]}
        if jwt_settings.UPDATE_LAST_LOGIN:
            update_last_login(None, self.user)
        return data


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    """jwt/refresh/ (SIMPLE_JWT["TOKEN_REFRESH_SERIALIZER"]): SimpleJWT's rotation, plus the
    refresh token policy (refresh_policy/policy.py, README.md "Tokens"):

    - the new tokens stay in the sign-in's family and expire no later than the sign-in's first
      refresh token did (absolute cap);
    - a spent token presented again: answered the same pair again within the overlap (a lost
      answer, tabs at once), only refused within the grace (a race), else its family is revoked;
      refused, it gets SimpleJWT's answer (401 "Token is blacklisted");
    - of requests rotating the same token at once, one rotates it and the others go the way of a
      spent token: the overlap gives them the same answer (SimpleJWT lets each win, with a chain
      of its own);
    - a refresh token of a deleted account is refused like an inactive one's, 401
      no_active_account (SimpleJWT 5.5.1 looks its user up with .get() and answers 500, which a
      client can only take for an outage and retry).
    """

    def check_user(self, user):
        if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")

    def validate(self, attrs):
        raw = attrs["refresh"]
        try:
            refresh = self.token_class(raw)
        except TokenError as refused:
            refusal = refused
        else:
            user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
            user = None
            if user_id:
                user = User.objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()
                self.check_user(user)
            answer = policy.rotate(refresh, user)
            if answer is not None:
                return answer
            refusal = TokenError(_("Token is blacklisted"))
        payload = policy.genuine_payload(self.token_class, raw)
        if payload is not None:
            answer = policy.on_refused(payload, self.check_user)
            if answer is not None:
                return answer
        raise refusal  # the view answers 401 {"detail": ..., "code": "token_not_valid"}


class TokenBlacklistSerializer(jwt_serializers.TokenBlacklistSerializer):
    """jwt/blacklist/ (sign-out, SIMPLE_JWT["TOKEN_BLACKLIST_SERIALIZER"]): blacklists the token and
    ends its whole family. A token of the family already spent (rotated out, e.g. the browser
    missed the newest one) is refused as SimpleJWT refuses it, and the family ends all the same."""

    def validate(self, attrs):
        try:
            refresh = self.token_class(attrs["refresh"])
        except TokenError:
            payload = policy.genuine_payload(self.token_class, attrs["refresh"])
            if payload is not None:
                policy.sign_out(payload)
            raise
        refresh.blacklist()
        policy.sign_out(refresh.payload)
        return {}
