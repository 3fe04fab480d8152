"""Signing in and the coordinator role: one-time login links, the queued password reset, how
often an address or a client may ask for mail, and the Samordnare group."""
