"""Personalised PageRank by local push (Andersen, Chung & Lang, FOCS 2006): work bounded by the
tolerance, not by the size of the graph.

The graph is a row-stochastic transition matrix in CSR form (:class:`Transitions`): row ``u``
holds the probabilities of stepping from ``u`` to each neighbour. PageRank personalised on
``restart`` solves ``x = (1 - alpha) * restart + alpha * x P``. Push keeps an estimate ``p`` and a
residual ``r`` (``r = restart`` at first); pushing a node ``u`` moves ``(1 - alpha) * r[u]`` into
``p[u]`` and spreads ``alpha * r[u]`` over its neighbours' residuals. Nodes whose residual exceeds
``epsilon`` times their degree are pushed, all of them at once each round (vectorised), until none
is left or ``rounds`` have been made; a node without edges sends its mass back to the restart,
as the power method does. Every push settles at least ``(1 - alpha) * epsilon`` of mass, so the
work is at most ``1 / ((1 - alpha) * epsilon)`` edge visits whatever the graph's size::

    >>> import numpy as np
    >>> T = transitions(4, src=[0, 1, 1, 2], dst=[1, 0, 2, 1], prob=[1.0, 0.5, 0.5, 1.0])  # path 0-1-2, node 3 alone
    >>> nodes, mass = push(T, {0: 1.0}, alpha=0.5, epsilon=1e-9)
    >>> {int(n): round(float(m), 3) for n, m in zip(nodes, mass)}
    {0: 0.583, 1: 0.333, 2: 0.083}
    >>> x = np.array([1.0, 0, 0, 0])  # the power method's fixed point agrees
    >>> for _ in range(100): x = 0.5 * np.array([1.0, 0, 0, 0]) + 0.5 * T.step(x)
    >>> [round(float(v), 3) for v in x]
    [0.583, 0.333, 0.083, 0.0]
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Transitions:
    """A row-stochastic sparse matrix: row ``u``'s entries are ``indices/prob[indptr[u]:indptr[u + 1]]``."""

    indptr: np.ndarray  # (N + 1,) int64
    indices: np.ndarray  # (E,) int32 or int64 neighbour of each entry
    prob: np.ndarray  # (E,) float64 step probability of each entry

    @property
    def size(self) -> int:
        return len(self.indptr) - 1

    def degree(self, nodes: np.ndarray) -> np.ndarray:
        return self.indptr[nodes + 1] - self.indptr[nodes]

    def entries(self, nodes: np.ndarray) -> np.ndarray:
        """The positions in ``indices``/``prob`` of every edge out of ``nodes``, node by node."""
        starts, counts = self.indptr[nodes], self.degree(nodes)
        offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)  # start of each entry's row
        return offsets + np.arange(counts.sum())

    def step(self, x: np.ndarray) -> np.ndarray:
        """``x P``: every node's mass moved one step (dense; for checks and small graphs)."""
        rows = np.repeat(np.arange(self.size), self.degree(np.arange(self.size)))
        return np.bincount(self.indices, weights=x[rows] * self.prob, minlength=self.size)


def transitions(n: int, src: Sequence[int], dst: Sequence[int], prob: Sequence[float]) -> Transitions:
    """The :class:`Transitions` of ``n`` nodes from edge lists (each node's ``prob`` summing to 1)."""
    src, dst, prob = (np.asarray(x) for x in (src, dst, prob))
    src, dst = (x if x.dtype in (np.int32, np.int64) else x.astype(np.int64) for x in (src, dst))  # int32 stays
    prob = prob.astype(float, copy=False)
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return Transitions(indptr, dst[order], prob[order])


def push(T: Transitions, restart: Mapping[int, float], alpha: float = 0.7, epsilon: float = 1e-6,
         rounds: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """``(nodes, mass)``: the approximate personalised PageRank of every node reached, from
    ``restart`` (node -> weight, summing to 1); ``alpha``: probability of following an edge."""
    if not 0 < alpha < 1 or not epsilon > 0:
        raise ValueError(f"push: expected 0 < alpha < 1 and epsilon > 0, got alpha={alpha!r}, epsilon={epsilon!r}")
    seeds = np.fromiter(restart, dtype=np.int64, count=len(restart))
    share = np.fromiter(restart.values(), dtype=float, count=len(restart))
    p, r = np.zeros(T.size), np.zeros(T.size)  # (N,) estimate and residual: two memsets, no scan
    r[seeds] = share
    active, pushed = seeds, []
    for _ in range(rounds):
        if len(active) == 0:
            break
        mass, degree = r[active], T.degree(active)
        r[active] = 0.0
        p[active] += (1 - alpha) * mass
        pushed.append(active)
        entries = T.entries(active)
        targets, moved = T.indices[entries], np.repeat(alpha * mass, degree) * T.prob[entries]
        if len(targets) > T.size // 8:  # a wide frontier: one pass over every node beats sorting it
            moved = np.bincount(targets, weights=moved, minlength=T.size)
            touched = np.flatnonzero(moved)
            r[touched] += moved[touched]
        else:
            touched, where = np.unique(targets, return_inverse=True)  # (M,) nodes reached this round
            r[touched] += np.bincount(where, weights=moved, minlength=len(touched))
        lost = alpha * mass[degree == 0].sum()  # nowhere to go: back to the restart, as the power method does
        if lost:
            r[seeds] += lost * share
            touched = np.union1d(touched, seeds)
        active = touched[r[touched] > epsilon * np.maximum(T.degree(touched), 1)]
    nodes = np.unique(np.concatenate(pushed)) if pushed else seeds[:0]
    return nodes, p[nodes]
