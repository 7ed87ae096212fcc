"""Stampede: a commerce platform that holds when the crowd stampedes."""
