"""The checks after the model (DESIGN §7): claims, commitments, addresses, leaks, redaction. Pure: they
keep the promises whatever wrote the reply."""
