"""The routes a requisition can take and the outcomes a rule can have: one definition each."""

from __future__ import annotations

import enum
from typing import Final, Literal


class Route(enum.StrEnum):
    """Where the compliance decision sends a requisition."""

    direct = "direct"
    approval = "approval"
    competition = "competition"
    blocked = "blocked"


# A rule's outcome is the route it asks for, PASS when it has nothing against the purchase,
# or COUNTED when it only notes what went into a total (earlier requisitions, for splitting).
PASS: Final = "pass"
COUNTED: Final = "counted"
Outcome = Route | Literal["pass", "counted"]

# Stricter routes win when rules disagree.
STRICTNESS: Final = {Route.direct: 0, Route.approval: 1, Route.competition: 2, Route.blocked: 3}
