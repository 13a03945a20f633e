"""Search by the words of a ticket: a GIN index over the character bigrams of its title and
content (Chinese has no spaces to split words at, and the embedded PostgreSQL has no pg_trgm or
pg_bigm; bigrams in plain SQL serve both)

Revision ID: 0006_search
Revises: 0005_intake
Create Date: 2026-12-03 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_search"
down_revision: str | None = "0005_intake"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The distinct two-character runs of a text, lower-cased, without white space: "食堂饭菜" →
# {食堂, 堂饭, 饭菜}. A query's bigrams contained in a ticket's (`@>`) find its candidates, which
# a LIKE then confirms (db/listing.py).
BIGRAMS = r"""
CREATE FUNCTION hx_bigrams(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT g), '{}')
    FROM (SELECT substr(lower($1), i, 2) AS g FROM generate_series(1, char_length($1) - 1) AS i) AS runs
    WHERE g !~ '\s'
$$
"""


def upgrade() -> None:
    op.execute(BIGRAMS)
    op.execute(
        "CREATE INDEX ix_tickets_words ON tickets USING gin (hx_bigrams(coalesce(title, '') || ' ' || content))"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_tickets_words")
    op.execute("DROP FUNCTION hx_bigrams(text)")
