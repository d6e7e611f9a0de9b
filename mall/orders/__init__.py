"""Cart, requisitions routed by the compliance rules, approvals, competitions, orders.

Choices made where the brief leaves room:
- A requisition is always stored, also when ``blocked`` (201 with the reasons), so the
  decision can be audited; it then does not count towards cumulative totals.
- Cumulative totals use the requisitions' snapshot amounts (an awarded competition does not
  rewrite them); a requisition whose orders are all cancelled or rejected stops counting.
- Approval limits apply to the requisition's own total; tiers use max(own, cumulative).
- A requisition is evaluated per category and routed by the strictest outcome
  (blocked > competition > approval > direct).
- Competition: the invited suppliers are the active suppliers awarded under every agreement
  the lines come from; quotes are final (one per supplier, no revision), so ties go to
  the earlier quote; the deadline is the profile's ``competition_days`` (5).
- Orders: the supplier confirms, ships and marks delivered (``/supplier/orders/{id}/
  deliver``); the purchaser accepts, or cancels while the order is placed or confirmed.
- The SME deduction may be overridden by ``app.config["MALL_SME_DEDUCTION"]`` (a share,
  validated against the profile's range, e.g. 0.10–0.20 for cn-central).
"""
