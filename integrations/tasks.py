from celery import shared_task

from integrations.webhooks import delivery_attempt


@shared_task(bind=True, max_retries=None)
def webhook_deliver(self, delivery_id: int) -> None:
    """One attempt of one webhook delivery; the number of attempts is counted
    (and capped) in the database, so that a redelivery starts afresh."""
    outcome = delivery_attempt(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
