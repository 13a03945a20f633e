"""The demo: an org tree, a login for every role and a few hundred realistic tickets.

`load_demo` builds a city bureau with two districts and four schools, one user per role, and
about 300 parents' tickets spread over the six weeks before `ctx.now`, in every channel, kind and
state. Every ticket is walked through its life by the real services (intake, act, rate) at past
instants, so deadlines, the archive's hash chain and the figures are exactly what the product
itself would have produced. Loading is reproducible for a given `now` (a fixed random seed) and
idempotent: when the demo bureau exists already, nothing is created and only the logins return.
The caller owns the transaction and commits.
"""

from .load import load_demo
from .logins import Login, demo_logins, print_logins
from .story import DEMO_BUREAU, DEMO_PASSWORD

__all__ = ["DEMO_BUREAU", "DEMO_PASSWORD", "Login", "demo_logins", "load_demo", "print_logins"]
