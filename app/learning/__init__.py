"""Learning from the team: corrections and solved tickets join the training history, a retrain
promotes a new model only when a held-back slice of recent tickets says it is at least as good,
and knowledge gaps show which article to write next."""
