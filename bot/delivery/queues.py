"""The claimed rows of one drain: a queue per chat, and a heap of when each chat may go next.

A chat has at most one send in flight (``busy``); it is put back on the heap when that send
settles, if rows still wait. Heap entries can go stale (the chat became busy, or its rows were
dropped): they are skipped when they come up.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable

from briefings.store.outbox import OutboxRow


class ChatQueues:
    """Rows waiting per chat, in order, and when each chat is next ready to send."""

    def __init__(self, ready_at: Callable[[int], float]) -> None:
        self.ready_at = ready_at  # when a chat may send next, as the pacer says now
        self.rows: dict[int, deque[OutboxRow]] = {}
        self.heap: list[tuple[float, int, int]] = []  # (ready at, tie-break, chat)
        self.seq = 0
        self.busy: set[int] = set()
        self.count = 0  # rows waiting, all chats

    def add(self, row: OutboxRow, *, front: bool = False) -> None:
        """Queue ``row`` behind its chat's others (``front``: before them)."""
        queue = self.rows.get(row.chat_id)
        if queue is None:
            queue = self.rows[row.chat_id] = deque()
        was_empty = not queue
        if front:
            queue.appendleft(row)
        else:
            queue.append(row)
        self.count += 1
        if was_empty and row.chat_id not in self.busy:
            self.push(row.chat_id, self.ready_at(row.chat_id))

    def push(self, chat_id: int, ready: float) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (ready, self.seq, chat_id))

    def peek(self) -> tuple[float, int]:
        """(ready at, chat) of the chat that goes next; the heap must not be empty."""
        ready, _, chat_id = self.heap[0]
        return ready, chat_id

    def pop(self) -> None:
        heapq.heappop(self.heap)

    def take(self, chat_id: int) -> OutboxRow | None:
        """The chat's next row, out of its queue (None when it has none)."""
        waiting = self.rows.get(chat_id)
        if not waiting:
            return None
        self.count -= 1
        return waiting.popleft()

    def drop(self, chat_id: int) -> list[OutboxRow]:
        """Every row the chat has waiting, out of the queues."""
        rows = list(self.rows.pop(chat_id, ()))
        self.count -= len(rows)
        return rows

    def wake_idle(self, now: float) -> None:
        """Put every chat with rows and no send in flight on the heap: never stall."""
        for chat_id, queue in self.rows.items():
            if queue and chat_id not in self.busy:
                self.push(chat_id, now)

    def resume(self, chat_id: int) -> None:
        """After the chat's send settled: back on the heap if rows still wait."""
        if self.rows.get(chat_id):
            self.push(chat_id, self.ready_at(chat_id))

    def discard(self, ids: set[int]) -> None:
        """Forget these rows wherever they wait (their claim passed to another sender)."""
        for chat_id, queue in list(self.rows.items()):
            kept = deque(row for row in queue if row.id not in ids)
            self.count -= len(queue) - len(kept)
            self.rows[chat_id] = kept

    def leftover(self) -> list[int]:
        """The ids of every row still waiting."""
        return [row.id for queue in self.rows.values() for row in queue]
