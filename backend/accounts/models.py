from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


def normalize_email(email):
    """The one spelling of an address we store and look up: trimmed, lower-cased."""
    return (email or "").strip().lower()


class LowercaseEmailField(models.EmailField):
    """An email column that is lower-cased on every write AND every lookup.

    Lookups (`email=...`) go through get_prep_value too, so everything that
    finds a user by email is case-insensitive without further code: SimpleJWT's
    login (ModelBackend -> get_by_natural_key), Djoser's reset_password /
    resend_activation, and DRF's unique check on registration.
    """

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return normalize_email(value) if isinstance(value, str) else value


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        # Django's own only lower-cases the domain part.
        return normalize_email(email)

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = LowercaseEmailField("email", unique=True)
    name = models.CharField("name", max_length=150, blank=True)
    # A display handle, optional but unique when given (the constraint below); with
    # AUTH_LOGIN_FIELD=username, what users sign in with (then required at registration).
    username = models.CharField("username", max_length=150, blank=True)
    is_active = models.BooleanField("active", default=True)
    # Djoser's permissions (e.g. listing all users) look at is_staff.
    is_staff = models.BooleanField("staff status", default=False)
    date_joined = models.DateTimeField("date joined", default=timezone.now)
    # Set by billing, never by the user: read-only in the API.
    subscription_status = models.CharField("subscription status", max_length=32, default="none")
    has_active_subscription = models.BooleanField("has active subscription", default=False)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = settings.AUTH_LOGIN_FIELD
    # createsuperuser asks for these besides USERNAME_FIELD: the email, when that isn't it.
    REQUIRED_FIELDS = ["email"] if USERNAME_FIELD == "username" else []

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        constraints = [
            models.UniqueConstraint(
                fields=["username"],
                condition=~models.Q(username=""),
                name="accounts_user_unique_username",
            )
        ]

    def save(self, *args, **kwargs):
        # Also keep the in-memory instance lower-cased, so API answers show
        # the stored spelling.
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    # first_name / last_name are derived from `name` ("Alice A" -> "Alice",
    # "A"): the API shows them, and the password similarity check sees them.
    @property
    def first_name(self):
        return self.name.strip().partition(" ")[0]

    @property
    def last_name(self):
        return self.name.strip().partition(" ")[2].strip()

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.first_name or self.email

    def __str__(self):
        return self.email
