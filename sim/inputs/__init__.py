"""What a run is asked to simulate: the scenario and its presets and defaults, the
access protocol, the workload trace drawn from it, and the network's TCP/TLS assumptions."""
