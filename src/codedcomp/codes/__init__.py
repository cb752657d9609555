"""Codes: pure math (encode, decode, decodability) with no clocks, processes or I/O."""
