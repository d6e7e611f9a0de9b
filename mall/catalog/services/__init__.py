"""Catalog business logic, one module per subject; no Flask request objects here.

- ``categories``: categories and attribute templates.
- ``agreements``: framework agreements, lots, awards, ceilings, status.
- ``offers``: the single upsert, PATCH, delisting, expiry and the feed's write path.
- ``prices``: the price-rise rule, ceilings, the center's price reviews.
- ``writes``: what every offer change writes beside it (price history, outbox, audit).
- ``images``: an offer's picture, uploaded or fetched from a feed's URL by the worker
  (``run_image_fetch`` is that job and commits).

Every function takes the caller's session and never commits (the feed import commits per
batch). Locks follow ``mall.locks``.
"""
