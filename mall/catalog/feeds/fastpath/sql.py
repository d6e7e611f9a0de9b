"""The fast path's SQL: the staging table, the set-wise rules, the one upsert per batch.

Every statement works on the whole batch in ``feed_stage`` (a temporary table, one per
connection, emptied before each batch). The rules statement marks each row ``bad`` when any
rule ``validation.check_offer`` applies after the shape fails; the importer then asks
``check_offer`` for the messages of those few rows, so both paths report the same problems.
The upsert decides the price rule (``services.prices.apply_price``), the version bump and
whether anything changed, and writes offers, price history, outbox rows and the batch's
audit rows in one statement (data-modifying CTEs).
"""

from __future__ import annotations

STAGE_COLUMNS = ("row", "sku", "agreement_number", "lot_code", "category_code", "title",
                 "title_en", "description", "brand", "model", "gtin", "unit", "price",
                 "stock", "lead_time_days", "regions", "attributes", "valid_until")

CREATE_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS feed_stage (
    row integer PRIMARY KEY, sku text NOT NULL, agreement_number text, lot_code text,
    category_code text, title text, title_en text, description text, brand text, model text,
    gtin text, unit text, price numeric, stock integer, lead_time_days integer,
    regions jsonb, attributes jsonb, valid_until date,
    agreement_id integer, lot_id integer, category_id integer, currency text,
    old_id integer, bad boolean NOT NULL DEFAULT false);
CREATE TEMP TABLE IF NOT EXISTS feed_stage_products (
    row integer PRIMARY KEY, product_id integer NOT NULL);
