from django.db import models
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken


class Rotation(models.Model):
    """A refresh token that jwt/refresh/ exchanged for a new one (and blacklisted), and when.

    Tells a rotated-out token presented again (a race between tabs, or a stolen copy) from one
    revoked by a sign-out or a password change (refused, nothing more). Goes with the token's
    OutstandingToken row (SimpleJWT's `flushexpiredtokens` deletes both).
    """

    token = models.OneToOneField(OutstandingToken, on_delete=models.CASCADE, related_name="rotation")
    rotated_at = models.DateTimeField()
