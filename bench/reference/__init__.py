"""A bare Django project, the yardstick of ``make bench``: one page, Django's stock
middleware (as ``startproject`` writes it) and a small template, served by the same
gunicorn settings as the site."""
