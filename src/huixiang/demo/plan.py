"""Drawing every demo ticket's story: which state it ends in, its instants, its steps."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.deadlines import Clock
from ..domain.due import due_within
from ..domain.enums import Channel, Kind, Priority, Rating, Status, Verdict
from .story import (
    ARCHIVE_NOTES,
    ASSIGN_NOTES,
    CHASE_NOTE,
    CLOCKS,
    DISHES,
    EXTEND_REASONS,
    GATES,
    GIVEN,
    GRADES_MIDDLE,
    GRADES_PRIMARY,
    INSPECT_FAIL,
    INSPECT_PASS,
    MULTI_ROLE,
    REGISTER_NOTES,
    REOPEN_REASONS,
    ROADS,
    SCHOOL_ROLES,
    SCHOOLS,
    SUBJECTS_MIDDLE,
    SUBJECTS_PRIMARY,
    SUBMIT_NOTES,
    SUPERVISE_NOTES,
    SURNAMES,
    TEMPLATES,
    WEEKDAYS,
    SchoolSpec,
    Template,
)

SEED = 2026
SHOWCASE = "demo-shiyan"
SHOWCASE_HANDLERS = ("demo-shiyan-handler1", "demo-shiyan-handler2", MULTI_ROLE[0])
HISTORY_DAYS = 42  # tickets are spread over the six weeks before now
MARGIN = timedelta(minutes=10)  # the last demo event lies at least this long before now


# ---- the plan of one ticket ------------------------------------------------------------------


@dataclass
class Spec:
    """Where a ticket's story ends and what happens on the way."""

    final: Status
    days: tuple[float, float]  # how long ago it was collected
    overdue: bool | None = None  # for open finals: past the respond deadline now, or not
    urgent: bool = False
    extend: bool = False
    supervise: bool = False
    ratings: tuple[Rating, ...] = ()
    reopen_by_leader: bool = False
    inspect_fail: bool = False
    at_once: bool = False  # the registrar answers at once (hotline)
    to_bureau: bool = False
    supervisor: str | None = None  # inspector username, else the district's
    # For the staff queues (web/staff/queue.py): a story pinned to a school and its handler, or
    # due within one working day of now (即将超期).
    school: str | None = None
    handler: str | None = None  # a username
    due_soon: bool = False


@dataclass
class Step:
    at: datetime
    action: str
    by: str | None  # username; None for the parent
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    index: int
    school: SchoolSpec
    template: Template
    details: dict[str, str]
    channel: Channel
    anonymous: bool
    spec: Spec
    collected_at: datetime = datetime.min
    steps: list[Step] = field(default_factory=list)
    handler: str = ""
    open_until: datetime | None = None  # the first response: duplicates merge before it
    number: str | None = None
    code: str | None = None
    into: Plan | None = None  # a duplicate's primary


