"""The `login` throttle scope (AUTH_THROTTLE_LOGIN): POST jwt/create/, per client IP.

In DEFAULT_THROTTLE_CLASSES next to DRF's anon and user scopes, so Djoser's jwt/ routes need no
change; it counts sign-in attempts only and lets every other request through.
"""
from rest_framework.throttling import SimpleRateThrottle


class LoginRateThrottle(SimpleRateThrottle):
    scope = "login"

    def get_cache_key(self, request, view):
        # Imported here: DRF imports this module while rest_framework.views is half loaded.
        from rest_framework_simplejwt.views import TokenObtainPairView

        if not isinstance(view, TokenObtainPairView):
            return None  # not a sign-in: not counted
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
