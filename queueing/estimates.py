"""Wait estimates as pure functions of a queue's figures (docs/wait-estimates.md).

No Django here: the simulation in bench/wait_estimates.py calls the same
functions on simulated state that the product calls on the database's.
"""
from functools import lru_cache
from dataclasses import dataclass, field

# Finished waits and chat lengths count half as much every half hour: recent
# enough to follow a lunchtime peak, long enough not to swing on one chat.
HALF_LIFE_SECONDS = 1800.0
# How much of the estimate comes from the capacity model; the rest from what
# recent customers actually waited. Chosen with bench/wait_estimates.py
# (0.7 to 1.0 scanned; 0.9 and 0.95 best, see docs/benchmarks.md).
MODEL_WEIGHT = 0.9


@dataclass(frozen=True)
class QueueFigures:
    """What the estimate needs to know about one queue at one moment."""

    waiting: int = 0
    longest_wait_seconds: float | None = None
    agents_available: int = 0  # online with at least one free slot
    agents_busy: int = 0  # online with every slot taken
    open_slots: int = 0  # chats the online agents can hold at once
    free_slots: int = 0  # of which not taken
    # (seconds since it ended, length in seconds), newest first.
    recent_waits: tuple[tuple[float, float], ...] = field(default=())
    recent_handle_times: tuple[tuple[float, float], ...] = field(default=())


def time_weighted_mean(samples, half_life: float = HALF_LIFE_SECONDS) -> float | None:
    """Mean of (age, value) samples, each weighted by 0.5 ** (age / half_life)."""
    return _time_weighted_mean(tuple(samples), half_life)


@lru_cache(maxsize=16)
def _time_weighted_mean(samples: tuple, half_life: float) -> float | None:
    # Cached: a queue refresh asks once per waiting customer with the same samples.
    total = weights = 0.0
    for age, value in samples:
        weight = 0.5 ** (max(age, 0.0) / half_life)
        total += weight * value
        weights += weight
    return total / weights if weights else None


def estimate_wait_seconds(*, position: int, figures: QueueFigures,
                          model_weight: float = MODEL_WEIGHT) -> float | None:
    """Expected seconds until the reservation at `position` (1-based) is offered.

    None while the queue has no finished wait (seed 004: nothing to base it on).
    The capacity model: with every slot taken, the customer at position p needs
    p - free slots to open, and S open slots each open every mean handle time H
    on average, so the wait is (p - free) * H / S. It is blended with the
    recent waits, which carry what the model cannot see (offers not accepted
    at once, agents pausing, chats that end late).
    """
    recent_wait = time_weighted_mean(figures.recent_waits)
    if recent_wait is None:
        return None
    handle = time_weighted_mean(figures.recent_handle_times)
    if figures.open_slots == 0 or handle is None:
        # Nobody online, or no chat ever ended: the model has nothing to count with.
        return recent_wait
    slots_needed = max(position - figures.free_slots, 0)
    capacity_model = slots_needed * handle / figures.open_slots
    return model_weight * capacity_model + (1 - model_weight) * recent_wait
