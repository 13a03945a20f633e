"""Strings of the console's freshness line (keys prefixed `bureau.replica.`): how far behind the
primary the figures may be when they are read on a replica (services/replica.py)."""

ENTRIES: dict[str, str] = {
    "bureau.replica.live": "数据实时",
    "bureau.replica.current": "数据来自只读副本，与主库同步",
    "bureau.replica.lag": "数据来自只读副本，约滞后 {seconds} 秒",
    "bureau.replica.lag_minutes": "数据来自只读副本，约滞后 {minutes} 分钟",
    "bureau.replica.down": "统计数据所在的只读副本暂时无法连接，请稍后再试；受理和办理不受影响。",
}
