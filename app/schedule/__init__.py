"""Work on a clock: backlog sweeps, the knowledge sync and the digest, under one lease."""