def _scenarios() -> list[tuple[int, Callable[[random.Random], Spec]]]:
    """How many tickets end in which story."""
    R = Rating

    def rated(rng: random.Random) -> tuple[Rating, ...]:
        roll = rng.random()
        if roll < 0.30:
            return ()
        if roll < 0.70:
            return (R.SATISFIED,)
        if roll < 0.88:
            return (R.BASICALLY_SATISFIED,)
        second = rng.choice((R.SATISFIED, R.BASICALLY_SATISFIED, R.BASICALLY_SATISFIED, R.UNSATISFIED))
        return (R.UNSATISFIED, second)

    return [
        (14, lambda r: Spec(Status.COLLECTED, (0, 3), overdue=False)),
        (4, lambda r: Spec(Status.COLLECTED, (8, 20), overdue=True)),
        (9, lambda r: Spec(Status.REGISTERED, (0, 4), overdue=False)),
        (3, lambda r: Spec(Status.REGISTERED, (8, 25), overdue=True)),
        (9, lambda r: Spec(Status.SUBMITTED, (0, 4), overdue=False)),
        (3, lambda r: Spec(Status.SUBMITTED, (8, 25), overdue=True)),
        (20, lambda r: Spec(Status.ASSIGNED, (0, 5), overdue=False)),
        (3, lambda r: Spec(Status.ASSIGNED, (0, 10), overdue=True, urgent=True)),
        (8, lambda r: Spec(Status.ASSIGNED, (8, 30), overdue=True)),
        (6, lambda r: Spec(Status.ASSIGNED, (3, 14), overdue=False, extend=True)),
        (
            6,
            lambda r: Spec(
                Status.ASSIGNED,
                (10, 35),
                overdue=True,
                supervise=True,
                supervisor=r.choice((None, None, "demo-city-inspector")),
            ),
        ),
        (6, lambda r: Spec(Status.ASSIGNED, (5, 25), ratings=(R.UNSATISFIED,))),
        (3, lambda r: Spec(Status.ASSIGNED, (15, 40), inspect_fail=True)),
        (24, lambda r: Spec(Status.RESPONDED, (1, 12))),
        (
            12,
            lambda r: Spec(
                Status.RESPONDED, (1, 12), ratings=(r.choice((R.SATISFIED, R.BASICALLY_SATISFIED)),)
            ),
        ),
        (6, lambda r: Spec(Status.RESPONDED, (0, 8), at_once=True, ratings=r.choice(((), (R.SATISFIED,))))),
        (2, lambda r: Spec(Status.RESPONDED, (5, 20), reopen_by_leader=True)),
        (4, lambda r: Spec(Status.RESPONDED, (2, 14), urgent=True, ratings=r.choice(((), (R.SATISFIED,))))),
        (
            78,
            lambda r: Spec(
                Status.ARCHIVED,
                (9, HISTORY_DAYS),
                ratings=rated(r),
                urgent=r.random() < 0.05,
                extend=r.random() < 0.06,
                reopen_by_leader=r.random() < 0.03,
            ),
        ),
        (6, lambda r: Spec(Status.ARCHIVED, (12, HISTORY_DAYS), at_once=True, ratings=rated(r))),
        (
            5,
            lambda r: Spec(
                Status.ARCHIVED,
                (14, HISTORY_DAYS),
                supervise=True,
                ratings=rated(r),
                supervisor=r.choice((None, "demo-city-inspector")),
            ),
        ),
        (
            40,
            lambda r: Spec(
                Status.INSPECTED,
                (14, HISTORY_DAYS),
                ratings=rated(r),
                urgent=r.random() < 0.05,
                extend=r.random() < 0.05,
            ),
        ),
        (4, lambda r: Spec(Status.INSPECTED, (25, HISTORY_DAYS), ratings=rated(r), inspect_fail=True)),
        # Sent to the district bureau.
        (2, lambda r: Spec(Status.COLLECTED, (0, 2), overdue=False, to_bureau=True)),
        (1, lambda r: Spec(Status.REGISTERED, (1, 4), overdue=False, to_bureau=True)),
        (
            2,
            lambda r: Spec(
                Status.RESPONDED, (2, 10), to_bureau=True, ratings=r.choice(((), (R.BASICALLY_SATISFIED,)))
            ),
        ),
        (4, lambda r: Spec(Status.ARCHIVED, (10, 40), to_bureau=True, ratings=rated(r))),
        (2, lambda r: Spec(Status.INSPECTED, (15, 40), to_bureau=True, ratings=(R.SATISFIED,))),
        # Every handler's queues hold something at now: 即将超期 and 督办中 of the first school's
        # handlers, and the two-role user's own tickets (story.MULTI_ROLE).
        *(
            (1, lambda r, h=h: Spec(Status.ASSIGNED, (2, 7), due_soon=True, school=SHOWCASE, handler=h))
            for h in SHOWCASE_HANDLERS
        ),
        *(
            (
                1,
                lambda r, h=h: Spec(
                    Status.ASSIGNED, (10, 35), overdue=True, supervise=True, school=SHOWCASE, handler=h
                ),
            )
            for h in SHOWCASE_HANDLERS
        ),
        *(
            (1, lambda r, spec=spec: Spec(**{**spec, "school": SHOWCASE, "handler": MULTI_ROLE[0]}))
            for spec in (
                {"final": Status.ASSIGNED, "days": (0, 3), "overdue": False},
                {"final": Status.ASSIGNED, "days": (8, 30), "overdue": True},
                {"final": Status.RESPONDED, "days": (1, 6)},
                {"final": Status.ARCHIVED, "days": (9, HISTORY_DAYS)},
            )
        ),
    ]


