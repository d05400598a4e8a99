"""Insights: what the whole ticket stream shows that no single ticket does (rising topics, accounts
at risk, recurring errors, cost per category). Analysis modules are pure over plain values; the
loaders, the writes (CRM, Linear, helpdesk notes, Slack) and the commands sit at the edges."""
