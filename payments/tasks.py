"""Celery tasks of the payments app: thin, idempotent, each calls one service."""

from celery import shared_task

from payments import reminders


@shared_task(acks_late=True)
def run_reminders() -> dict:
    """The periodic reminder scan (installed in django-celery-beat by a migration)."""
    outcome = reminders.run()
    return {
        "created": len(outcome.created),
        "resolved": len(outcome.resolved),
        "delivered": len(outcome.delivered),
        "notifications": outcome.notifications,
        "emails": outcome.emails,
        "webhooks": outcome.webhooks,
    }
