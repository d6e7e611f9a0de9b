"""Evaluation logic: ``experts`` (the pool and conflicts), ``panels`` (the reproducible
draw), ``scoring`` (sealed scores, the best-value result and its outliers)."""
