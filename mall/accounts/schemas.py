"""The accounts API's shapes: request bodies and query arguments (loaded by the views) and
the answers (``...AnswerSchema``-based, documenting ``serializers.py`` for the OpenAPI document).
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from mall.accounts.models import OrganizationKind, OrganizationStatus, Role, SizeClass
from mall.apidoc import AnswerSchema, timestamp
from mall.text import SingleLine

REGION = validate.Regexp(r"^(\*|[A-Z]{2}(-[A-Z0-9]{1,3})?)$",
                         error="Use an ISO 3166-2 code such as CN-BJ, a country code, or *.")


def _choices(values: Any) -> validate.OneOf:
    return validate.OneOf([v.value for v in values])


class TokenRequestSchema(Schema):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class OrganizationCreateSchema(Schema):
    name = SingleLine(required=True, validate=validate.Length(min=1, max=200))
    name_en = SingleLine(validate=validate.Length(max=200))
    kind = fields.String(required=True, validate=_choices(OrganizationKind))
    region = fields.String(required=True, validate=REGION)
    size = fields.String(validate=_choices(SizeClass), allow_none=True)
    credit_code = fields.String(validate=validate.Length(min=1, max=32), allow_none=True)
    contact_email = fields.Email(allow_none=True)
    contact_phone = fields.String(validate=validate.Length(max=40), allow_none=True)


class ApprovalLimitsSchema(Schema):
    one_approver_above = fields.Decimal(allow_none=True, validate=validate.Range(min=0),
                                        as_string=True)
    collective_above = fields.Decimal(allow_none=True, validate=validate.Range(min=0),
                                      as_string=True)
    collective_approvers = fields.Integer(allow_none=True, validate=validate.Range(min=2,
                                                                                   max=20))

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        one, collective = data.get("one_approver_above"), data.get("collective_above")
        if one is not None and collective is not None and collective < one:
            raise ValidationError("collective_above must not be below one_approver_above.",
                                  "collective_above")
        if collective is not None and not data.get("collective_approvers"):
            raise ValidationError("Say how many approvers decide collectively.",
                                  "collective_approvers")


class OrganizationUpdateSchema(Schema):
    status = fields.String(validate=_choices(OrganizationStatus))
    approval_limits = fields.Nested(ApprovalLimitsSchema)
    name = SingleLine(validate=validate.Length(min=1, max=200))
    contact_email = fields.Email(allow_none=True)
    contact_phone = fields.String(validate=validate.Length(max=40), allow_none=True)
    reason = fields.String(validate=validate.Length(max=2000))


class UserCreateSchema(Schema):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    name = SingleLine(required=True, validate=validate.Length(min=1, max=200))
    organization_id = fields.Integer(required=True)
    roles = fields.List(fields.String(validate=_choices(Role)), required=True,
                        validate=validate.Length(min=1))


class OrganizationListQuerySchema(Schema):
    kind = fields.String(validate=_choices(OrganizationKind))
    status = fields.String(validate=_choices(OrganizationStatus))


SUBDIVISION = validate.Regexp(r"^[A-Z]{2}-[A-Z0-9]{1,3}$",
                              error="Use an ISO 3166-2 subdivision code such as CN-BJ.")
PHONE = validate.Regexp(r"^[0-9+()\- ]{3,40}$",
                        error="Use digits, spaces and + ( ) - only (3 to 40).")


class DeliveryAddressCreateSchema(Schema):
    label = SingleLine(required=True, validate=validate.Length(min=1, max=100))
    recipient_name = SingleLine(required=True, validate=validate.Length(min=1, max=200))
    phone = SingleLine(required=True, validate=PHONE)
    line1 = SingleLine(required=True, validate=validate.Length(min=1, max=200))
    line2 = SingleLine(validate=validate.Length(max=200), allow_none=True)
    city = SingleLine(required=True, validate=validate.Length(min=1, max=100))
    postal_code = SingleLine(validate=validate.Length(max=20), allow_none=True)
    region = fields.String(required=True, validate=SUBDIVISION)
    is_default = fields.Boolean(load_default=False)


class DeliveryAddressUpdateSchema(Schema):
    """Any of the fields; ``is_default: true`` makes it the default (the previous one stops)."""

    label = SingleLine(validate=validate.Length(min=1, max=100))
    recipient_name = SingleLine(validate=validate.Length(min=1, max=200))
    phone = SingleLine(validate=PHONE)
    line1 = SingleLine(validate=validate.Length(min=1, max=200))
    line2 = SingleLine(validate=validate.Length(max=200), allow_none=True)
    city = SingleLine(validate=validate.Length(min=1, max=100))
    postal_code = SingleLine(validate=validate.Length(max=20), allow_none=True)
    region = fields.String(validate=SUBDIVISION)
    is_default = fields.Boolean()

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("Send at least one field to change.", "_schema")


class DeliveryAddressListQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE  # page and per_page

    archived = fields.Boolean(metadata={"description": "true: the archived addresses"})


# --- Answers -------------------------------------------------------------------------------

class TokenSchema(AnswerSchema):
    token = fields.String(metadata={"example": "mall_3f9c…"})
    expires_at = timestamp()


class ApprovalLimitsAnswerSchema(AnswerSchema):
    one_approver_above = fields.String(allow_none=True, metadata={"example": "50000.00"})
    collective_above = fields.String(allow_none=True)
    collective_approvers = fields.Integer(allow_none=True)


class OrganizationSchema(AnswerSchema):
    id = fields.Integer()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    kind = fields.String(validate=_choices(OrganizationKind))
    region = fields.String(metadata={"example": "CN-BJ"})
    size = fields.String(allow_none=True)
    sme = fields.Boolean(allow_none=True, metadata={"description": "suppliers only"})
    status = fields.String(validate=_choices(OrganizationStatus))
    credit_code = fields.String(allow_none=True)
    approval_limits = fields.Nested(ApprovalLimitsAnswerSchema)
    created_at = timestamp()


class OrganizationRefSchema(AnswerSchema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()


class UserSchema(AnswerSchema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    organization_id = fields.Integer()
    organization = fields.Nested(OrganizationRefSchema)
    roles = fields.List(fields.String(validate=_choices(Role)))
    active = fields.Boolean()


class DeliveryAddressSnapshotSchema(AnswerSchema):
    """An address as an order keeps it: a copy made when the requisition was submitted."""

    id = fields.Integer(metadata={"description": "the address book entry it was copied from"})
    label = fields.String()
    recipient_name = fields.String()
    phone = fields.String()
    line1 = fields.String()
    line2 = fields.String(allow_none=True)
    city = fields.String()
    postal_code = fields.String(allow_none=True)
    region = fields.String(metadata={"example": "CN-BJ"})


class DeliveryAddressSchema(DeliveryAddressSnapshotSchema):
    organization_id = fields.Integer()
    is_default = fields.Boolean()
    archived_at = timestamp(allow_none=True)
    created_at = timestamp()
    updated_at = timestamp()
