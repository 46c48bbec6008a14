"""Index: embed passages and store them (FAISS, BM25, manifest), atomically and self-described."""
