"""Login lock-out by account and address together (django-axes).

Failures count twice: per account *from one address* (``AXES_FAILURE_LIMIT``, 5), so a
stranger elsewhere cannot lock the finance officer out, and per address over all
accounts (``AXES_ADDRESS_FAILURE_LIMIT``, 20), so one password tried across many
accounts from one machine locks that machine. The address's limit is higher because a
bureau's PCs often share one NAT address: five colleagues' typos must not shut the
office out. A successful login clears the account's failures from that address only, so
an attacker who knows one password cannot wipe the address's count with it.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


def client_ip(request) -> str | None:
    """The address axes counts (the same the security audit log records)."""
    from accounts.audit import client_ip

    return client_ip(request)


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        # One filter per AXES_LOCKOUT_PARAMETERS entry: the account at the address, the address.
        account, address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        # The address's failures in units of the account limit: locked at its own limit.
        limit = get_failure_limit(request, credentials)
        return max(account, address * limit // settings.AXES_ADDRESS_FAILURE_LIMIT)

    def reset_user_attempts(self, request, credentials=None) -> int:
        account = self.filter_user_attempts(request, credentials)[0]
        deleted, _per_model = account.delete()
        return deleted