MERGED = 14  # duplicates folded into another ticket of the same school

CHANNEL_WEIGHTS = {
    Channel.ONLINE: 40,
    Channel.MAILBOX: 10,
    Channel.HOTLINE: 14,
    Channel.RECEPTION: 8,
    Channel.HOME_VISIT: 12,
    Channel.GRID: 9,
    Channel.PARENT_MEETING: 7,
}


class Planner:
    """Draws every ticket's story with its instants, from one seeded generator."""

    def __init__(self, rng: random.Random, now: datetime, clock: Clock, tz: ZoneInfo) -> None:
        self.rng = rng
        self.now = now
        self.latest = now - MARGIN
        self.clock = clock
        self.tz = tz
        # Strict draws honour a spec's overdue flag and rating window; after a long holiday
        # some cannot fit, and a relaxed draw keeps only the order of time.
        self.strict = True
        self.meetings = {school.code: self._meeting_day(i) for i, school in enumerate(SCHOOLS)}

    # -- instants --

    def _meeting_day(self, i: int) -> datetime:
        """A Friday afternoon parent meeting three to four weeks ago."""
        day = (self.now - timedelta(days=20 + 3 * i)).astimezone(self.tz).date()
        while day.weekday() != 4:
            day -= timedelta(days=1)
        return datetime.combine(day, time(15, 30), tzinfo=self.tz)

    def office(self, at: datetime) -> datetime:
        """The same instant if it falls in office hours on a working day, else the next morning."""
        local = at.astimezone(self.tz)
        is_workday = self.clock.calendar.is_workday
        if is_workday(local.date()) and time(8, 0) <= local.time() < time(17, 40):
            return at
        day = local.date()
        if local.time() >= time(8, 0) or not is_workday(day):
            day += timedelta(days=1)
            while not is_workday(day):
                day += timedelta(days=1)
        return datetime.combine(day, time(8, 0), tzinfo=self.tz) + timedelta(
            seconds=self.rng.randint(5 * 60, 150 * 60)
        )

    def waking(self, at: datetime) -> datetime:
        """A parent's hours: 7:00 to 22:30."""
        local = at.astimezone(self.tz)
        if time(7, 0) <= local.time() < time(22, 30):
            return at
        day = local.date() + (timedelta(days=1) if local.time() >= time(22, 30) else timedelta())
        start = datetime.combine(day, time(7, 0), tzinfo=self.tz)
        return start + timedelta(seconds=self.rng.randint(5 * 60, 120 * 60))

    def after(
        self, at: datetime, lo_hours: float, hi_hours: float, snap: Callable[[datetime], datetime]
    ) -> datetime:
        later = snap(at + timedelta(hours=self.rng.uniform(lo_hours, hi_hours)))
        return max(later, at + timedelta(minutes=1))

    def between(self, start: datetime, end: datetime) -> datetime:
        """An office instant in (start, end), or one just after start when none fits."""
        for _ in range(5):
            span = (end - start).total_seconds()
            candidate = self.office(start + timedelta(seconds=self.rng.uniform(0.1, 0.9) * max(span, 600)))
            if candidate < end:
                return candidate
        return start + timedelta(minutes=self.rng.randint(5, 40))

    # -- the story --

    def collected(self, plan: Plan) -> datetime:
        lo, hi = plan.spec.days
        at = self.now - timedelta(days=self.rng.uniform(lo, hi), hours=self.rng.uniform(0, 1))
        if plan.channel is Channel.PARENT_MEETING:
            meeting = self.meetings[plan.school.code]
            return meeting + timedelta(seconds=self.rng.randint(0, 90 * 60))
        if plan.channel in (Channel.ONLINE, Channel.GRID, Channel.HOME_VISIT):
            return self.waking(at)
        return self.office(at)

    def draw(self, plan: Plan) -> bool:
        """Draw the instants of a plan's story; False when this draw does not fit its spec."""
        spec, rng = plan.spec, self.rng
        school = plan.school
        who = {suffix: f"{school.short}-{suffix}" for suffix, _ in SCHOOL_ROLES}
        district_leader = f"{school.district}-leader"
        inspector = spec.supervisor or f"{school.district}-inspector"
        plan.handler = rng.choice((who["handler1"], who["handler2"]))
        if spec.handler:
            plan.handler = spec.handler
        kind = plan.template.kind
        steps: list[Step] = []

        t0 = self.collected(plan)
        plan.collected_at = t0
        if plan.channel is Channel.ONLINE:
            intake_at, recorder = t0, None
        elif plan.channel is Channel.HOTLINE:
            intake_at, recorder = t0 + timedelta(minutes=rng.randint(3, 25)), who["registrar"]
        else:
            recorder = {
                Channel.MAILBOX: who["registrar"],
                Channel.RECEPTION: who["leader"],
                Channel.HOME_VISIT: plan.handler,
                Channel.GRID: who["grid"],
                Channel.PARENT_MEETING: who["registrar"],
            }[plan.channel]
            intake_at = self.after(t0, 0.2, 20, self.office)
        steps.append(Step(intake_at, "intake", recorder))
        due = self.clock.respond_due(t0, kind, Priority.NORMAL)
        t = intake_at
        responder = plan.handler
        plan.open_until = None

        def finish(final_due: datetime) -> bool:
            plan.steps = steps
            if steps[-1].at > self.latest:
                return False
            if spec.due_soon and self.strict and not self.now <= final_due < due_within(self.now, self.clock):
                return False
            return not self.strict or spec.overdue is None or spec.overdue == (self.now > final_due)

        if spec.final is Status.COLLECTED:
            return finish(due)

        registrar = district_leader if spec.to_bureau else who["registrar"]
        t = self.after(t, 0.3, 2 if spec.urgent else 20, self.office)
        args: dict[str, Any] = {"note": rng.choice(REGISTER_NOTES)}
        if spec.urgent:
            args["priority"] = Priority.URGENT
            due = t0 + timedelta(hours=self.clock.policy.urgent_respond_hours)
        steps.append(Step(t, "register", registrar, args))
        if spec.final is Status.REGISTERED:
            return finish(due)

        if spec.at_once:
            responder = who["registrar"]
            t = t + timedelta(minutes=rng.randint(5, 50))
        elif spec.to_bureau:
            responder = district_leader
            t = self.between(t, due) if rng.random() < 0.85 else self.after(due, 4, 48, self.office)
        else:
            t = self.after(t, 0.1, 3, self.office)
            steps.append(Step(t, "submit", who["registrar"], {"note": rng.choice(SUBMIT_NOTES)}))
            if spec.final is Status.SUBMITTED:
                return finish(due)
            t = self.after(t, 0.3, 2 if spec.urgent else 20, self.office)
            steps.append(
                Step(t, "assign", who["leader"], {"assignee": plan.handler, "note": rng.choice(ASSIGN_NOTES)})
            )
            if spec.extend:
                if t + timedelta(hours=2) >= due:
                    return False
                t = self.between(t, due - timedelta(hours=1))
                due = self.clock.after_workdays(due, rng.randint(3, 7))
                steps.append(
                    Step(
                        t,
                        "extend",
                        who["leader"],
                        {"respond_due_at": due, "reason": rng.choice(EXTEND_REASONS)},
                    )
                )
            if spec.supervise:
                t = self.after(max(t, due), 4, 60, self.office)
                steps.append(
                    Step(
                        t,
                        "supervise",
                        inspector,
                        {"note": rng.choice(SUPERVISE_NOTES), "due_at": self.clock.after_workdays(t, 2)},
                    )
                )
            if spec.final is Status.ASSIGNED and not (spec.ratings or spec.inspect_fail):
                # Still open: the inspector chases it a working day after the order (drawn
                # without the generator, so the other stories stay as they were).
                chase_at = self.clock.after_workdays(t, 1) if spec.supervise else None
                if chase_at is not None and chase_at < self.latest:
                    steps.append(Step(chase_at, "chase", inspector, {"note": CHASE_NOTE}))
                return finish(due)
            if spec.supervise:
                t = self.after(t, 2, 40, self.office)
            elif rng.random() < 0.86 or spec.urgent:
                t = self.between(t + timedelta(minutes=30), due)
            else:  # answered late
                t = self.after(max(t, due), 3, 72, self.office)
            if rng.random() < 0.08:
                responder = who["leader"]
        steps.append(Step(t, "respond", responder, {"rework": False}))
        plan.open_until = t

        # Rework goes back to the assignee; a ticket answered at once has none, so its leader.
        if spec.at_once:
            responder = who["leader"]
        rated_last, reopened = False, False
        for value in spec.ratings:
            t = self.after(t, 0.5, 50, self.waking)
            steps.append(Step(t, "rate", None, {"value": value}))
            rated_last = True
            if value is Rating.UNSATISFIED and not reopened:  # the first 不满意 reopens
                reopened = True
                due = self.clock.rework_due(t)
                if spec.final is Status.ASSIGNED:
                    return finish(due)
                t = self.after(t, 2, 40, self.office)
                steps.append(Step(t, "respond", responder, {"rework": True}))
                rated_last = False
        if spec.reopen_by_leader:
            leader = district_leader if spec.to_bureau else who["leader"]
            t = self.after(t, 2, 30, self.office)
            steps.append(Step(t, "reopen", leader, {"reason": rng.choice(REOPEN_REASONS)}))
            t = self.after(t, 2, 30, self.office)
            steps.append(Step(t, "respond", responder, {"rework": True}))
            rated_last = False
        if spec.final is Status.RESPONDED:
            window = timedelta(days=self.clock.policy.rating_window_days)
            return finish(due) and (t >= self.now - window or not self.strict)

        archiver = district_leader if spec.to_bureau else rng.choice((who["leader"], who["registrar"]))
        if rated_last:
            t = self.after(t, 0.5, 40, self.office)
        else:  # nobody rated: archived once the rating window has passed
            window = timedelta(days=self.clock.policy.rating_window_days)
            t = self.office(t + window + timedelta(hours=rng.uniform(0, 20)))
        steps.append(Step(t, "archive", archiver, {"note": rng.choice(ARCHIVE_NOTES)}))
        if spec.final is Status.ARCHIVED:
            return finish(due)

        t = self.after(t, 20, 200, self.office)
        if spec.inspect_fail:
            steps.append(
                Step(t, "inspect", inspector, {"verdict": Verdict.FAIL, "note": rng.choice(INSPECT_FAIL)})
            )
            due = self.clock.rework_due(t)
            if spec.final is Status.ASSIGNED:
                return finish(due)
            t = self.after(t, 3, 40, self.office)
            steps.append(Step(t, "respond", responder, {"rework": True}))
            t = self.after(t, 20, 72, self.office)
            steps.append(Step(t, "archive", archiver, {"note": "整改完成，重新归档。"}))
            t = self.after(t, 20, 120, self.office)
        steps.append(
            Step(t, "inspect", inspector, {"verdict": Verdict.PASS, "note": rng.choice(INSPECT_PASS)})
        )
        return finish(due)

    def draw_duplicate(self, plan: Plan, primary: Plan) -> bool:
        """A second parent raising what `primary` raised, merged into it while it is open."""
        school, rng = plan.school, self.rng
        registrar = f"{school.short}-registrar"
        start = primary.steps[0].at
        end = min(primary.open_until or self.latest, self.latest)
        if end - start < timedelta(hours=6):
            return False
        t0 = self.waking(start + (end - start) * rng.uniform(0.05, 0.5))
        if t0 >= end:
            return False
        plan.collected_at = t0
        steps = [Step(t0, "intake", None)]
        t = t0
        if rng.random() < 0.5:
            t = self.between(t, end)
            steps.append(Step(t, "register", registrar, {"note": "已受理。"}))
        t = self.between(t, end)
        note = "与{into}反映同一事项，合并办理，办理结果将一并答复。"
        steps.append(Step(t, "merge", registrar, {"note": note}))
        plan.steps, plan.into = steps, primary
        return steps[-1].at <= min(end, self.latest) and all(
            a.at < b.at for a, b in zip(steps, steps[1:], strict=False)
        )


