"""Background workers (dramatiq on Redis): notification delivery and the deadline sweep.

`huixiang worker` runs `dramatiq workers.actors`. Actors are idempotent: each message names a
row in PostgreSQL, and running it twice does no harm.
"""
