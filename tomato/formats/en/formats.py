"""English dates as the site writes them (``26 November 2026``); other languages keep
Django's own formats (Simplified Chinese: ``2026年11月26日``). Templates ask for
``DATE_FORMAT`` / ``DATETIME_FORMAT``, never a fixed pattern."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
