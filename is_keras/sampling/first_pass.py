"""The first pass over the data: every sample is trained once before any method draws, and none is lost."""

from __future__ import annotations

import numpy as np

from is_keras.sampling.sampler import read_state


class FirstPass:
    """Hands out every sample once, in a random order, and re-issues samples whose losses never came back.

    Batch ``d`` should be written back by the ``d + 1``-th update; its samples still without a loss (``inf``) by
    then are queued again. Only counts and the table decide, never timing.

    Args: order: the visiting order, a permutation of ``range(N)`` (empty: no first pass).
    Example:
        >>> table = np.full(4, np.inf)
        >>> first = FirstPass(np.array([2, 0, 3, 1]))
        >>> rng = np.random.default_rng(0)
        >>> first.next_batch(table, num_updates=0, draw_number=0, batch_size=2, rng=rng).tolist()
        [2, 0]
        >>> table[[2, 0]] = 1.0                                   # draw 0 trained and written back
        >>> first.next_batch(table, num_updates=1, draw_number=1, batch_size=2, rng=rng).tolist()
        [3, 1]
        >>> first.next_batch(table, num_updates=1, draw_number=2, batch_size=2, rng=rng) is None  # 1 in flight
        True
        >>> first.next_batch(table, num_updates=2, draw_number=3, batch_size=2, rng=rng).tolist()  # 1 was lost
        [1, 3]
    """

    def __init__(self, order: np.ndarray):
        self.order, self.cursor = np.asarray(order, dtype=np.int64), 0
        self.records: list[tuple[int, np.ndarray]] = []  # (draw number, indices) handed out, not yet confirmed
        self.requeue = np.empty(0, dtype=np.int64)  # lost samples to hand out again
        self.active = self.order.size > 0

    def is_done(self, table: np.ndarray) -> bool:
        """True when every sample of the pass has been handed out and has a loss."""
        if not self.active:
            return True
        if self.cursor < self.order.size or self.requeue.size:
            return False
        return all(np.all(np.isfinite(table[indices])) for _, indices in self.records)

    def _collect(self, table: np.ndarray, num_updates: int) -> None:
        """Drop confirmed records (oldest first); queue the unwritten samples of lost ones."""
        while self.records:
            draw, indices = self.records[0]
            unvisited = indices[~np.isfinite(table[indices])]
            if unvisited.size and draw + 1 > num_updates:
                break  # still in flight
            if unvisited.size:
                self.requeue = np.concatenate([self.requeue, unvisited])
            self.records.pop(0)

    def next_batch(self, table, *, num_updates: int, draw_number: int, batch_size: int, rng) -> np.ndarray | None:
        """The next first-pass batch, or ``None``: the pass is over, or its last batches are in flight meanwhile."""
        if not self.active:
            return None
        self._collect(table, num_updates)
        start, fill = self.cursor, None
        if start >= self.order.size and not self.requeue.size:
            if not self.records:  # every sample has its loss: the pass is over
                self.active, self.order, self.cursor = False, np.empty(0, dtype=np.int64), 0
            return None  # (or its last batches are in flight)
        batch = self.order[start : start + batch_size]  # empty once the order is through: requeued samples only
        self.cursor = start + batch.size
        missing = batch_size - batch.size
        requeued = bool(missing and self.requeue.size)
        if requeued:
            batch, missing = self._take_requeued(batch, missing)
        if missing and requeued:
            fill = self._fill(table.size, batch, missing, rng)
        elif missing:  # the last, partial batch: complete it with distinct visited samples
            enough = start >= missing  # else a batch larger than the samples visited so far: repeats are unavoidable
            fill = rng.choice(self.order[:start] if enough else self.order, size=missing, replace=not enough)
        self.records.append((draw_number, batch.copy()))
        return np.asarray(batch, dtype=np.int64) if fill is None else np.concatenate([batch, fill]).astype(np.int64)

    def _take_requeued(self, batch: np.ndarray, missing: int) -> tuple[np.ndarray, int]:
        taken = np.unique(self.requeue)[:missing]  # a sample lost twice is trained once
        self.requeue = np.setdiff1d(self.requeue, taken)
        return np.concatenate([batch, taken]).astype(np.int64), missing - taken.size

    @staticmethod
    def _fill(num_samples: int, batch: np.ndarray, missing: int, rng) -> np.ndarray:
        pool = np.setdiff1d(np.arange(num_samples), batch)
        if pool.size >= missing:
            return rng.choice(pool, size=missing, replace=False)
        return rng.integers(0, num_samples, size=missing, dtype=np.int64)

    def get_state(self) -> dict:
        """The pass's position as a dict of plain values and arrays (copies)."""
        return {"active": bool(self.active), "order": self.order.copy(), "cursor": int(self.cursor),
                "records": [(int(d), idx.copy()) for d, idx in self.records], "requeue": self.requeue.copy()}

    @classmethod
    def from_state(cls, state: dict, num_samples: int) -> FirstPass:
        """Rebuild a pass from :meth:`get_state`'s dict (``ValueError`` if it is no pass over ``num_samples``)."""
        order, cursor, records, requeue, active = read_state(
            state, "first-pass", order=np.asarray, cursor=int,
            records=lambda v: [(int(d), np.asarray(i)) for d, i in v], requeue=np.asarray, active=bool)
        arrays = [order, requeue] + [idx for _, idx in records]
        for array in arrays:
            if array.ndim != 1 or (array.size and (array.dtype.kind not in "iu" or array.min() < 0
                                                   or array.max() >= num_samples)):
                raise ValueError(f"corrupt first-pass state: indices outside [0, {num_samples})")
        if active and order.size and order.size != num_samples:
            raise ValueError(f"corrupt first-pass state: a visiting order of {order.size} samples, not {num_samples}")
        if not 0 <= cursor <= order.size:
            raise ValueError(f"corrupt first-pass state: position {cursor} outside the order of {order.size}")
        first = cls(np.empty(0, dtype=np.int64))
        first.order, first.cursor, first.active = order.astype(np.int64), cursor, active
        first.records, first.requeue = [(d, idx.astype(np.int64)) for d, idx in records], requeue.astype(np.int64)
        return first
