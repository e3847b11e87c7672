"""The outbox: Django's file-based backend (one file per message), which can
also print each message's links to stdout so a developer can click them."""
import re

from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend

LINK = re.compile(r"https?://[^\s\"'<>]+")


class OutboxEmailBackend(EmailBackend):
    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        if settings.AUTH_PRINT_LINKS:
            for message in email_messages:
                # Only the SPA links (activation, password reset), from the
                # plain-text body: the HTML part repeats them.
                for link in dict.fromkeys(LINK.findall(message.body)):
                    if link.startswith(settings.SPA_ORIGIN + "/"):
                        print(f"[email to {', '.join(message.to)}] {link}", flush=True)
        return sent
