"""Engines behind small interfaces; each engine is imported only when chosen."""
