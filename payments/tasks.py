"""Celery tasks of the payments app: thin, idempotent, each calls one service.

The reminders queue these tasks by name (``payments.tasks.<name>``) rather than import
this module, which imports them; PaymentsConfig.ready imports it, so the names are
registered in every process, eager tests included.
"""

from celery import shared_task

from payments.reminders import delivery, scan


@shared_task(acks_late=True)
def run_reminders() -> dict:
    """The periodic reminder scan (installed in django-celery-beat by a migration).

    It creates the notices and the in-app notifications; each delivered notice's e-mails
    and robot message go out in its own ``deliver_notice`` task, queued after the commit.
    """
    outcome = scan.run()
    return {
        "created": len(outcome.created),
        "resolved": len(outcome.resolved),
        "delivered": len(outcome.delivered),
        "notifications": outcome.notifications,
        "queued": len(outcome.dispatched),
    }


@shared_task(acks_late=True)
def deliver_notice(notice_id: int) -> dict:
    """Send one notice's e-mails and robot message (claimed first: never twice)."""
    sent = delivery.dispatch(notice_id)
    return {"emails": sent.emails, "webhooks": sent.webhooks}


@shared_task(acks_late=True)
def resolve_installment_notices(installment_id: int) -> int:
    """A payment was posted or documents received: resolve what no longer applies now."""
    return len(scan.resolve_for_installment(installment_id))