def _details(rng: random.Random, school: SchoolSpec) -> dict[str, str]:
    primary = school.level == "primary"
    grade = rng.choice(GRADES_PRIMARY if primary else GRADES_MIDDLE)
    surname = rng.choice(SURNAMES)
    return {
        "school": school.name,
        "grade": grade,
        "cls": f"{grade}（{rng.randint(1, 8)}）班",
        "subject": rng.choice(SUBJECTS_PRIMARY if primary else SUBJECTS_MIDDLE),
        "teacher": f"{rng.choice(SURNAMES)}老师",
        "dish": rng.choice(DISHES),
        "weekday": rng.choice(WEEKDAYS),
        "clock": rng.choice(CLOCKS),
        "bus": f"{rng.randint(1, 9)}号线",
        "road": rng.choice(ROADS),
        "gate": rng.choice(GATES),
        "amount": str(rng.choice((80, 120, 150, 180, 200, 260, 300, 450))),
        "floor": str(rng.randint(1, 5)),
        "month": f"{rng.randint(9, 11)}月",
        "hw_rule": "小学三至六年级书面作业平均完成时间不超过60分钟"
        if primary
        else "初中书面作业平均完成时间不超过90分钟",
        "surname": surname,
        "child": surname + rng.choice(GIVEN),
    }


