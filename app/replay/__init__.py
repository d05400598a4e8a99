"""Running the pipeline in shadow over solved tickets, and the measures of how well it judges."""
