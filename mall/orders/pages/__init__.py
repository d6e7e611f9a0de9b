"""The orders area's pages: ``buying`` (cart, requisitions, approvals, orders),
``competitions`` (the purchaser's and the supplier's side of a second-stage competition) and
``rotation`` (requesting a product whose supplier the order rotation assigns)."""

from mall.orders.pages import buying, competitions, order_detail, rotation  # noqa: F401  (routes register)
from mall.orders.pages.blueprint import pages

__all__ = ["pages"]
