"""Reading: understand the question, pick verbatim answer spans from the hits, cite them."""
