"""create_active_user EMAIL PASSWORD [--name NAME] [--username U]

Creates an already activated user (no email round trip) and prints its id:
end-to-end tests use it to set up accounts fast.
"""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from accounts.models import User


class Command(BaseCommand):
    help = "Create an active user and print its id."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("password")
        parser.add_argument("--name", default="")
        parser.add_argument("--username", default="")

    def handle(self, email, password, name, username, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"Not a valid email address: {email}")
        if User.objects.filter(email=email).exists():
            raise CommandError(f"A user with the email {email.lower()} already exists.")
        if User.USERNAME_FIELD == "username" and not username:
            raise CommandError("--username is required: users sign in with it (AUTH_LOGIN_FIELD=username).")
        if username and User.objects.filter(username=username).exists():
            raise CommandError(f"A user with the username {username} already exists.")
        # No password validation on purpose: tests may want any password.
        user = User.objects.create_user(
            email, password, name=name, username=username, is_active=True
        )
        self.stdout.write(str(user.pk))
