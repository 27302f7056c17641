"""Short labels shared by text tables and chart titles (no computing, no
imports of the lab's layers: the views and the charts both read them)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["orders_label"]


def orders_label(orders: Iterable[int]) -> str:
    """``0..20`` for a run of orders, ``9, 13`` otherwise."""
    os_ = sorted({int(o) for o in orders})
    if len(os_) > 2 and os_ == list(range(os_[0], os_[-1] + 1)):
        return f"{os_[0]}..{os_[-1]}"
    return ", ".join(map(str, os_))
