"""The pure domain: statuses, the lifecycle, deadlines and access rules. No I/O, no frameworks."""