def draw_plans(rng: random.Random, planner: Planner) -> list[Plan]:
    channels, weights = zip(*CHANNEL_WEIGHTS.items(), strict=True)
    plans: list[Plan] = []
    for count, factory in _scenarios():
        for _ in range(count):
            spec = factory(rng)
            for attempt in range(600):
                planner.strict = attempt < 400
                school = rng.choice(SCHOOLS)
                if spec.school:
                    school = next(s for s in SCHOOLS if s.code == spec.school)
                choices = [
                    t
                    for t in TEMPLATES
                    if t.bureau == spec.to_bureau
                    and t.level in (None, school.level)
                    and (t.urgent or not spec.urgent)
                ]
                template = rng.choice(choices)
                if spec.to_bureau:
                    channel = Channel.ONLINE
                elif spec.at_once:
                    channel = Channel.HOTLINE
                else:
                    channel = rng.choices(channels, weights)[0]
                anonymous = rng.random() < (0.45 if template.kind is Kind.REPORT else 0.1)
                plan = Plan(len(plans), school, template, _details(rng, school), channel, anonymous, spec)
                if planner.draw(plan):
                    plans.append(plan)
                    break
    # Duplicates: other parents raising what an open ticket raised.
    candidates = [p for p in plans if not p.spec.to_bureau]
    made = 0
    for _attempt in range(MERGED * 40):
        if made == MERGED:
            break
        primary = rng.choice(candidates)
        details = dict(primary.details)
        details["child"] = details["surname"] + rng.choice(GIVEN)
        plan = Plan(
            len(plans),
            primary.school,
            primary.template,
            details,
            Channel.ONLINE,
            rng.random() < 0.2,
            Spec(Status.MERGED, (0, 0)),
        )
        if planner.draw_duplicate(plan, primary):
            plans.append(plan)
            made += 1
    return plans
