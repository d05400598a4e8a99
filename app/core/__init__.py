"""The words every layer shares: the ticket's domain types, the flag vocabulary, settings, strict parsing and
the one exception tree. Pure; imports nothing else of Deskhand."""
