"""The simulation engine: a scenario compiled to a model (arrivals, seats, patience,
tenure), the event loops (simpy reference, pure-Python and compiled), routing and the per-lead
records of one replication.

May import: ``slasim.model``, ``slasim.scenario`` and the foundation modules.
"""
