"""Analyses: pure functions from the store's aggregated rows to results.

Nothing here talks to the database; ``tracker.analysis.load`` fetches the rows
and calls these functions, so each analysis can be tested with rows built by
hand.
"""
