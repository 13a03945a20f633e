"""Tables of migration 0022: parent grids (网格连心), their families and contact log, a student's
class in each school year, and the yearly promotions. Beside models.py so the feature's tables
read together."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class Grid(Base):
    """A grid of a class's families (网格连心) and its grid member: a teacher or a parent volunteer."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("visit_classes.id"))
    name: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))


class GridFamily(Base):
    __tablename__ = "grid_families"

    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("students.id", ondelete="CASCADE"), primary_key=True
    )


class GridContact(Base):
    """One line of the grid's file (一格一人): a contact with a family, and the matter it raised."""

    __tablename__ = "grid_contacts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"))
    student_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("students.id", ondelete="SET NULL"))
    contacted_at: Mapped[datetime]
    form: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, server_default="")
    matter: Mapped[str] = mapped_column(Text, server_default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), unique=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))


class ClassEnrolment(Base):
    """A student's class in one school year, with whether they were 新生 that year."""

    __tablename__ = "class_enrolments"

    student_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("students.id", ondelete="CASCADE"), primary_key=True
    )
    class_id: Mapped[int] = mapped_column(ForeignKey("visit_classes.id"), primary_key=True)
    new_intake: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class Promotion(Base):
    """A school's yearly promotion, once per school year (the year promoted from)."""

    __tablename__ = "promotions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    from_year: Mapped[int] = mapped_column(SmallInteger)
    top_grade: Mapped[int] = mapped_column(SmallInteger)
    classes_promoted: Mapped[int] = mapped_column(Integer)
    classes_graduated: Mapped[int] = mapped_column(Integer)
    students_promoted: Mapped[int] = mapped_column(Integer)
    students_graduated: Mapped[int] = mapped_column(Integer)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
