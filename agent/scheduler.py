"""Sharing one language model between sessions: first come, first served, and never waiting forever.

The model runs one call at a time. ``FairLock`` hands it out in arrival order (a plain
``threading.Lock`` lets any waiter in, so under load some sessions starve). ``SharedModel`` wraps
the model: each call waits for its turn at most until the deadline set with ``deadline(...)``, and
raises ``ModelBusy`` past it, so a busy server answers from the knowledge graph's order instead of
queueing every session behind the model.

    >>> lock = FairLock()
    >>> lock.acquire(timeout=0.1), lock.acquire(timeout=0.01)
    (True, False)
    >>> lock.release()
"""
from __future__ import annotations

import collections
import contextlib
import contextvars
import threading
import time
from collections.abc import Iterator

from kgrec.agent.types import LanguageModel
from kgrec.kg.errors import KgrecError

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("model_deadline", default=None)


class ModelBusy(KgrecError):
    """The model was still busy with other sessions when this turn's wait ran out."""


class FairLock:
    """A lock granted in the order it was asked for; ``acquire`` may give up after ``timeout`` s."""

    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._queue: collections.deque[object] = collections.deque()
        self._held = False

    def acquire(self, timeout: float | None = None) -> bool:
        end = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            ticket = object()
            self._queue.append(ticket)
            while self._held or self._queue[0] is not ticket:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    self._queue.remove(ticket)
                    self._cond.notify_all()  # the next in line may be free to go now
                    return False
                self._cond.wait(left)
            self._queue.popleft()
            self._held = True
            return True

    def release(self) -> None:
        with self._cond:
            if not self._held:
                raise RuntimeError("FairLock released while not held")
            self._held = False
            self._cond.notify_all()

    @property
    def waiting(self) -> int:
        """How many callers are queued for the lock now."""
        with self._cond:
            return len(self._queue)


@contextlib.contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Model calls made inside wait for the model until ``time.monotonic()`` reaches ``at`` (None: forever)."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


class SharedModel:
    """``lm`` behind a ``FairLock``: one call at a time, in arrival order, each bounded by ``deadline``."""

    def __init__(self, lm: LanguageModel, lock: FairLock | None = None):
        self._lm, self.lock = lm, lock or FairLock()

    @contextlib.contextmanager
    def _turn(self) -> Iterator[None]:
        at = _deadline.get()
        timeout = None if at is None else max(0.0, at - time.monotonic())
        if not self.lock.acquire(timeout=timeout):
            raise ModelBusy(f"the model is busy with {self.lock.waiting + 1} other request(s): "
                            "answered in the knowledge graph's order")
        try:
            yield
        finally:
            self.lock.release()

    def chat_prompt(self, system, user):
        return self._lm.chat_prompt(system, user)  # the tokenizer's template: no model call

    def score(self, prompt, continuations, normalize=True):
        with self._turn():
            return self._lm.score(prompt, continuations, normalize)

    def choose(self, prompt, options):
        with self._turn():
            return self._lm.choose(prompt, options)

    def stream(self, prompt, max_new_tokens=64):
        with self._turn():
            yield from self._lm.stream(prompt, max_new_tokens)

    def __getattr__(self, name):  # extras of the real model (e.g. its tokenizer) stay reachable
        return getattr(self._lm, name)
