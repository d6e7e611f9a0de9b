from __future__ import annotations

from typing import Any

from mall.accounts.models import DeliveryAddress, Organization, User


def organization_json(org: Organization) -> dict[str, Any]:
    def amount(value: Any) -> str | None:
        return None if value is None else f"{value:.2f}"

    return {
        "id": org.id,
        "name": org.name,
        "name_en": org.name_en,
        "kind": org.kind,
        "region": org.region,
        "size": org.size,
        "sme": org.is_sme if org.kind == "supplier" else None,
        "status": org.status,
        "credit_code": org.credit_code,
        "approval_limits": {
            "one_approver_above": amount(org.approval_one_approver_above),
            "collective_above": amount(org.approval_collective_above),
            "collective_approvers": org.approval_collective_approvers,
        },
        "created_at": org.created_at.isoformat(),
    }


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "organization_id": user.organization_id,
        "organization": {"id": user.organization.id, "name": user.organization.name,
                         "kind": user.organization.kind},
        "roles": sorted(user.roles),
        "active": user.active,
    }


def address_json(address: DeliveryAddress) -> dict[str, Any]:
    return {
        **address.snapshot(),
        "organization_id": address.organization_id,
        "is_default": address.is_default,
        "archived_at": address.archived_at.isoformat() if address.archived_at else None,
        "created_at": address.created_at.isoformat(),
        "updated_at": address.updated_at.isoformat(),
    }
