"""hx_bigrams() in linear time: the same bigrams, about ten times cheaper on a 300-character ticket
(0006's form lowered the whole text and walked it from its start once per character)

Revision ID: 0007_bigrams
Revises: 0006_search
Create Date: 2026-12-03 07:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_bigrams"
down_revision: str | None = "0006_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every intake computes this for ix_tickets_words. 0006's `substr(lower($1), i, 2)` for each i
# lowers the text once per character and finds character i of a UTF-8 text by walking from its
# start: quadratic, 3.5 ms of PostgreSQL's CPU for 300 characters (docs/benchmarks.md). Here the
# text is lowered once, its white space made one plain space by one regex pass, split into
# characters once, and paired with itself shifted by one (a two-array unnest walks both once);
# the pairs made distinct by their bytes ("C"), not through the locale's strcoll: in UTF-8 the
# same order as C.UTF-8's code points, another 70 us a ticket.
# The result is the same array (distinct and in the same order; tests/integration/test_search_bigrams.py),
# so the index built with 0006's function stays valid and needs no rebuild (under another
# collation than C.UTF-8 the order within an array may differ, never its elements, which are
# all a GIN index keeps).
LINEAR = r"""
CREATE OR REPLACE FUNCTION hx_bigrams(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT (a || b) COLLATE "C"), '{}')
    FROM (SELECT string_to_array(regexp_replace(lower($1), '\s', ' ', 'g'), NULL) AS c) AS chars,
         unnest(c[1:cardinality(c) - 1], c[2:]) AS pairs (a, b)
    WHERE a <> ' ' AND b <> ' '
$$
"""
QUADRATIC = r"""
CREATE OR REPLACE FUNCTION hx_bigrams(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT g), '{}')
    FROM (SELECT substr(lower($1), i, 2) AS g FROM generate_series(1, char_length($1) - 1) AS i) AS runs
    WHERE g !~ '\s'
$$
"""


def upgrade() -> None:
    op.execute(LINEAR)


def downgrade() -> None:
    op.execute(QUADRATIC)
