"""Background workers (dramatiq on Redis): the deadline sweep, reminders, escalation and delivery.

The actors arrive with the workers issue; `src/` sends jobs by actor name and never imports this
package (see docs/architecture.md).
"""
