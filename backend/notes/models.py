from django.conf import settings
from django.db import models

MAX_LENGTH = 500


class Note(models.Model):
    """A short text of one account: what /api/notes/ lists, creates and deletes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes")
    text = models.CharField(max_length=MAX_LENGTH)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]  # newest first
