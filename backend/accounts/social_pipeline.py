"""Steps of the social sign-in pipeline (config/social.py's SOCIAL_AUTH_PIPELINE).

The choice: a provider's identity is linked to an existing account with the same email only when
the provider says it verified that address (OpenID Connect's and Google's `email_verified`,
GitHub's `verified` on the address in /user/emails). Otherwise anyone who can make a provider
account with somebody else's address could take over that person's account here. The user is
told instead (400 `{"non_field_errors": ["This email address is already in use."]}`), and signs
in with their password. A new account is created from the provider's email either way; its
password is unusable until reset.
"""
from social_core.exceptions import AuthAssociationError, AuthResponseError

from .models import User, normalize_email


def email_verified(backend, response, email):
    """Whether the provider says it verified `email`."""
    if backend.name == "github":
        return any(
            isinstance(entry, dict)
            and normalize_email(entry.get("email")) == email
            and entry.get("verified") is True
            for entry in response.get("emails") or []
        )
    claims = getattr(backend, "id_token", None) or {}
    value = response.get("email_verified", claims.get("email_verified"))
    # Some providers send the claim as a string.
    return value is True or value == "true"


def associate_by_verified_email(backend, details, response, user=None, *args, **kwargs):
    if user:  # this identity is already linked
        return None
    email = normalize_email(details.get("email"))
    if not email:
        raise AuthResponseError(backend, "no email", code="missing_claim", claim="email", stage="pipeline")
    existing = User.objects.filter(email=email).first()
    if existing is None:
        return None
    if not email_verified(backend, response, email):
        raise AuthAssociationError(backend, code="email_in_use", stage="pipeline")
    if not existing.is_active:
        # Registered but never activated: the provider just proved the address is theirs.
        existing.is_active = True
        existing.save(update_fields=["is_active"])
    return {"user": existing, "is_new": False}


def create_user(backend, details, user=None, *args, **kwargs):
    if user:
        return {"is_new": False}
    name = details.get("fullname") or " ".join(
        part for part in (details.get("first_name"), details.get("last_name")) if part
    )
    user = User.objects.create_user(normalize_email(details.get("email")), None, name=name[:150])
    return {"user": user, "is_new": True}
