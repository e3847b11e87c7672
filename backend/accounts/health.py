"""GET /health/ and the refresh counter behind it.

Tests start the dev server and wait for /health/ to answer with the PID they
started (a stale server on the same port must not be mistaken for it), and use
`refresh_calls` to check how often the SPA refreshed its tokens.
"""
import os
import threading

from django.conf import settings
from django.http import JsonResponse

REFRESH_PATHS = (f"/{settings.AUTH_API_PREFIX}jwt/refresh/", f"/{settings.AUTH_API_PREFIX}jwt/refresh")

_lock = threading.Lock()  # runserver handles each request in its own thread
_refresh_calls = 0


def refresh_calls():
    with _lock:
        return _refresh_calls


class RefreshCounterMiddleware:
    """Counts POSTs to the refresh endpoint, whatever their answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        global _refresh_calls
        if request.method == "POST" and request.path in REFRESH_PATHS:
            with _lock:
                _refresh_calls += 1
        return self.get_response(request)


def health(request):
    return JsonResponse({"pid": os.getpid(), "refresh_calls": refresh_calls()})
