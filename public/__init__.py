"""The public side for citizens: start page, promise pages, feeds, open data, API, widget and
accessibility statement. It reads from the other apps; no other app imports it."""
