"""What an API token may do. A token caller also needs its owner to be allowed
(staff): a scope only narrows what the owner could do."""
from django.db import models


class Scope(models.TextChoices):
    TRANSCRIPTS_READ = "transcripts:read", "Read conversations and transcripts"
    RESERVATIONS_MANAGE = "reservations:manage", "Book, read, cancel, accept and complete reservations; end conversations"
    QUEUES_READ = "queues:read", "Read queues and their figures"
    SURVEYS_READ = "surveys:read", "Read survey responses and results"
    AGENTS_MANAGE = "agents:manage", "Set the token owner's agent status"
