"""The throttle scopes besides DRF's `user` (settings.REST_FRAMEWORK, README.md "Environment").

In DEFAULT_THROTTLE_CLASSES, so Djoser's and SimpleJWT's routes need no change; each class picks
the requests it counts and lets every other one through.

- `anon` (AUTH_THROTTLE_ANON), per IP, and `user` (AUTH_THROTTLE_USER), per signed-in user (and,
  DRF's way, per IP without a JWT): DRF's, minus jwt/refresh/ and jwt/blacklist/. Those carry a
  token of their own: counted per IP, a whole office behind one address would share one budget
  of refreshes, and a busy minute would sign everybody out.
- `refresh` (AUTH_THROTTLE_REFRESH): jwt/refresh/ and jwt/blacklist/, per user of the posted refresh
  token (its signature checked; its expiry not, so that an expired token counts for its user too);
  anything else posted there (garbage, a forged token) per IP.
- `login` (AUTH_THROTTLE_LOGIN): POST jwt/create/, per IP.
- `login_account` (AUTH_THROTTLE_LOGIN_ACCOUNT): POST jwt/create/, per account (the login field's
  value as posted, lower-cased): failed attempts only. Past the rate, every attempt on that account
  is refused (429), from any address, with the right password too, until the oldest failure
  ages out; another account is not touched.
"""
import hashlib

from rest_framework import throttling


def _view_is(view, name):
    # Imported here: DRF imports this module while rest_framework.views is half loaded.
    from rest_framework_simplejwt import views

    return isinstance(view, getattr(views, name))


def _is_token_route(view):
    return _view_is(view, "TokenRefreshView") or _view_is(view, "TokenBlacklistView")


class AnonRateThrottle(throttling.AnonRateThrottle):
    def get_cache_key(self, request, view):
        if _is_token_route(view):
            return None  # the `refresh` scope counts these
        return super().get_cache_key(request, view)


class UserRateThrottle(throttling.UserRateThrottle):
    """DRF's `user` scope: per signed-in user, and per IP for requests without a JWT (DRF's
    way), minus jwt/refresh/ and jwt/blacklist/ (the `refresh` scope counts those)."""

    def get_cache_key(self, request, view):
        if _is_token_route(view):
            return None
        return super().get_cache_key(request, view)


class RefreshRateThrottle(throttling.SimpleRateThrottle):
    scope = "refresh"

    def get_cache_key(self, request, view):
        if not _is_token_route(view):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.token_user(request) or self.get_ident(request)}

    @staticmethod
    def token_user(request):
        """'user:<id>' of the posted refresh token if its signature is good, else None."""
        import jwt
        from rest_framework_simplejwt.settings import api_settings
        from rest_framework_simplejwt.state import token_backend as backend

        try:
            raw = request.data.get("refresh")
        except Exception:  # an unparsable body: the view will say so
            return None
        if not isinstance(raw, str) or not raw:
            return None
        try:
            payload = jwt.decode(
                raw,
                backend.get_verifying_key(raw),
                algorithms=[backend.algorithm],
                audience=backend.audience,
                issuer=backend.issuer,
                leeway=backend.get_leeway(),
                # The signature, not the expiry: an expired token's user is still who it is.
                options={"verify_aud": backend.audience is not None, "verify_exp": False},
            )
        except Exception:  # garbage, forged, another algorithm
            return None
        user_id = payload.get(api_settings.USER_ID_CLAIM)
        return f"user:{user_id}" if isinstance(user_id, (str, int)) and str(user_id) else None


class LoginRateThrottle(throttling.SimpleRateThrottle):
    scope = "login"

    def get_cache_key(self, request, view):
        if not _view_is(view, "TokenObtainPairView"):
            return None  # not a sign-in: not counted
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginAccountRateThrottle(throttling.SimpleRateThrottle):
    """Counts failed sign-ins per account: allow_request only looks, record_failure counts
    (accounts.serializers.TokenObtainPairSerializer calls it on a 401)."""

    scope = "login_account"

    @classmethod
    def key_for(cls, login):
        account = str(login or "").strip().lower()
        digest = hashlib.sha256(account.encode()).hexdigest()[:32]  # no address in the cache keys
        return cls.cache_format % {"scope": cls.scope, "ident": digest}

    def get_cache_key(self, request, view):
        if not _view_is(view, "TokenObtainPairView") or request.method != "POST":
            return None
        from django.contrib.auth import get_user_model

        try:
            login = request.data.get(get_user_model().USERNAME_FIELD)
        except Exception:
            return None
        if not isinstance(login, str) or not login.strip():
            return None  # the view answers 400
        return self.key_for(login)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return True  # looked, not counted: only a failure counts

    @classmethod
    def record_failure(cls, login):
        throttle = cls()
        if throttle.rate is None:
            return
        key = cls.key_for(login)
        now = throttle.timer()
        history = [t for t in throttle.cache.get(key, []) if t > now - throttle.duration]
        history.insert(0, now)
        throttle.cache.set(key, history, throttle.duration)
