"""The site's settings under ``make bench``: Tomato's own, with the web beacon's per-client
rate limit raised.

The load generator is one client (one IP address) sending hundreds of beacon hits a
second, where the site allows one client 300 a minute: with the site's limit nearly
every hit would be a 429 that writes nothing, and the benchmark would measure the refusal.
Nothing else differs; ``bench.run`` prints the raised limit beside the table. Used only by
``make bench`` (``DJANGO_SETTINGS_MODULE=bench.settings``).

Every setting of ``tomato.settings`` is copied by name rather than star-imported, so
the one setting changed here is the only name this module adds besides them.
"""

from tomato import settings as site

globals().update({name: value for name, value in vars(site).items() if name.isupper()})

#: The limits the bench raises: one client hits the beacon far more often than a person.
RAISED_RATE_LIMITS = {"beacon": "1000000/m/ip"}
ACCOUNT_RATE_LIMITS = {**site.ACCOUNT_RATE_LIMITS, **RAISED_RATE_LIMITS}
