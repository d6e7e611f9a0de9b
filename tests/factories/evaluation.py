"""Experts for tests (the shared hash; registration through the API is tested on its own)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mall.accounts.models import Organization, User
from mall.accounts.services import ensure_center
from mall.evaluation.models import ConflictKind, Expert, ExpertConflict
from tests.factories.accounts import make_user


def make_expert(session: Session, region: str, specialties: list[str],
                affiliations: tuple[Organization, ...] = ()) -> User:
    user = make_user(session, ensure_center(session), roles=("expert",))
    session.add(Expert(user_id=user.id, region=region, specialties=specialties))
    session.flush()
    session.add_all(ExpertConflict(expert_id=user.id, organization_id=o.id,
                                   kind=ConflictKind.affiliation,
                                   reason="affiliation registered by the center")
                    for o in affiliations)
    session.flush()
    return user
