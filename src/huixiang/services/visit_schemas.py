"""The home visits' request shapes (msgspec Structs): the roster and the visit record (附表1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from ..domain.enums import Kind
from ..domain.visits import Group, VisitForm
from .schemas import Code, Input, Phone

Name = Annotated[str, Meta(min_length=1, max_length=50)]
Short = Annotated[str, Meta(max_length=32)]
Record = Annotated[str, Meta(max_length=5000)]
Opinion = Annotated[str, Meta(min_length=1, max_length=5000)]
Username = Annotated[str, Meta(min_length=1, max_length=64)]
Grade = Annotated[int, Meta(ge=1, le=12)]
Year = Annotated[int, Meta(ge=2000, le=2100)]
# Ids as the tables keep them: a class's is an int4; a student's an int8, bounded where JSON numbers
# stay exact (2**53), which no id reaches.
ClassId = Annotated[int, Meta(ge=1, le=2**31 - 1)]
StudentId = Annotated[int, Meta(ge=1, le=2**53 - 1)]


class TeacherIn(Input):
    username: Username
    subject: Short = ""


class ClassCreate(Input):
    school_code: Code
    grade: Grade
    name: Annotated[str, Meta(min_length=1, max_length=32)]
    school_year: Year | None = None  # the current school year when left out
    head_teacher: Username | None = None
    teachers: Annotated[list[TeacherIn], Meta(max_length=30)] = []


class GuardianIn(Input):
    name: Name
    relation: Annotated[str, Meta(max_length=16)] = ""
    phone: Phone | None = None


class StudentCreate(Input):
    class_id: ClassId
    name: Name
    new_intake: bool = False
    groups: Annotated[list[Group], Meta(max_length=6)] = []
    guardians: Annotated[list[GuardianIn], Meta(max_length=4)] = []


class TicketFromOpinion(Input):
    """The family agreed (consent) that this opinion goes into the closed loop as a ticket."""

    consent: bool = False
    category: Annotated[str, Meta(min_length=1, max_length=64)] = "其他"
    kind: Kind = Kind.SUGGESTION
    guardian: Annotated[int, Meta(ge=0, le=3)] = 0  # which guardian is the ticket's contact
    with_contact: bool = True  # false: the ticket carries no contact (the family gave none)
    title: Annotated[str, Meta(max_length=200)] | None = None


class OpinionIn(Input):
    text: Opinion
    ticket: TicketFromOpinion | None = None


class VisitCreate(Input):
    student_id: StudentId
    visited_at: datetime
    form: VisitForm
    campaign: Annotated[str, Meta(max_length=64)] | None = None
    # The usernames of the other teachers present (the caller is always one).
    teachers: Annotated[list[str], Meta(max_length=10)] = []
    family_members_met: Record = ""
    family_situation: Record = ""
    student_at_home: Record = ""
    opinions: Annotated[list[OpinionIn], Meta(max_length=20)] = []
    effect: Record = ""
    reflection: Record = ""
    # The client's key for this record: the same key again (a retry, a draft sent twice) answers
    # the record already made, with no second record and no second ticket.
    client_key: Annotated[str, Meta(max_length=64, pattern=r"^[A-Za-z0-9_-]{8,64}$")] | None = None


# ---- follow-ups, campaigns and plans, talk records ---------------------------------------------


Days = Annotated[int, Meta(ge=7, le=365)]


class Cadences(Input):
    """Days between follow-ups per group, 7 to 365; null: the unit above decides; a group left
    out is kept as it is."""

    hardship: Days | None | UnsetType = UNSET
    learning: Days | None | UnsetType = UNSET
    left_behind: Days | None | UnsetType = UNSET
    change: Days | None | UnsetType = UNSET
    migrant: Days | None | UnsetType = UNSET
    disability: Days | None | UnsetType = UNSET


class CadencesIn(Input):
    cadences: Cadences


class CampaignCreate(Input):
    org_code: Code  # the unit that runs it: a school, or a bureau for the schools under it
    name: Annotated[str, Meta(min_length=1, max_length=64)]
    starts_on: date
    ends_on: date


class PlanItemIn(Input):
    student_id: StudentId
    teacher: Username  # a teacher of the school, by username
    due_on: date


class PlanIn(Input):
    items: Annotated[list[PlanItemIn], Meta(max_length=200)]


class TalkCreate(Input):
    """A talk record (附表2, 谈心记载表) with one student."""

    student_id: StudentId
    talked_at: datetime
    topic: Annotated[str, Meta(min_length=1, max_length=200)]
    place: Annotated[str, Meta(max_length=64)] = ""
    participants: Record = ""  # who else took part (a parent, the school's counsellor …)
    content: Record = ""  # 谈心内容摘要
    advice: Record = ""  # 教师建议
    followup: Record = ""  # 谈心后记: what follows and when
    client_key: Annotated[str, Meta(max_length=64, pattern=r"^[A-Za-z0-9_-]{8,64}$")] | None = None
