"""Catalog API: center administration, supplier offers and feeds, public offer pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request, url_for
from sqlalchemy import func, select

from mall.accounts.models import Role, User
from mall.accounts.permissions import (
    CENTER,
    SUPPLIER,
    api_guard,
    optional_auth,
    optional_user,
    purchaser_regions,
)
from mall.apidoc import documented, page_of
from mall.catalog.feeds.applying import stored_report
from mall.catalog.feeds.parsing import UnsupportedFeedType as UnsupportedMediaType
from mall.catalog.feeds.queued import import_upload
from mall.catalog.models import (
    Agreement,
    Category,
    FeedImport,
    FeedImportError,
    Offer,
    OfferStatus,
    Product,
)
from mall.catalog.products import product_offers
from mall.catalog.schemas import (
    AgreementCreateSchema,
    AgreementListQuerySchema,
    AgreementSchema,
    AgreementUpdateSchema,
    CategoryCreateSchema,
    CategoryListQuerySchema,
    CategorySchema,
    CeilingSchema,
    CeilingsSchema,
    FeedErrorSchema,
    FeedReportSchema,
    FeedRowSchema,
    OfferFieldsSchema,
    OfferImageUploadSchema,
    OfferListQuerySchema,
    OfferPatchSchema,
    OfferSchema,
    PriceReviewQuerySchema,
    PriceReviewSchema,
    ProductOffersSchema,
    PublicOfferSchema,
    RefuseDecisionSchema,
    ReviewDecisionSchema,
)
from mall.catalog.serializers import (
    agreement_json,
    category_json,
    feed_error_json,
    offer_json,
    price_review_json,
    public_offer_json,
)
from mall.catalog.services import agreements, categories, images, offers, prices
from mall.catalog.services.writes import today
from mall.catalog.visibility import is_visible
from mall.db import db
from mall.errors import BadRequest, NotFound
from mall.http import FEED_BODY_LIMIT, MB, accepts_body, json_body, load, page_args, paginate
from mall.money import money

api = Blueprint("catalog_api", __name__, url_prefix="/api/v1")

_OFFER_STATUSES = {s.value for s in OfferStatus}
# An image's 5 MB and a multipart envelope; the image itself is checked by mall.images.
IMAGE_BODY_LIMIT = 6 * MB


def _optional_body() -> Any:
    return json_body() if request.get_data(cache=True) else {}


# --- center administration ----------------------------------------------------------------


@api.post("/admin/categories")
@documented(body=CategoryCreateSchema, responses={201: CategorySchema}, errors=[409, 422])
@api_guard(Role.center_admin, kinds=CENTER)
def create_category(user: User) -> Any:
    """Create a category with its attribute template."""
    data = load(CategoryCreateSchema(), json_body())
    session = db.session()
    category = categories.create_category(session, user, data)
    session.commit()
    return category_json(category), 201


@api.get("/admin/categories")
@documented(query=CategoryListQuerySchema, responses={200: page_of(CategorySchema)},
            paginated=True)
@api_guard(Role.center_admin, Role.auditor, kinds=CENTER)
def list_categories(user: User) -> Any:
    """Categories in code order, optionally under ``parent_code``."""
    query = select(Category).order_by(Category.code)
    if parent := request.args.get("parent_code"):
        query = query.where(Category.path.like(f"%/{parent}/%"), Category.code != parent)
    return paginate(db.session(), query, category_json)


@api.post("/admin/agreements")
@documented(body=AgreementCreateSchema, responses={201: AgreementSchema}, errors=[409, 422])
@api_guard(Role.center_admin, kinds=CENTER)
def create_agreement(user: User) -> Any:
    """Create a framework agreement with its lots and awarded suppliers."""
    data = load(AgreementCreateSchema(), json_body())
    session = db.session()
    agreement = agreements.create_agreement(session, user, data)
    session.commit()
    return agreement_json(agreement), 201


@api.get("/admin/agreements")
@documented(query=AgreementListQuerySchema, responses={200: page_of(AgreementSchema)},
            paginated=True)
@api_guard(Role.center_admin, Role.auditor, kinds=CENTER)
def list_agreements(user: User) -> Any:
    query = select(Agreement).order_by(Agreement.number)
    if status := request.args.get("status"):
        query = query.where(Agreement.status == status)
    return paginate(db.session(), query, agreement_json)


@api.get("/admin/agreements/<number>")
@documented(responses={200: AgreementSchema})
@api_guard(Role.center_admin, Role.auditor, kinds=CENTER)
def get_agreement(number: str, user: User) -> Any:
    return agreement_json(agreements.get_agreement(db.session(), number))


@api.patch("/admin/agreements/<number>")
@documented(body=AgreementUpdateSchema, responses={200: AgreementSchema}, errors=[409, 422])
@api_guard(Role.center_admin, kinds=CENTER)
def update_agreement(number: str, user: User) -> Any:
    """Suspend or reactivate an agreement; its offers leave or rejoin search at once."""
    data = load(AgreementUpdateSchema(), json_body())
    session = db.session()
    agreement = agreements.get_agreement(session, number, lock=True)
    agreements.set_agreement_status(session, user, agreement, data["status"], data.get("reason"))
    session.commit()
    return agreement_json(agreement)


@api.put("/admin/agreements/<number>/ceilings")
@documented(body=CeilingSchema(many=True), responses={200: CeilingsSchema}, errors=[422])
@api_guard(Role.center_admin, kinds=CENTER)
def put_ceilings(number: str, user: User) -> Any:
    """Set per-item ceilings ``[{supplier_id, sku, ceiling_price}]``."""
    body = json_body()
    if not isinstance(body, list):
        raise BadRequest("Send a JSON list of {supplier_id, sku, ceiling_price}.",
                         code="invalid_json")
    rows = load(CeilingSchema(many=True), body)
    session = db.session()
    agreement = agreements.get_agreement(session, number, lock=True)
    saved = agreements.set_item_ceilings(session, user, agreement, rows)
    session.commit()
    return {"items": [{"supplier_id": c.supplier_id, "sku": c.sku,
                       "ceiling_price": money(c.ceiling_price, agreement.currency)}
                      for c in saved]}


@api.get("/admin/price-reviews")
@documented(query=PriceReviewQuerySchema, responses={200: page_of(PriceReviewSchema)},
            paginated=True)
@api_guard(Role.center_admin, Role.auditor, kinds=CENTER)
def list_price_reviews(user: User) -> Any:
    """Price rises held for review (``?status=`` for decided ones)."""
    # Not mall.http.paginate: each row is a (change, offer) pair, not one entity.
    query = prices.price_reviews_query(request.args.get("status", "pending_review"))
    session = db.session()
    page, per_page = page_args()
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [price_review_json(c, o) for c, o in rows], "total": total,
            "page": page, "per_page": per_page}


@api.post("/admin/price-reviews/<int:change_id>/approve")
@documented(body=ReviewDecisionSchema, responses={200: PriceReviewSchema}, errors=[409, 422])
@api_guard(Role.center_admin, kinds=CENTER)
def approve_price(change_id: int, user: User) -> Any:
    data = load(ReviewDecisionSchema(), _optional_body())
    session = db.session()
    change = prices.approve_price(session, user, change_id, data.get("reason"))
    session.commit()
    return price_review_json(change, session.get_one(Offer, change.offer_id))


@api.post("/admin/price-reviews/<int:change_id>/refuse")
@documented(body=RefuseDecisionSchema, responses={200: PriceReviewSchema}, errors=[409, 422])
@api_guard(Role.center_admin, kinds=CENTER)
def refuse_price(change_id: int, user: User) -> Any:
    data = load(RefuseDecisionSchema(), json_body())
    session = db.session()
    change = prices.refuse_price(session, user, change_id, data["reason"])
    session.commit()
    return price_review_json(change, session.get_one(Offer, change.offer_id))


# --- supplier offers ----------------------------------------------------------------------


@api.put("/supplier/offers/<sku>")
@documented(body=OfferFieldsSchema, responses={200: OfferSchema, 201: OfferSchema},
            errors=[409, 422])
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def upsert_offer(sku: str, user: User) -> Any:
    """Create or replace one offer; 422 with ``details.problems`` when it breaks a rule."""
    body = json_body()
    session = db.session()
    result = offers.upsert_offer(session, user.organization, user, sku, body)
    session.commit()
    return offer_json(result.offer), 201 if result.created else 200


@api.get("/supplier/offers")
@documented(query=OfferListQuerySchema, responses={200: page_of(OfferSchema)},
            paginated=True)
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def list_offers(user: User) -> Any:
    query = select(Offer).where(Offer.supplier_id == user.organization_id).order_by(Offer.sku)
    if status := request.args.get("status"):
        if status not in _OFFER_STATUSES:
            raise BadRequest(f"status must be one of {', '.join(sorted(_OFFER_STATUSES))}.",
                             code="invalid_status")
        query = query.where(Offer.status == status)
    return paginate(db.session(), query, offer_json)


@api.get("/supplier/offers/<sku>")
@documented(responses={200: OfferSchema})
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def get_offer(sku: str, user: User) -> Any:
    return offer_json(offers.own_offer(db.session(), user.organization, sku))


@api.patch("/supplier/offers/<sku>")
@documented(body=OfferPatchSchema, responses={200: OfferSchema}, errors=[409, 422])
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def patch_offer(sku: str, user: User) -> Any:
    """Change price, stock or status (active | draft)."""
    data = load(OfferPatchSchema(), json_body())
    session = db.session()
    result = offers.patch_offer(session, user.organization, user, sku, data)
    session.commit()
    return offer_json(result.offer)


@api.delete("/supplier/offers/<sku>")
@documented(responses={200: OfferSchema}, errors=[409, 422])
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def delist_offer(sku: str, user: User) -> Any:
    session = db.session()
    offer = offers.delist_offer(session, user.organization, user, sku)
    session.commit()
    return offer_json(offer)


@api.put("/supplier/offers/<sku>/image")
@documented(body=OfferImageUploadSchema, responses={200: OfferSchema},
            body_types=("image/jpeg", "image/png", "image/webp", "image/gif",
                        "multipart/form-data"), errors=[413, 415, 422])
@accepts_body(IMAGE_BODY_LIMIT)
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def put_offer_image(sku: str, user: User) -> Any:
    """Give one of your offers its picture; stored once per content, thumbnails made."""
    session = db.session()
    offer = images.set_offer_image(session, user.organization, user, sku, _image_body())
    session.commit()
    return offer_json(offer)


def _image_body() -> bytes:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image")
        if upload is None:
            raise BadRequest("Send the picture in the form field 'image'.",
                             code="image_missing")
        return bytes(upload.read())
    if not request.mimetype.startswith("image/"):
        raise UnsupportedMediaType(
            "Send the picture as image/jpeg, image/png, image/webp or image/gif, or as "
            "multipart/form-data.", details={"content_type": request.mimetype})
    return request.get_data(cache=False)


@api.post("/supplier/feeds")
@documented(body=FeedRowSchema(many=True), responses={201: FeedReportSchema, 202: FeedReportSchema},
            body_types=("text/csv", "application/x-ndjson", "application/json",
                        "application/xml"), errors=[413, 415])
@accepts_body(FEED_BODY_LIMIT)
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def post_feed(user: User) -> Any:
    """Import a CSV or JSON Lines feed; answers with the per-row report.

    The file's structure is checked before answering (a malformed file is a 400). Feeds of
    up to ``queued.BACKGROUND_ROWS`` (2,000) rows are applied at once (201); larger ones are
    stored and applied by ``mall worker`` (202 with status ``queued``, then ``processing``
    with ``progress``; poll the Location).
    """
    session = db.session()
    feed_id, in_background = import_upload(session, user.organization, user, request.stream,
                                           request.headers.get("Content-Type"))
    report = stored_report(session, session.get_one(FeedImport, feed_id)).as_json()
    if not in_background:
        return report, 201
    return report, 202, {"Location": url_for("catalog_api.get_feed", feed_id=feed_id)}


def _own_feed(feed_id: int, user: User) -> FeedImport:
    feed = db.session.get(FeedImport, feed_id)
    if feed is None or feed.supplier_id != user.organization_id:
        raise NotFound("You have no such feed import.")
    return feed


@api.get("/supplier/feeds")
@documented(responses={200: page_of(FeedReportSchema)}, paginated=True)
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def list_feeds(user: User) -> Any:
    query = (select(FeedImport).where(FeedImport.supplier_id == user.organization_id)
             .order_by(FeedImport.id.desc()))
    session = db.session()
    return paginate(session, query,
                    lambda feed: {k: v for k, v in stored_report(session, feed, 0).as_json()
                                  .items() if k != "errors"})


@api.get("/supplier/feeds/<int:feed_id>")
@documented(responses={200: FeedReportSchema})
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def get_feed(feed_id: int, user: User) -> Any:
    return stored_report(db.session(), _own_feed(feed_id, user)).as_json()


@api.get("/supplier/feeds/<int:feed_id>/errors")
@documented(responses={200: page_of(FeedErrorSchema)}, paginated=True)
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def list_feed_errors(feed_id: int, user: User) -> Any:
    """Every row problem of one import, paginated (the report carries the first 1,000)."""
    feed = _own_feed(feed_id, user)
    query = (select(FeedImportError).where(FeedImportError.feed_import_id == feed.id)
             .order_by(FeedImportError.id))
    return paginate(db.session(), query, feed_error_json)


# --- purchasers ---------------------------------------------------------------------------


@api.get("/offers/<int:offer_id>")
@documented(responses={200: PublicOfferSchema})
@optional_auth
def get_public_offer(offer_id: int) -> Any:
    """One offer purchasers may see; any other is 404."""
    session = db.session()
    offer = session.get(Offer, offer_id)
    if offer is None or not is_visible(offer, today()):
        raise NotFound("No such offer.")
    return public_offer_json(offer, prices.recent_prices(session, offer))


@api.get("/products/<int:product_id>/offers")
@documented(responses={200: ProductOffersSchema}, paginated=True)
@optional_auth
def get_product_offers(product_id: int) -> Any:
    """The same product from every supplier, cheapest first (the caller's region only)."""
    session = db.session()
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("No such product.")
    regions = purchaser_regions(optional_user())
    listed = product_offers(session, product_id, today(), regions)
    page, per_page = page_args()
    window = listed[(page - 1) * per_page: page * per_page]
    return {
        "product": {"id": product.id, "brand": product.brand, "model": product.model,
                    "gtin": product.gtin},
        "items": [public_offer_json(o, prices.recent_prices(session, o)) for o in window],
        "total": len(listed),
        "page": page,
        "per_page": per_page,
    }
