"""kgrec.kg.query: Pure functions that answer from a graph (``G`` first): linking, retrieval and its models, paths, verbalization, documents."""
