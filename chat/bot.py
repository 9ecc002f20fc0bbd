"""The bot that answers first. A responder is anything with `answer()`; the one
in use is named by the CHAT_BOT_RESPONDER setting, so another (a language model,
say) can be plugged in without touching the conversation flow."""
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from chat.models import FaqEntry

WORD = re.compile(r"[a-z0-9']+")
# Words that carry no meaning for matching a question to an FAQ entry.
STOPWORDS = frozenset(
    "a an the i you your we our us me my is are am be do does did can could would will to of in on at for "
    "and or it this that with how what when where which who why there here please hi hello hey".split()
)
ASKS_FOR_A_PERSON = re.compile(
    r"\b(human|person|people|agent|operator|representative|someone real|real person|staff|talk to someone|"
    r"speak to someone|talk to a|speak to a|support team)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BotAnswer:
    text: str
    confidence: float  # 0..1: how sure the responder is that `text` answers the question
    wants_person: bool = False
    data: dict = field(default_factory=dict)


class Responder(Protocol):
    def answer(self, *, question: str) -> BotAnswer: ...


def meaningful_words(text: str) -> set[str]:
    return {word for word in WORD.findall(text.lower()) if word not in STOPWORDS}


class FaqResponder:
    """Answers from the active FAQ entries: the entry sharing the largest part of
    its words (question and keywords) with the customer's question wins."""

    def answer(self, *, question: str) -> BotAnswer:
        if ASKS_FOR_A_PERSON.search(question):
            return BotAnswer(text="", confidence=0.0, wants_person=True)
        asked = meaningful_words(question)
        best, best_score = None, 0.0
        for entry in FaqEntry.objects.filter(is_active=True):
            known = meaningful_words(f"{entry.question} {entry.keywords.replace(',', ' ')}")
            if not asked or not known:
                continue
            shared = len(asked & known)
            # Share of the customer's words the entry explains, weighted toward
            # short questions where one shared word says a lot.
            score = shared / min(len(asked), len(known))
            if score > best_score:
                best, best_score = entry, score
        if best is None:
            return BotAnswer(text="", confidence=0.0)
        return BotAnswer(text=best.answer, confidence=round(min(best_score, 1.0), 2), data={"faq": best.pk})


@lru_cache(maxsize=1)
def responder() -> Responder:
    return import_string(settings.CHAT_BOT_RESPONDER)()
