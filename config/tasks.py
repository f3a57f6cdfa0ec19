"""The project's own periodic task: beat's heartbeat, which /readyz/ reads."""

from celery import shared_task

from config.health import heartbeat_record


@shared_task(name="config.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    """Sent by beat every BEAT_HEARTBEAT_SECONDS: /readyz/ reads when it last ran."""
    heartbeat_record()
