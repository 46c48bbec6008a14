"""Corpus: clean raw articles and chunk them into passages with exact offsets."""
