"""/api/notes/: an example of a resource behind the sign-in. Each account sees and deletes only
its own notes; another's note is a 404, as if it did not exist."""
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated

from .models import Note
from .serializers import NoteSerializer


class OwnNotes:
    serializer_class = NoteSerializer
    permission_classes = [IsAuthenticated]  # 401 without a valid `Authorization: JWT <access>`

    def get_queryset(self):
        return Note.objects.filter(user=self.request.user)


class NoteList(OwnNotes, generics.ListCreateAPIView):
    """GET: the account's notes, newest first (a JSON list). POST {"text"}: 201 and the note."""

    def perform_create(self, serializer):
        serializer.save(user=self.request.user)


class NoteDetail(OwnNotes, generics.DestroyAPIView):
    """DELETE: 204."""
