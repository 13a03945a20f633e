"""Parents' trust, decided without I/O: which staff a complaint may name (conflict of interest),
when naming sends it past the school, when an identity may go into escrow, and who may unseal.

A ticket that names a staff member does not exist for them: repo.in_scope leaves it out of every
read; here are only the decisions around it."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from .access import Grant
from .enums import TRUST_KINDS, Kind, Role, Status
from .errors import Conflict, IllegalTransition, Invalid, NotPermitted

# What the school sees in place of an escrowed parent.
ESCROW_LABEL = "家长（身份由教育局保管）"
# Staff may be named (by the registrar or a leader) while nobody handles the ticket yet.
NAMING_STATUSES = frozenset({Status.COLLECTED, Status.REGISTERED, Status.SUBMITTED})


def check_request(
    kind: Kind,
    named: Collection[int],
    escrow: bool,
    *,
    anonymous: bool,
    has_contact: bool,
    school_staff: Collection[int],
) -> list[int]:
    """The named staff, deduplicated and sorted, or Invalid naming the field."""
    if (named or escrow) and kind not in TRUST_KINDS:
        field = "named_staff" if named else "escrow"
        raise Invalid(f"`{field}` is only for a complaint or a report (`kind` complaint or report).")
    if escrow and anonymous:
        raise Invalid("`escrow` and `anonymous` exclude each other: an anonymous ticket keeps no identity.")
    if escrow and not has_contact:
        raise Invalid("`escrow` needs a `contact` (a phone or an email) for the answer to reach you.")
    unknown = sorted(set(named) - set(school_staff))
    if unknown:
        raise Invalid(f"`named_staff` must be staff of this ticket's school; {unknown[0]} is not.")
    return sorted(set(named))


def leader_named(named: Iterable[int], leaders: Collection[int]) -> bool:
    """A named person leads the school: the ticket goes to the district at once."""
    return any(user_id in leaders for user_id in named)


def check_naming(status: Status, named: Collection[int], assignee_id: int | None) -> None:
    """Marking named staff on a ticket already recorded."""
    if status not in NAMING_STATUSES:
        allowed = " or ".join(sorted(s.value for s in NAMING_STATUSES))
        raise IllegalTransition(
            f"Cannot name staff on this ticket: it is {status.value}; "
            f"staff can be named only when it is {allowed}."
        )
    if assignee_id is not None and assignee_id in named:
        raise Invalid("`named_staff` includes the ticket's assignee: assign it to someone else first.")


def may_unseal(is_reviewer: bool, grants: Iterable[Grant], ticket_path: str) -> bool:
    """A designated reviewer holding an inspector's role at a district (or a bureau above it)
    that reaches the ticket; a school's role never does."""
    return is_reviewer and any(
        g.role is Role.INSPECTOR and not g.leaf and ticket_path.startswith(g.org_path) for g in grants
    )


def check_unseal(is_reviewer: bool, grants: Iterable[Grant], ticket_path: str, escrowed: bool) -> None:
    if not may_unseal(is_reviewer, grants, ticket_path):
        raise NotPermitted("Only a designated reviewer of the district may unseal a parent's identity.")
    if not escrowed:
        raise Conflict("This ticket's identity is not held in escrow: there is nothing to unseal.")
