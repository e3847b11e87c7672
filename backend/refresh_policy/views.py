""""Where you're signed in": the account's live sign-ins (token families), an addition to stock
Djoser under its prefix (config/urls.py; README.md "Sessions API").

    GET    {prefix}sessions/                 200 [{"id", "browser", "system", "signed_in_at",
                                                   "last_refreshed_at", "current"}, ...]
    DELETE {prefix}sessions/{id}/            204; 404 unless one of the account's live families
    POST   {prefix}sessions/revoke-others/   204: every family of the account but the current one

`current` is the family named by the access token's `fam` claim. Revoking a family blacklists
all its refresh tokens: its holder is refused at the next refresh (its access token lasts until
it expires, like after any sign-out).
"""
from datetime import timezone as dt_timezone

from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .policy import FAMILY_CLAIM, live_families, revoke_family
from .user_agents import describe


def iso_utc(moment):
    if moment is None:
        return None
    return moment.astimezone(dt_timezone.utc).isoformat().replace("+00:00", "Z")


def current_family_id(request):
    auth = request.auth
    payload = getattr(auth, "payload", None) or {}
    family_id = payload.get(FAMILY_CLAIM)
    return family_id if isinstance(family_id, str) else None


class SessionList(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        current = current_family_id(request)
        families = sorted(
            live_families(request.user).order_by("-created_at", "-pk"),
            key=lambda family: family.id != current,  # stable: current first, then newest
        )
        sessions = []
        for family in families:
            browser, system = describe(family.user_agent)
            sessions.append(
                {
                    "id": family.id,
                    "browser": browser,
                    "system": system,
                    "signed_in_at": iso_utc(family.created_at),
                    "last_refreshed_at": iso_utc(family.last_refreshed_at),
                    "current": family.id == current,
                }
            )
        return Response(sessions)


class SessionDetail(APIView):
    permission_classes = [IsAuthenticated]

    def delete(self, request, family_id):
        family = live_families(request.user).filter(id=family_id).first()
        if family is None:
            raise NotFound()  # unknown, another account's, or already ended: the same answer
        revoke_family(family, timezone.now())
        return Response(status=status.HTTP_204_NO_CONTENT)


class RevokeOthers(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        now = timezone.now()
        for family in live_families(request.user).exclude(id=current_family_id(request) or ""):
            revoke_family(family, now)
        return Response(status=status.HTTP_204_NO_CONTENT)
