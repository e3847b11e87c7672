"""The refresh token policy on top of SimpleJWT's rotation and blacklist (README.md, "Tokens").

- families: each sign-in (jwt/create/) starts a Family; its id travels in every refresh and
  access token of the sign-in as the FAMILY_CLAIM claim, through rotation.
- cap: a rotated refresh token expires no later than the one the sign-in issued; the original
  expiry travels through rotation in the SESSION_EXP_CLAIM claim.
- overlap: the client presents the token a refresh exchanged again (its family's newest token's
  parent) within AUTH_REFRESH_OVERLAP of that rotation, the newest token never used: the answer
  was lost, or two tabs refreshed with one token at once. It gets the very pair the rotation
  answered (kept on the Rotation row for the window), as often as it comes back: idempotent, so
  every tab ends up holding the same, live, refresh token.
- grace: any other rotated-out token presented within AUTH_REFRESH_REUSE_GRACE of its rotation
  is only refused: a request that lost a race the overlap doesn't cover.
- reuse: otherwise a rotated-out token presented again revokes its family (a stolen copy races
  the owner; whichever comes second is caught); the account's other sign-ins are untouched.
- revoke_family / revoke_refresh_tokens: a sign-out, "sign out that device" / a password change
  or reset.
"""
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch, get_md5_hash_password

from .models import Family, FamilyToken, Rotation

SESSION_EXP_CLAIM = "session_exp"
FAMILY_CLAIM = "fam"
USER_AGENT_LENGTH = Family._meta.get_field("user_agent").max_length

log = logging.getLogger(__name__)


def session_exp(refresh_or_payload):
    """When the sign-in behind this refresh token ends (epoch seconds)."""
    payload = getattr(refresh_or_payload, "payload", refresh_or_payload)
    return int(payload.get(SESSION_EXP_CLAIM, payload["exp"]))


def _jti(payload):
    return payload[api_settings.JTI_CLAIM]


def _new_refresh(user, family, cap=None):
    """A refresh token of `family` for `user`, expiring no later than `cap`, outstanding and
    linked to the family (SimpleJWT's for_user would record it before the claims are in)."""
    refresh = RefreshToken()
    refresh[api_settings.USER_ID_CLAIM] = str(getattr(user, api_settings.USER_ID_FIELD))
    if api_settings.CHECK_REVOKE_TOKEN:
        refresh[api_settings.REVOKE_TOKEN_CLAIM] = get_md5_hash_password(user.password)
    if cap is not None:
        refresh[SESSION_EXP_CLAIM] = cap
        refresh["exp"] = min(refresh["exp"], cap)
    refresh[FAMILY_CLAIM] = family.id
    _link(refresh, family)
    return refresh


def _link(refresh, family):
    outstanding, _ = refresh.outstand()
    FamilyToken.objects.get_or_create(token=outstanding, defaults={"family": family})


def pair(refresh):
    """The answer to jwt/create/ or jwt/refresh/: the access token ends with the sign-in too."""
    access = refresh.access_token
    access["exp"] = min(access["exp"], session_exp(refresh))
    access.payload.pop(SESSION_EXP_CLAIM, None)
    return {"access": str(access), "refresh": str(refresh)}


def start_family(user, user_agent=""):
    """jwt/create/: a new sign-in, its family and its first refresh token."""
    with transaction.atomic():
        family = Family(user=user, user_agent=(user_agent or "")[:USER_AGENT_LENGTH])
        family.expires_at = timezone.now() + api_settings.REFRESH_TOKEN_LIFETIME
        family.save()
        refresh = _new_refresh(user, family)
        family.expires_at = datetime_from_epoch(refresh["exp"])
        family.newest_jti = _jti(refresh.payload)
        family.save(update_fields=["expires_at", "newest_jti"])
    return refresh


def family_of(payload):
    """The Family of a refresh token (by its issued token's link, else its claim), or None."""
    link = FamilyToken.objects.select_related("family").filter(token__jti=_jti(payload)).first()
    if link is not None:
        return link.family
    family_id = payload.get(FAMILY_CLAIM)
    return Family.objects.filter(id=family_id).first() if isinstance(family_id, str) else None


def _family_for_rotation(refresh, user):
    """The token's family; a token from before families (no link, no claim) gets one now."""
    family = family_of(refresh.payload)
    if family is None and user is not None:
        family = Family.objects.create(
            user=user,
            created_at=datetime_from_epoch(refresh["iat"]) if "iat" in refresh.payload else timezone.now(),
            expires_at=datetime_from_epoch(session_exp(refresh)),
            newest_jti=_jti(refresh.payload),
        )
    if family is not None:
        _link(refresh, family)
    return family


def forget_answers(rotations):
    """Empties the pairs kept for the overlap (see Rotation) of these Rotation rows."""
    rotations.exclude(answer_refresh="", answer_access="").update(answer_access="", answer_refresh="")


def revoke_family(family, now=None):
    """Blacklists every refresh token of `family` and marks it revoked; returns how many tokens."""
    now = now or timezone.now()
    with transaction.atomic():
        live = OutstandingToken.objects.filter(family_link__family=family, blacklistedtoken__isnull=True)
        revoked = BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
        )
        forget_answers(Rotation.objects.filter(token__family_link__family=family))
        Family.objects.filter(pk=family.pk, revoked_at__isnull=True).update(revoked_at=now)
        family.revoked_at = family.revoked_at or now
    return len(revoked)


