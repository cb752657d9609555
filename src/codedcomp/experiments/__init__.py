"""Paper reproductions, one registered experiment per figure/table."""
