"""Retrieval: dense and lexical rankings fused into hits, and corpus-wide sentence lookups."""