def revoke_refresh_tokens(user):
    """Blacklists every refresh token of `user` that has not expired and ends all its families;
    returns how many tokens."""
    if user is None or user.pk is None:
        return 0
    now = timezone.now()
    with transaction.atomic():
        live = OutstandingToken.objects.filter(user=user, expires_at__gt=now, blacklistedtoken__isnull=True)
        revoked = BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
        )
        forget_answers(Rotation.objects.filter(token__user=user))
        Family.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    return len(revoked)


def live_families(user):
    return Family.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())


def record_rotation(refresh):
    """Blacklists `refresh` as rotated-out. False if another request rotated it first."""
    with transaction.atomic():
        blacklisted, created = refresh.blacklist()
        if created:
            Rotation.objects.create(token=blacklisted.token, rotated_at=timezone.now())
    return created


def rotate(refresh, user):
    """jwt/refresh/ with a good token: blacklists it, answers the family's next pair and keeps
    that pair for the overlap. None if another request rotated it first (then it goes through
    on_refused like any spent token, and gets this pair again if the overlap allows)."""
    with transaction.atomic():
        if not record_rotation(refresh):
            return None
        family = _family_for_rotation(refresh, user)
        if family is not None:
            family = Family.objects.select_for_update().get(pk=family.pk)
        if family is not None and family.revoked_at is not None:
            return None  # its sign-in ended meanwhile
        cap = session_exp(refresh)
        parent = _jti(refresh.payload)
        refresh.set_jti()
        refresh.set_exp()
        refresh.set_iat()
        refresh[SESSION_EXP_CLAIM] = cap
        refresh["exp"] = min(refresh["exp"], cap)
        if family is None:
            refresh.outstand()
            return pair(refresh)
        refresh[FAMILY_CLAIM] = family.id
        _link(refresh, family)
        answer = pair(refresh)
        # The chain moves on: the previous parent's pair (if any) is not answered again any
        # more (its child, `refresh` until now, has just been used); this token's answer is kept
        # for the overlap. Written in this transaction, with the rotation: a request that finds
        # the token rotated finds its answer too.
        forget_answers(Rotation.objects.filter(token__family_link__family=family))
        Rotation.objects.filter(token__jti=parent).update(
            answer_access=answer["access"], answer_refresh=answer["refresh"]
        )
        family.parent_jti = parent
        family.newest_jti = _jti(refresh.payload)
        family.last_refreshed_at = timezone.now()
        family.save(update_fields=["parent_jti", "newest_jti", "last_refreshed_at"])
        return answer


def genuine_payload(token_class, raw):
    """The payload of `raw` if it is a refresh token this server signed and that has not
    expired (blacklisted or not); None for forged, expired or garbage tokens."""
    try:
        payload = token_backend.decode(raw, verify=True)  # signature and expiry
    except TokenBackendError:
        return None
    if payload.get(api_settings.TOKEN_TYPE_CLAIM) != token_class.token_type or not payload.get(api_settings.JTI_CLAIM):
        return None
    return payload


def on_refused(payload, check_user):
    """jwt/refresh/ refused a genuine refresh token (`payload`, see genuine_payload) as
    blacklisted. Answers the overlap's pair, or None (refused); revokes the family when it is
    reuse. `check_user(user)` raises if the account may not have tokens."""
    jti = _jti(payload)
    family = family_of(payload)
    if family is None:
        return None  # a token from before families: refused
    with transaction.atomic():
        # One at a time per family (SQLite's IMMEDIATE transactions serialize anyway).
        family = Family.objects.select_for_update().get(pk=family.pk)
        rotation = Rotation.objects.filter(token__jti=jti).first()
        if rotation is None:
            return None  # revoked (sign-out, password change, another device), not rotated
        if family.revoked_at is not None:
            return None
        now = timezone.now()
        age = now - rotation.rotated_at
        is_parent = family.parent_jti == jti
        if is_parent and rotation.answer_refresh:
            newest_unused = bool(family.newest_jti) and not BlacklistedToken.objects.filter(
                token__jti=family.newest_jti
            ).exists()
            if newest_unused and age <= settings.AUTH_REFRESH_OVERLAP:
                # The overlap: the same pair as the rotation answered, however often. Nothing
                # is written: no new token, and the sign-in's last refresh stays that rotation.
                check_user(family.user)
                log.info("refresh answered again (a lost answer, or tabs at once) in family %s of user %s",
                         family.id, family.user_id)
                return {"access": rotation.answer_access, "refresh": rotation.answer_refresh}
            forget_answers(Rotation.objects.filter(pk=rotation.pk))  # past the window: never again
        if age < settings.AUTH_REFRESH_REUSE_GRACE:
            return None  # lost a race: only refused
        revoked = revoke_family(family, now)
    log.warning(
        "refresh token reuse: a token rotated out at %s (%d s before) came back, %s; "
        "family %s of user %s revoked (%d refresh token(s))",
        rotation.rotated_at.isoformat(), age.total_seconds(),
        "not the newest token's parent (the chain had moved on)" if not is_parent
        else "past the overlap" if age > settings.AUTH_REFRESH_OVERLAP
        else "with no answer kept for it",
        family.id, family.user_id, revoked,
    )
    return None


def sign_out(payload):
    """jwt/blacklist/ with a genuine refresh token (spent or not): its whole family ends."""
    family = family_of(payload)
    if family is not None:
        revoke_family(family)
