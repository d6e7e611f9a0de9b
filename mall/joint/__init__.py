"""Joint procurement (联合采购): purchasers pool demand for one item and buy it together.

- ``models``: campaigns (``JointPurchase``) and each purchaser's ``JointCommitment``.
- ``services.campaigns``: opening a campaign, who may see it, the offers it covers.
- ``services.commitments``: commit, change, withdraw, with the purchaser's own rules as a
  preview.
- ``services.closing``: close at ``closes_at`` (fail below the minimum, else one competition).
- ``services.award``: the competition's award becomes one requisition and order per
  participant, each through that purchaser's own rules.

Orders never import this package: it registers itself as a competition subject
(``mall.orders.services.competition_subjects``) in ``init_app``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the competition subject and the template helper the offer and standard
    pages use to show open campaigns ("join the joint purchase closing on …")."""
    from mall.joint.services import award, campaigns

    award.register()
    app.jinja_env.globals["open_joint_purchases"] = campaigns.open_campaigns_for_page
