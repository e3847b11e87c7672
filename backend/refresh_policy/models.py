import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken


def new_family_id():
    return secrets.token_urlsafe(16)  # 22 characters, 128 random bits


class Family(models.Model):
    """One sign-in: the refresh tokens jwt/create/ issued and every rotation of them (issue #19).

    Its id travels in each of its tokens (refresh and access) as the `fam` claim. Reuse of a
    rotated-out token revokes the family, not the account's other sign-ins; "where you're signed
    in" (refresh_policy/views.py) lists the live ones. `newest_jti` and `parent_jti` are the head of
    the rotation chain: the newest refresh token, and the one it was exchanged for, which the
    overlap answers again with the same pair (refresh_policy/policy.py).
    """

    id = models.CharField(primary_key=True, max_length=32, default=new_family_id, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="token_families")
    user_agent = models.CharField(max_length=512, blank=True)  # at sign-in
    created_at = models.DateTimeField(default=timezone.now)  # the sign-in
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()  # the sign-in's end (the session_exp claim)
    newest_jti = models.CharField(max_length=255, blank=True)
    parent_jti = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name_plural = "families"
        indexes = [models.Index(fields=["user", "revoked_at", "expires_at"], name="refresh_fam_live")]

    def __str__(self):
        return f"{self.id} ({self.user_id})"


class FamilyToken(models.Model):
    """Which family an issued refresh token belongs to (revoking a family blacklists them all).
    Goes with the token's OutstandingToken row."""

    token = models.OneToOneField(OutstandingToken, on_delete=models.CASCADE, related_name="family_link")
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="links")


class Rotation(models.Model):
    """A refresh token that jwt/refresh/ exchanged for a new one (and blacklisted), and when.

    Tells a rotated-out token presented again (a lost answer, a race between tabs, or a stolen
    copy) from one revoked by a sign-out or a password change (refused, nothing more). Goes with
    the token's OutstandingToken row (SimpleJWT's `flushexpiredtokens` deletes both).

    `answer_access` / `answer_refresh`: the pair this token was exchanged for, while the overlap
    may answer it again (refresh_policy/policy.py): kept only while this token is its family's
    newest token's parent, that newest token unused, and the family live; emptied when the chain
    moves on or the family ends, and ignored past AUTH_REFRESH_OVERLAP (`flushexpiredfamilies`
    empties those). Keeping a live pair in the database for that long is acceptable: the window
    is short (60 s), the pair is what the client holds anyway, and SimpleJWT's OutstandingToken
    keeps every refresh token's text already.
    """

    token = models.OneToOneField(OutstandingToken, on_delete=models.CASCADE, related_name="rotation")
    rotated_at = models.DateTimeField()
    answer_access = models.TextField(blank=True, default="")
    answer_refresh = models.TextField(blank=True, default="")
