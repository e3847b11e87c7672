import re

from django.conf import settings
from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.views import TokenBlacklistView

from accounts.health import health
from accounts.views import UserViewSet
from refresh_policy.views import RevokeOthers, SessionDetail, SessionList

# What djoser.urls does, with accounts' UserViewSet (the changed-address notice goes to the old
# address).
users = DefaultRouter()
users.register("users", UserViewSet)

# Djoser's and SimpleJWT's routes: under "auth/" unless AUTH_API_PREFIX says otherwise.
prefix = settings.AUTH_API_PREFIX

urlpatterns = [
    # How the SPA revokes its refresh token on sign-out. Slash optional, like
    # Djoser's jwt/ routes.
    re_path(rf"^{re.escape(prefix)}jwt/blacklist/?$", TokenBlacklistView.as_view(), name="jwt-blacklist"),
    # "Where you're signed in" (refresh_policy/views.py): an addition to Djoser. Slash optional.
    re_path(rf"^{re.escape(prefix)}sessions/?$", SessionList.as_view(), name="sessions"),
    re_path(rf"^{re.escape(prefix)}sessions/revoke-others/?$", RevokeOthers.as_view(), name="sessions-revoke-others"),
    re_path(rf"^{re.escape(prefix)}sessions/(?P<family_id>[A-Za-z0-9_-]{{1,64}})/?$", SessionDetail.as_view(), name="session"),
    path(prefix, include(users.urls)),
    path(prefix, include("djoser.urls.jwt")),
    path("api/", include("notes.urls")),
]
if settings.AUTH_HEALTH:  # dev and test modes only (AUTH_MODE)
    urlpatterns.append(path("health/", health, name="health"))
if settings.AUTH_SOCIAL_PROVIDERS:  # AUTH_SOCIAL_PROVIDERS: Djoser's o/{provider}/ (config/social.py)
    urlpatterns.append(path(prefix, include("djoser.social.urls")))
