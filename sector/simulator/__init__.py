"""A stand-in for the sector integration platform: OneRoster 1.2 REST with OAuth and faults.

It never imports Django: it is the *remote* side, run as its own process
(`python -m sector.simulator --port N --db PATH`).
"""
