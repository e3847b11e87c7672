"""Two safety middlewares (settings.MIDDLEWARE).

- NoStoreMiddleware: `Cache-Control: no-store` on every answer that has none. This backend is an
  API whose answers carry tokens (jwt/create/, jwt/refresh/), profiles (users/me/, users/) or a
  user's own data: no browser, proxy or CDN cache may keep a copy.
- ForwardedForWarningMiddleware (production mode only): a request that arrives with
  X-Forwarded-For while AUTH_NUM_PROXIES is 0 means a proxy in front that nobody told the
  backend about. The throttles then see the proxy's address for every client (one shared
  budget: one busy office, or one attacker, throttles everybody). Logged loudly, once per
  process; README.md, "Deploying".
"""
import logging
import threading

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed

log = logging.getLogger(__name__)


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response


class ForwardedForWarningMiddleware:
    def __init__(self, get_response):
        if settings.REST_FRAMEWORK.get("NUM_PROXIES"):
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.lock = threading.Lock()
        self.warned = False

    def __call__(self, request):
        if not self.warned and "HTTP_X_FORWARDED_FOR" in request.META:
            with self.lock:
                first, self.warned = not self.warned, True
            if first:
                log.error(
                    "A request came with an X-Forwarded-For header, but AUTH_NUM_PROXIES is 0: "
                    "there is a proxy in front of this backend that it doesn't know of. Every "
                    "client then has the proxy's address, and shares its throttle budget with all "
                    "the others. Set AUTH_NUM_PROXIES to the number of proxies in front (README.md, "
                    "Deploying). Said once."
                )
        return self.get_response(request)
