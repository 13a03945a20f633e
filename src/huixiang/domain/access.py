"""Who sees which tickets and who may act on them.

An org unit has a path of ids from the root, "/1/4/17/". A role held at a unit reaches that unit
and everything below it: a ticket is in reach when its org path starts with the unit's path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .enums import Actor, Role


@dataclass(frozen=True, slots=True)
class Grant:
    role: Role
    org_code: str
    org_path: str
    leaf: bool = False  # a school: nothing is filed below it, so its subtree is its own path
    district: bool = False  # a district: its subtree is also every ticket with its district id
    org_name: str = ""  # for pages ("登记员 · 实验小学")

    @property
    def org_id(self) -> int:
        return int(self.org_path.strip("/").rsplit("/", 1)[-1])


@dataclass(frozen=True, slots=True)
class Principal:
    """A logged-in staff member and the roles they hold."""

    user_id: int
    username: str
    display_name: str
    grants: tuple[Grant, ...]

    def roles_over(self, org_path: str) -> frozenset[Role]:
        """The roles that reach an org unit (or a ticket filed under it)."""
        return frozenset(g.role for g in self.grants if org_path.startswith(g.org_path))

    def actors_for(
        self, org_path: str, assignee_id: int | None, helper_ids: Iterable[int] = ()
    ) -> frozenset[str]:
        """The actor names this user has on a ticket: their roles there, 'assignee', and
        'helper' when named among the ticket's helpers (协办)."""
        actors: set[str] = set(self.roles_over(org_path))
        if assignee_id == self.user_id and actors:
            actors.add(Actor.ASSIGNEE)
        if actors and self.user_id in helper_ids and assignee_id != self.user_id:
            actors.add(Actor.HELPER)
        return frozenset(actors)

    def scope_paths(self, roles: Iterable[Role] | None = None) -> list[str]:
        """The minimal set of subtree paths this user reaches (with `roles`, only through them)."""
        wanted = set(roles) if roles is not None else None
        paths = sorted({g.org_path for g in self.grants if wanted is None or g.role in wanted})
        minimal: list[str] = []
        for path in paths:  # sorted: a parent path comes before its children
            if not any(path.startswith(kept) for kept in minimal):
                minimal.append(path)
        return minimal

    def leaf_paths(self) -> frozenset[str]:
        return frozenset(g.org_path for g in self.grants if g.leaf)

    def has_role(self, role: Role) -> bool:
        return any(g.role is role for g in self.grants)


# Registrars and leaders call parents back: they see who wrote. Every other role (handlers, grid
# members, inspectors, admins) sees the parent's and the student's identity masked; the ticket's
# assignee, a registrar or a leader may reveal it, and each reveal is an event in the archive.
FULL_IDENTITY_ROLES = frozenset({Role.REGISTRAR, Role.LEADER})
REVEAL_ACTORS = frozenset({Role.REGISTRAR, Role.LEADER, Actor.ASSIGNEE})
# The roles that can be among REVEAL_ACTORS at all (an assignee is a handler: may_be_assigned).
REVEAL_ROLES = frozenset({Role.REGISTRAR, Role.LEADER, Role.HANDLER})


def may_see_identity(roles: frozenset[Role]) -> bool:
    """Whether these roles see the contact and the student unmasked in every view."""
    return bool(roles & FULL_IDENTITY_ROLES)


def may_reveal(actors: frozenset[str]) -> bool:
    """Whether these actors on a ticket (Principal.actors_for) may reveal its identity in full."""
    return bool(actors & REVEAL_ACTORS)


def may_be_assigned(grants: Iterable[Grant], filed_at: str) -> bool:
    """Only a handler of the unit a ticket is filed at may be its assignee: the school, or the
    district for a ticket sent past the school to the bureau (the school never handles that one)."""
    return any(g.role is Role.HANDLER and g.org_path == filed_at for g in grants)


def may_help(grants: Iterable[Grant], filed_at: str) -> bool:
    """A helper (协办) is, like the assignee, a handler of the unit the ticket is filed at."""
    return may_be_assigned(grants, filed_at)


def mask_phone(phone: str) -> str:
    """138****1234 for an 11-digit mobile; keep the first 3 and last 4 of anything long enough."""
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_name(name: str) -> str:
    """王女士 → 王*: the first character only, and one star whatever the length."""
    name = name.strip()
    return f"{name[0]}*" if name else ""


def mask_email(email: str) -> str:
    """wang.li@example.com → w***@example.com: the domain stays (it says which provider to expect)."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


# Each identity field and how it shows masked; a field not listed (relation, class_name) is shown
# as is: it tells a handler how to address the parent and which class it concerns, and names no one.
Mask = Callable[[str], str]
CONTACT_MASKS: Mapping[str, Mask] = {"name": mask_name, "phone": mask_phone, "email": mask_email}
STUDENT_MASKS: Mapping[str, Mask] = {"name": mask_name}


def masked(fields: Mapping[str, str] | None, masks: Mapping[str, Mask]) -> dict[str, str] | None:
    """A copy of a contact or student with the identifying fields masked."""
    if not fields:
        return None
    return {key: masks[key](value) if key in masks and value else value for key, value in fields.items()}
