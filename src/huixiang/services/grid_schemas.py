"""The grids' and the promotion's request shapes (msgspec Structs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta

from ..domain.enums import Kind
from ..domain.grids import MAX_FAMILIES_PER_GRID, ContactForm
from .schemas import Code, Input
from .visit_schemas import ClassId, StudentId, Year


class MemberIn(Input):
    """The grid's member: an account of the school (a teacher, or a volunteer already made), or,
    with `display_name` and `password`, a parent volunteer's new login with the grid_member role
    at the school."""

    username: Annotated[str, Meta(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")]
    display_name: Annotated[str, Meta(min_length=1, max_length=100)] | None = None
    password: Annotated[str, Meta(min_length=8, max_length=200)] | None = None


# Students' ids; one that names no student of the class is refused by the service, naming the
# field (the API's schema cannot carry the items' range: Litestar drops it).
Families = Annotated[list[int], Meta(max_length=MAX_FAMILIES_PER_GRID)]


class GridCreate(Input):
    class_id: ClassId
    name: Annotated[str, Meta(min_length=1, max_length=32)]
    member: MemberIn
    students: Families = []


class GridUpdate(Input):
    member: MemberIn | None = None
    students: Families | None = None


class TicketFromMatter(Input):
    """The family agreed (consent) that the matter goes into the closed loop as a ticket."""

    consent: bool = False
    category: Annotated[str, Meta(min_length=1, max_length=64)] = "其他"
    kind: Kind = Kind.SUGGESTION
    with_contact: bool = False  # true: the family's first guardian is the ticket's contact
    title: Annotated[str, Meta(max_length=200)] | None = None


class ContactCreate(Input):
    contacted_at: datetime
    form: ContactForm
    student_id: StudentId | None = None  # the family contacted; none: the whole grid (a meeting)
    note: Annotated[str, Meta(max_length=2000)] = ""
    matter: Annotated[str, Meta(max_length=5000)] = ""  # what the family raised, if anything
    ticket: TicketFromMatter | None = None


class PromotionRequest(Input):
    school_code: Code
    from_year: Year
    confirm: Literal[True]  # must be given, and true: moving every class up is done once a year
    top_grade: Annotated[int, Meta(ge=1, le=12)] | None = None  # the school's last grade, if not inferred
