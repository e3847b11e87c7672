"""Deletes the token families (sign-ins) that ended more than a day ago, revoked or expired; run
it next to SimpleJWT's `flushexpiredtokens`, e.g. daily."""
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from refresh_policy.models import Family


class Command(BaseCommand):
    help = "Deletes token families that expired or were revoked more than a day ago."

    def handle(self, *args, **options):
        cutoff = timezone.now() - timedelta(days=1)
        deleted, _ = Family.objects.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)).delete()
        self.stdout.write(str(deleted))
