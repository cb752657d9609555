"""Real coded execution: master loop, backends, straggler injection, traces."""
