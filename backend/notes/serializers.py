from rest_framework import serializers

from .models import Note


class NoteSerializer(serializers.ModelSerializer):
    """{"id": 1, "text": "...", "created": "2025-01-01T12:00:00.123456Z"}. `text` is trimmed; blank
    or longer than 500 characters: 400 {"text": ["..."]}."""

    class Meta:
        model = Note
        fields = ("id", "text", "created")
        read_only_fields = ("id", "created")
