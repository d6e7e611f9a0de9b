"""Remote evaluation with a shared expert pool (远程异地分散评标, 专家资源共享).

The center registers experts (region, specialties, affiliations); a best-value competition's
panel is drawn at random after the deadline, without anyone conflicted with the purchaser or
a quoting supplier and across regions; each expert scores the anonymised technical answers
from wherever they are; the scores stay sealed until the panel is complete, and the quotes
are then ranked by price score plus weighted quality score. See ``services``.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Rank best-value competitions with the panel's totals (orders never imports us)."""
    from mall.evaluation.services.scoring import rank_best_value
    from mall.orders.services.awards import register_ranker

    register_ranker("best_value", rank_best_value)
