"""kgrec.kg.sources: Building a graph from its data sources: the shipped movie KG (DBpedia, ReDial, genres, themes), imported graphs and their interactions."""
