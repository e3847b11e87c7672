from django.urls import re_path

from .views import NoteDetail, NoteList

# Mounted at api/ (config/urls.py). Slash optional: a POST to a path without it would otherwise
# meet APPEND_SLASH's HTML 500.
urlpatterns = [
    re_path(r"^notes/?$", NoteList.as_view(), name="note-list"),
    re_path(r"^notes/(?P<pk>[0-9]+)/?$", NoteDetail.as_view(), name="note-detail"),
]
