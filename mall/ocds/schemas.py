"""The open-data API's shapes, for the OpenAPI document: the query of the releases list and
the OCDS packages it answers (releases and records follow the OCDS 1.1 schema vendored in
``schema/``, so they are described here as objects, not field by field)."""

from __future__ import annotations

from marshmallow import Schema, fields

from mall.apidoc import AnswerSchema, timestamp


class ReleasesQuerySchema(Schema):
    since = fields.String(metadata={"format": "date-time",
                                    "description": "keep releases dated at or after it "
                                                   "(ISO 8601; naive is UTC)"})


class _LinksSchema(AnswerSchema):
    next = fields.String(metadata={"format": "uri"})


class ReleasePackageSchema(AnswerSchema):
    sometimes = ("links",)

    uri = fields.String(metadata={"format": "uri"})
    version = fields.String(metadata={"example": "1.1"})
    publishedDate = timestamp()
    publisher = fields.Dict(metadata={"description": "OCDS publisher: name, scheme, uid"})
    releases = fields.List(fields.Dict(), metadata={"description": "OCDS releases"})
    links = fields.Nested(_LinksSchema, metadata={"description": "while more pages follow"})


class _RecordSchema(AnswerSchema):
    ocid = fields.String()
    releases = fields.List(fields.Dict())
    compiledRelease = fields.Dict()


class RecordPackageSchema(AnswerSchema):
    uri = fields.String(metadata={"format": "uri"})
    version = fields.String()
    publishedDate = timestamp()
    publisher = fields.Dict()
    records = fields.List(fields.Nested(_RecordSchema))
