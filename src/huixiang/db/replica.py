"""How fresh a read replica's data is: its replay lag behind the primary."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.errors import ReplicaUnavailable

REPLICA_DOWN = (
    "The read replica (HUIXIANG_DATABASE_REPLICA_URL) that dashboards, exports and reports read "
    "is unavailable right now; please try again in a moment."
)
# Seconds behind the primary; NULL when this server is no standby (it is the primary). A standby
# that has replayed all it received from a primary it still streams from is current (0): the
# last replayed transaction's age alone would count an idle primary's quiet time as lag.
LAG = text(
    """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN NULL
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
             AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0.0
        ELSE greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp()))::float8
    END
    """
)


async def replay_lag(session: AsyncSession) -> float | None:
    """The replica's lag in seconds (None: the server is a primary); ReplicaUnavailable (503,
    naming the replica) when it cannot be reached. Its first statement also opens the session's connection,
    so a replica that is down is told apart here from the primary."""
    try:
        value = (await session.execute(LAG)).scalar_one()
    except (DBAPIError, PoolTimeout, OSError, TimeoutError) as exc:
        raise ReplicaUnavailable(REPLICA_DOWN) from exc
    return None if value is None else float(value)
