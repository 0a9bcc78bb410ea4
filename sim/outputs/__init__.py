"""What a run gives back: the frozen results, the metric bookkeeping that fills them,
and the opt-in event records."""
