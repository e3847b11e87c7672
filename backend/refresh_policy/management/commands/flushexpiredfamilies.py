"""Deletes the token families (sign-ins) that ended more than a day ago, revoked or expired, and
empties the pairs kept for the overlap once it has passed (refresh_policy.models.Rotation; they
are ignored then, and emptied anyway at the family's next refresh); run it next to SimpleJWT's
`flushexpiredtokens`, e.g. daily."""
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from refresh_policy.models import Family, Rotation
from refresh_policy.policy import forget_answers


class Command(BaseCommand):
    help = (
        "Deletes token families that expired or were revoked more than a day ago, and empties "
        "the refresh answers kept for the overlap once it has passed."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        forget_answers(Rotation.objects.filter(rotated_at__lt=now - settings.AUTH_REFRESH_OVERLAP))
        cutoff = now - timedelta(days=1)
        deleted, _ = Family.objects.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)).delete()
        self.stdout.write(str(deleted))
