"""Orders API: ``buying`` (cart, requisitions, approvals), ``competitions``,
``purchase_orders`` and ``oversight`` (flags and reports), all on one blueprint ``api``."""

from mall.orders.views import buying, competitions, oversight, purchase_orders  # noqa: F401  (routes register)
from mall.orders.views.blueprint import api

__all__ = ["api"]
