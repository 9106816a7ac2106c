"""kg: the knowledge graph — building, linking, retrieval, paths, verbalization. Never imports torch."""
