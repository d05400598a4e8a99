"""The database and the owner of each table: jobs, the ledger, the audit trail, feedback and the views read
back from them. Each table is written only by its module here."""
