"""The backlog sweep's machinery: which open tickets wait for an answer Deskhand never gave (the
guards' own decision), and how each helpdesk is walked for them (Zendesk's incremental export,
Intercom's search). app/helpdesks picks one per helpdesk; app/schedule runs it on a clock."""
