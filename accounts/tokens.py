"""The one-time links of invitations: Django's password-reset token with its own salt
and lifetime.

The token hashes the account's password and last login, so it stops working once the
invited person has set a password (one time), and it expires after
``settings.INVITATION_TIMEOUT`` seconds.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.tokens.InvitationTokenGenerator"

    def check_token(self, user, token):
        """Django's check, against the invitation's lifetime instead of the reset's."""
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return (self._num_seconds(self._now()) - ts) <= settings.INVITATION_TIMEOUT


invitation_token = InvitationTokenGenerator()


def invitation_path(user) -> str:
    """The path of the user's set-password link (the site's address goes in front)."""
    from django.urls import reverse

    return reverse(
        "accounts:invitation",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), invitation_token.make_token(user)],
    )
