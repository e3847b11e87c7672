"""Fault injection for end-to-end tests only: answers chosen requests badly on purpose.

Off unless the AUTH_FAULTS environment variable is set (settings.py only adds the
middleware then). Its value is a `;`-separated list of rules:

    METHOD PATH=FAULT[,FAULT...]

The n-th request matching METHOD and PATH (exactly) gets the n-th FAULT; once the list is
used up, such requests pass through untouched. A FAULT is STATUS-BODY, BODY being
`html` (an HTML error page), `empty` (the JSON object `{}`), `blank` (no body at all), or a
hostile JSON body: `huge` (10 MB), `deep` (10,000 levels of nesting), `keys` (100,000 keys),
or `200-instant`: the real answer, its access token re-issued with exp == iat, as SimpleJWT's
refresh view now and then issues 1-second tokens (it dates `exp` and `iat` from two clock
readings, each cut to whole seconds), or `delay-MS`: the real answer, held back MS
milliseconds after the view has run (the server has acted on the request, e.g. rotated a
refresh token, but the browser hears of it late, as over a slow network).
Example: "POST /auth/jwt/create/=500-html,200-empty;GET /auth/users/me/=200-empty;
POST /auth/jwt/refresh/=delay-3000".
"""
import json
import re
import threading
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.http import HttpResponse

BODIES = {
    "html": ("text/html; charset=utf-8", b"<!doctype html><title>Error</title><h1>Server Error</h1>"),
    "empty": ("application/json", b"{}"),
    "blank": ("application/json", b""),
}
# Built when used: the hostile bodies are large.
HOSTILE = {
    "huge": lambda: ('{"email": ["' + "x" * 10_000_000 + '"]}').encode(),
    "deep": lambda: ("[" * 10_000 + "]" * 10_000).encode(),
    "keys": lambda: json.dumps({f"field{n}": ["x"] for n in range(100_000)}).encode(),
}
RULE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S*)=(.+)$")
FAULT = re.compile(
    r"^(?:(200)-(instant)|([1-5][0-9][0-9])-(" + "|".join([*BODIES, *HOSTILE]) + r")|(delay)-([0-9]{1,6}))$"
)


def parse(spec):
    """{(method, path): [(status, body kind) or ("delay", milliseconds), ...]}; ImproperlyConfigured
    on any typo."""
    rules = {}
    for rule in filter(None, (part.strip() for part in spec.split(";"))):
        match = RULE.match(rule)
        if not match:
            raise ImproperlyConfigured(
                f"AUTH_FAULTS: bad rule {rule!r} (want 'METHOD /path/=STATUS-BODY,...')"
            )
        method, path, faults = match.groups()
        parsed = []
        for fault in faults.split(","):
            fault_match = FAULT.match(fault.strip())
            if not fault_match:
                raise ImproperlyConfigured(
                    f"AUTH_FAULTS: bad fault {fault!r} in {rule!r} (want STATUS-{'|'.join([*BODIES, *HOSTILE])}, 200-instant or delay-MS)"
                )
            first, second = [group for group in fault_match.groups() if group]
            if first == "delay":
                parsed.append(("delay", int(second)))
            else:
                parsed.append((int(first), second))
        rules[(method, path)] = parsed
    return rules


class FaultMiddleware:
    """Must sit after CorsMiddleware, so the faulty answers still carry the CORS headers."""

    def __init__(self, get_response):
        spec = getattr(settings, "AUTH_FAULTS", "")
        if not spec:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.pending = parse(spec)
        self.lock = threading.Lock()  # runserver is threaded

    def __call__(self, request):
        with self.lock:
            queue = self.pending.get((request.method, request.path))
            fault = queue.pop(0) if queue else None
        if fault is None:
            return self.get_response(request)
        status, kind = fault
        if status == "delay":
            response = self.get_response(request)
            time.sleep(kind / 1000)
            return response
        if kind == "instant":
            return instant_access(self.get_response(request))
        if kind in HOSTILE:
            return HttpResponse(HOSTILE[kind](), status=status, content_type="application/json")
        content_type, body = BODIES[kind]
        return HttpResponse(body, status=status, content_type=content_type)


def instant_access(response):
    """The answer with its access token re-signed so that exp == iat."""
    from rest_framework_simplejwt.tokens import AccessToken

    data = json.loads(response.content)
    token = AccessToken(data["access"])
    token["exp"] = token["iat"]
    data["access"] = str(token)
    response.content = json.dumps(data, separators=(",", ":")).encode()
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
    return response
