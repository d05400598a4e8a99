"""What arrives over HTTP, before anything trusts it: webhook signatures and payload parsing. Pure."""
