"""The merchant dashboard's pages (DESIGN §4b): server-rendered, session cookie, CSRF forms."""
