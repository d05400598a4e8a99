"""One ticket's journey: the worker takes a job, guards, gathers, thinks, and the orchestrator carries out
the plan under the ledger."""
