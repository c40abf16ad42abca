"""Answers (the JSON bytes a route sends) remembered for the version of the data they were built
from: the same request on the same data gives the same bytes, so a hit skips the queries, the
models and their serialisation. Used for listing pages (api/listings/cache.py) and orders
(api/orders/router.py); the version comes from the index watch (api/notifications/wakeup.py).

The version is read before the answer is built, so an answer built while the data moves on is
filed under the older version: it shows data at least as new as its version, and it is dropped
as soon as a newer version is seen. Per process (each worker has its own), at most `size`
answers, least recently used out first. Only public answers belong here: nothing of a caller's
is in them or in the key.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class AnswerCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._version: Hashable | None = None
        self._answers: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()  # answers may be built in the thread pool

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, version: Hashable, key: Hashable) -> bytes | None:
        """The answer of `key` built at `version`; a new version drops every older answer."""
        with self._lock:
            if version != self._version:
                self._version = version
                self._answers.clear()
                return None
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, version: Hashable, key: Hashable, answer: bytes) -> None:
        """Remembers `answer`, unless a newer version has been seen since `version` was read."""
        with self._lock:
            if version != self._version:
                return
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
