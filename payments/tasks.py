"""Celery tasks of the payments app: thin, idempotent, each calls one service."""

from celery import shared_task

from payments import reminders


@shared_task(acks_late=True)
def run_reminders() -> dict:
    """The periodic reminder scan (installed in django-celery-beat by a migration).

    It creates the notices and the in-app notifications; each delivered notice's e-mails
    and robot message go out in its own ``deliver_notice`` task, queued after the commit.
    """
    outcome = reminders.run()
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
    sent = reminders.dispatch(notice_id)
    return {"emails": sent.emails, "webhooks": sent.webhooks}


@shared_task(acks_late=True)
def resolve_installment_notices(installment_id: int) -> int:
    """A payment was posted or documents received: resolve what no longer applies now."""
    return len(reminders.resolve_for_installment(installment_id))
