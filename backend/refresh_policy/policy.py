"""The refresh token policy on top of SimpleJWT's rotation and blacklist (README.md, "Tokens").

- cap: a rotated refresh token expires no later than the one the sign-in issued; the original
  expiry travels through rotation in the SESSION_EXP_CLAIM claim.
- reuse: a rotated-out refresh token presented again more than AUTH_REFRESH_REUSE_GRACE after
  its rotation revokes every refresh token of its account (a stolen copy races the owner;
  whichever comes second is caught). Within the grace it is only refused: two tabs that refreshed
  with the same token at once, the loser then adopts the winner's tokens.
- revoke_refresh_tokens: what a password change or reset does (accounts/views.py).
"""
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from .models import Rotation

SESSION_EXP_CLAIM = "session_exp"

log = logging.getLogger(__name__)


def session_exp(refresh):
    """When the sign-in behind this refresh token ends (epoch seconds)."""
    return int(refresh.payload.get(SESSION_EXP_CLAIM, refresh["exp"]))


def revoke_refresh_tokens(user):
    """Blacklists every refresh token of `user` that has not expired; returns how many."""
    if user is None or user.pk is None:
        return 0
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    revoked = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    return len(revoked)


def record_rotation(refresh):
    """Blacklists `refresh` as rotated-out. False if another request rotated it first."""
    with transaction.atomic():
        blacklisted, created = refresh.blacklist()
        if created:
            Rotation.objects.create(token=blacklisted.token, rotated_at=timezone.now())
    return created


def on_refused(token_class, raw):
    """jwt/refresh/ refused `raw`: if it is a genuine refresh token rotated out longer than the
    grace ago, revoke all of its account's refresh tokens. Forged, expired or garbage tokens
    change nothing."""
    try:
        payload = token_backend.decode(raw, verify=True)  # signature and expiry
    except TokenBackendError:
        return
    if payload.get(api_settings.TOKEN_TYPE_CLAIM) != token_class.token_type:
        return
    rotation = (
        Rotation.objects.select_related("token__user")
        .filter(token__jti=payload.get(api_settings.JTI_CLAIM))
        .first()
    )
    if rotation is None or timezone.now() - rotation.rotated_at < settings.AUTH_REFRESH_REUSE_GRACE:
        return
    user = rotation.token.user
    revoked = revoke_refresh_tokens(user)
    log.warning(
        "refresh token reuse: a token rotated out at %s came back; %d refresh token(s) of user %s revoked",
        rotation.rotated_at.isoformat(), revoked, getattr(user, "pk", None),
    )
