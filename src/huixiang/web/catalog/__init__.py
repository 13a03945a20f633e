"""The pages' strings by area, each a dict of its own prefix; web/i18n.py merges them into the
one catalogue per language (a key said twice is an error at import)."""
