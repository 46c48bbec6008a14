"""Evaluation: the scripted suite, running it, its metrics and reports."""
