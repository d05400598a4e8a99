"""What the admin decides: per-category modes and thresholds (`schema`, `store`), the decision rule
(`decide`) and which actions a decision may take (`action_plan`)."""
