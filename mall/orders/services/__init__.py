"""Order business logic, one module per subject; no Flask request objects here.

- ``carts``: the purchaser's cart.
- ``facts``: what the compliance engine decides on, read from the database.
- ``eligibility``: the lines checked again whenever orders are placed (approval, award).
- ``requisitions``: creating (routing), reading and cancelling requisitions.
- ``approvals``: approving and rejecting requisitions routed to approval.
- ``competitions``: second-stage competitions: quotes, evaluation, award.
- ``purchase_orders``: orders, stock reservations, the order life cycle.
- ``reports``: spend reports.

Dependencies point one way: carts → requisitions → (approvals, competitions) →
purchase_orders; facts is read by requisitions, competitions and eligibility, which
approvals and purchase_orders call. Locks follow ``mall.locks``.
"""
