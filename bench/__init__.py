"""``make bench``: the site's pages under load, beside a bare Django page (see README.md)."""
