"""Objects that belong to one event loop."""
import asyncio
import weakref
from typing import Callable, TypeVar

T = TypeVar("T")


def per_event_loop(factory: Callable[[], T]) -> Callable[[], T]:
    """A getter of one `factory()` per running event loop: daphne runs one loop
    for its whole life; Celery (async_to_sync) and tests make short-lived ones,
    whose objects go with them."""
    instances: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get() -> T:
        loop = asyncio.get_running_loop()
        instance = instances.get(loop)
        if instance is None:
            instance = instances[loop] = factory()
        return instance

    return get
