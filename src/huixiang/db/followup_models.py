"""The tables of home visits' remainder (migration 0021_followups): follow-up cadences and the
sweep's fired follow-ups, campaigns and their plans, talk records (附表2)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class FollowupCadence(Base):
    """A unit's follow-up cadence for one group, in days (the nearest unit's row wins)."""

    __tablename__ = "followup_cadences"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    grp: Mapped[str] = mapped_column(String(16), primary_key=True)
    days: Mapped[int] = mapped_column(SmallInteger)


class FollowupFire(Base):
    """A follow-up the sweep told about: once per student, rule (due, overdue) and due day."""

    __tablename__ = "followup_fires"

    student_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("students.id", ondelete="CASCADE"), primary_key=True
    )
    rule: Mapped[str] = mapped_column(String(16), primary_key=True)
    due_on: Mapped[date] = mapped_column(Date, primary_key=True)
    fired_at: Mapped[datetime]


class FollowupSweep(Base):
    """An hour in which the sweep looked at an org tree's follow-ups (they move by the day)."""

    __tablename__ = "followup_sweeps"

    root_path: Mapped[str] = mapped_column(String(400), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)


class VisitCampaign(Base):
    """A campaign (e.g. 2026秋季家访月) run by a unit for the schools under it."""

    __tablename__ = "visit_campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))


class VisitPlanItem(Base):
    """A class's plan in a campaign: which teacher visits which student's family by when."""

    __tablename__ = "visit_plan_items"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("visit_campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("students.id", ondelete="CASCADE"), primary_key=True
    )
    class_id: Mapped[int] = mapped_column(ForeignKey("visit_classes.id", ondelete="CASCADE"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)


class Talk(Base):
    """A talk record (潜江's 附表2, 谈心记载表) with one student."""

    __tablename__ = "talks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    student_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("students.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("visit_classes.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    talked_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(64), server_default="")
    participants: Mapped[str] = mapped_column(Text, server_default="")
    topic: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, server_default="")
    advice: Mapped[str] = mapped_column(Text, server_default="")
    followup: Mapped[str] = mapped_column(Text, server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    client_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
