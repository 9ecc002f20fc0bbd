from django.conf import settings
from django.db import models
from django.db.models import Q


class Survey(models.Model):
    """The questions a customer is asked after a chat in one queue, or in any
    queue without its own survey (`queue` null: the default survey)."""

    name = models.CharField(max_length=100)
    queue = models.ForeignKey(
        "queueing.Queue", on_delete=models.PROTECT, null=True, blank=True, related_name="surveys",
        help_text="Leave empty for the default survey, used by queues without an active survey of their own.",
    )
    is_active = models.BooleanField(
        default=True, help_text="Only active surveys are sent; each queue, and the default, has at most one."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["queue"], condition=Q(is_active=True, queue__isnull=False),
                name="one_active_survey_per_queue",
                violation_error_message="This queue already has an active survey; deactivate it first.",
            ),
            # NULLs are distinct in a unique index, so the default survey is made
            # unique on the constant is_active=True instead of on the null queue.
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True, queue__isnull=True),
                name="one_active_default_survey",
                violation_error_message="There is already an active default survey; deactivate it first.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    class Kind(models.TextChoices):
        CSAT = "csat", "Satisfaction (1–5)"
        NPS = "nps", "Recommendation (0–10)"
        TEXT = "text", "Free text"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    prompt = models.CharField(max_length=300)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.prompt


class Invitation(models.Model):
    """One survey offered to the customer of one conversation."""

    conversation = models.OneToOneField(
        "chat.Conversation", on_delete=models.CASCADE, related_name="survey_invitation"
    )
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    # Copied at creation so reports group by who handled the chat then, whatever
    # happens to the conversation later.
    queue = models.ForeignKey("queueing.Queue", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The staff member who last took part in the conversation.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"Survey for conversation {str(self.conversation_id)[:8]}"


class Answer(models.Model):
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="answers")
    # PROTECT: a question that has answers stays, or past results would change.
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    score = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "question"], name="one_answer_per_question"),
        ]

    def __str__(self) -> str:
        return str(self.score) if self.score is not None else self.text[:50]