TRUNCATE feed_stage, feed_stage_products;
"""

COPY_STAGE = f"COPY feed_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN"
COPY_PRODUCTS = "COPY feed_stage_products (row, product_id) FROM STDIN"

# Level 3 of mall.locks: the batch's existing offers (found by RULES), in id order.
LOCK_OFFERS = """
SELECT id FROM offers WHERE id IN (SELECT old_id FROM feed_stage WHERE old_id IS NOT NULL)
ORDER BY id FOR UPDATE
"""

# The rules check_offer applies once the shape is right (see validation.check_offer), and
# each row's existing offer. The offer is looked up by (supplier, SKU) one probe a row
# (LATERAL): the statistics of a supplier that has just grown by a batch are stale, and a
# plan that scans the supplier's offers for each row is quadratic; later statements join
# by offer id. Returned: the rows refused, and the good rows that need a product (new, or
# regrouped because brand, model, GTIN or category changed: offers.apply_checked_offer).
RULES = """
WITH u AS (
UPDATE feed_stage s SET agreement_id = r.agreement_id, lot_id = r.lot_id,
       category_id = r.category_id, currency = r.currency, bad = r.bad, old_id = r.old_id
FROM (
  SELECT s.row, a.id AS agreement_id, l.id AS lot_id, c.id AS category_id, a.currency,
    o.id AS old_id,
    o.id IS NULL OR o.brand IS DISTINCT FROM s.brand OR o.model IS DISTINCT FROM s.model
      OR o.gtin IS DISTINCT FROM s.gtin OR o.category_id IS DISTINCT FROM c.id AS regroup,
    a.id IS NULL OR l.id IS NULL OR c.id IS NULL OR aw.agreement_id IS NULL
    OR a.status <> 'active' OR NOT (a.starts_on <= %(today)s AND %(today)s <= a.ends_on)
    OR strpos(c.path, '/' || lc.code || '/') = 0
    OR s.price <= 0
    OR coalesce(s.price > least(l.ceiling_price, ic.ceiling_price), false)
    OR s.valid_until <= %(today)s OR s.valid_until > a.ends_on
    OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(s.regions) g(region)
               WHERE NOT (a.regions ? '*' OR a.regions ? g.region
                          OR a.regions ? split_part(g.region, '-', 1))) AS bad
  FROM feed_stage s
  LEFT JOIN agreements a ON a.number = s.agreement_number
  LEFT JOIN agreement_suppliers aw ON aw.agreement_id = a.id AND aw.supplier_id = %(supplier)s
  LEFT JOIN lots l ON l.agreement_id = a.id AND l.code = s.lot_code
  LEFT JOIN categories lc ON lc.id = l.category_id
  LEFT JOIN categories c ON c.code = s.category_code
  LEFT JOIN item_ceilings ic ON ic.agreement_id = a.id AND ic.supplier_id = %(supplier)s
                            AND ic.sku = s.sku
  LEFT JOIN LATERAL (SELECT id, brand, model, gtin, category_id FROM offers
                     WHERE supplier_id = %(supplier)s AND sku = s.sku) o ON true
) r WHERE s.row = r.row
RETURNING s.row, r.bad, r.category_id, r.regroup)
SELECT row, bad, category_id FROM u WHERE bad OR regroup ORDER BY row
"""

_SNAPSHOT = """jsonb_build_object(
    'sku', {p}sku, 'status', {p}status, 'price', {p}price::text,
    'pending_price', {p}pending_price::text, 'stock', {p}stock,
    'agreement_id', {p}agreement_id, 'lot_id', {p}lot_id, 'category_id', {p}category_id,
    'product_id', {p}product_id, 'title', {p}title, 'title_en', {p}title_en,
    'brand', {p}brand, 'model', {p}model, 'gtin', {p}gtin, 'unit', {p}unit,
    'lead_time_days', {p}lead_time_days, 'regions', {p}regions,
    'attributes', {p}attributes, 'valid_until', {p}valid_until::text,
    'description', {p}description, 'version', {p}version)"""

_CONTENT = ("title", "title_en", "description", "brand", "model", "gtin", "unit", "stock",
            "lead_time_days", "regions", "attributes", "valid_until", "agreement_id",
            "lot_id", "category_id")
_DIFFERS = " OR ".join(f"o_{c} IS DISTINCT FROM {c}" for c in _CONTENT)
_OLD = ", ".join(f"o.{c} AS o_{c}" for c in _CONTENT)
_WRITTEN = ("agreement_id", "lot_id", "category_id", "product_id", "title", "title_en",
            "description", "brand", "model", "gtin", "unit", "price", "pending_price",
            "currency", "stock", "lead_time_days", "regions", "attributes", "valid_until",
            "status", "version")
_SET = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*_WRITTEN, "updated_at"))

UPSERT = f"""
WITH src AS (
  SELECT s.*, o.price AS old_price, o.pending_price AS old_pending,
         o.version AS old_version, o.status AS old_status, o.product_id AS old_product,
         sp.product_id AS new_product, {_OLD}
  FROM feed_stage s
  LEFT JOIN offers o ON o.id = s.old_id
  LEFT JOIN feed_stage_products sp ON sp.row = s.row
  WHERE NOT s.bad
), low AS (
  SELECT pc.offer_id, min(pc.new_price) AS lowest FROM price_changes pc
  WHERE pc.offer_id IN (SELECT old_id FROM src) AND pc.status = 'applied'
    AND pc.changed_at >= %(since)s
  GROUP BY pc.offer_id
), step AS (
  SELECT src.*, coalesce(old_pending <> price, false) AS close_pending,
         CASE WHEN old_pending <> price THEN NULL ELSE old_pending END AS pend
  FROM src
), decided AS (
  SELECT step.*, CASE
      WHEN old_id IS NULL THEN 'new'
      WHEN price = old_price OR price = pend THEN 'same'
      WHEN price > least(low.lowest, old_price) * (1 + %(share)s) THEN 'review'
      ELSE 'applied' END AS kind
  FROM step LEFT JOIN low ON low.offer_id = step.old_id
), fin AS (
  SELECT decided.*,
    CASE WHEN kind IN ('new', 'applied') THEN price ELSE old_price END AS f_price,
    CASE WHEN kind = 'review' THEN price WHEN kind = 'applied' THEN NULL ELSE pend END
      AS f_pending,
    coalesce(new_product, old_product) AS f_product
  FROM decided
), chg AS (
  SELECT fin.* FROM fin
  WHERE old_id IS NULL OR {_DIFFERS} OR old_status <> 'active'
     OR f_price IS DISTINCT FROM old_price OR f_pending IS DISTINCT FROM old_pending
     OR f_product IS DISTINCT FROM old_product
), up AS (
  INSERT INTO offers (supplier_id, sku, {', '.join(_WRITTEN)}, created_at, updated_at)
  SELECT %(supplier)s, sku, agreement_id, lot_id, category_id, f_product, title, title_en,
         description, brand, model, gtin, unit, f_price, f_pending, currency, stock,
         lead_time_days, regions, attributes, valid_until, 'active',
         coalesce(old_version + 1, 1), %(now)s, %(now)s
  FROM chg ORDER BY row
  ON CONFLICT (supplier_id, sku) DO UPDATE SET {_SET}
    -- Only the version this batch read and locked: a row another writer inserted after
    -- the lookup is left alone, the counts differ and the batch is redone row by row.
    WHERE offers.version + 1 = EXCLUDED.version
  RETURNING *
), closed AS (
  -- By offer id through its index: written as a join with chg, the plan scanned all of
  -- price_changes for its pending rows once per batch (a table that only grows).
  UPDATE price_changes pc SET status = 'superseded', reviewed_by_id = %(actor)s,
         reviewed_at = %(now)s
  WHERE pc.offer_id = ANY (ARRAY(SELECT old_id FROM chg WHERE close_pending))
    AND pc.status = 'pending_review'
), done AS (  -- each written offer beside its batch row, joined once
  SELECT up.*, chg.row AS stage_row, chg.kind, chg.old_id AS was_id,
         chg.old_price AS was_price, chg.price AS new_price
  FROM up JOIN chg ON chg.sku = up.sku
), prices AS (
  INSERT INTO price_changes (offer_id, old_price, new_price, source, status, changed_by_id,
                             changed_at)
  SELECT id, was_price, new_price, %(source)s,
         CASE kind WHEN 'review' THEN 'pending_review' ELSE 'applied' END, %(actor)s, %(now)s
  FROM done WHERE kind <> 'same' ORDER BY stage_row
), outbox AS (
  INSERT INTO outbox_events (entity_type, entity_id, reason, created_at, attempts)
  SELECT 'offer', id, CASE WHEN was_id IS NULL THEN 'offer.create' ELSE 'offer.update' END,
         %(now)s, 0
  FROM done ORDER BY was_id IS NOT NULL, stage_row
), audited AS (
  INSERT INTO audit_batch_rows (batch_key, row, offer_id, action, reason, before, after)
  SELECT %(key)s, d.stage_row, d.id,
         CASE WHEN d.was_id IS NULL THEN 'offer.create' ELSE 'offer.update' END,
         CASE WHEN d.kind = 'review' THEN 'price rise held for review' END,
         CASE WHEN o.id IS NOT NULL THEN {_SNAPSHOT.format(p='o.')} END,
         {_SNAPSHOT.format(p='d.')}
  -- The offer as it was: every part of one statement reads the same snapshot, so this join
  -- sees the row before ``up`` wrote it. Built only for the rows written, not for every
  -- row of the batch (a re-sent feed is mostly unchanged rows).
  FROM done d LEFT JOIN offers o ON o.id = d.was_id
)
SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM chg)
"""
