"""The orders area's pages: ``buying`` (cart, requisitions, approvals, orders) and
``competitions`` (the purchaser's and the supplier's side of a second-stage competition)."""

from mall.orders.pages import buying, competitions  # noqa: F401  (their routes register)
from mall.orders.pages.blueprint import pages

__all__ = ["pages"]
