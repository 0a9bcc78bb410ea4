"""The lessons' experiments: each builds a scenario, runs both protocols on one trace,
and returns the numbers its dashboard plots."""
