"""Order business logic, one module per subject; no Flask request objects here.

- ``carts``: the purchaser's cart.
- ``facts``: what the compliance engine decides on, read from the database.
- ``eligibility``: the lines checked again whenever orders are placed (approval, award).
- ``requisitions``: creating (routing), reading and cancelling requisitions.
- ``rotation``: order rotation (顺序轮候): product lines assigned to the supplier whose turn
  it is, under the (agreement, product) turn lock.
- ``approvals``: approving and rejecting requisitions routed to approval.
- ``competitions``: second-stage competitions: invitations, quoting period, sealed quotes,
  closing early, cancelling.
- ``awards``: a competition's evaluation table, its award, the flags the award raises.
- ``purchase_orders``: orders, stock reservations, the order life cycle.
- ``reports``: spend and SME reservation reports.

Dependencies point one way: carts → requisitions → (approvals, competitions → awards)
→ purchase_orders; facts is read by requisitions, awards and eligibility, which
approvals and purchase_orders call. Locks follow ``mall.locks``.
"""
