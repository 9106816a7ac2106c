"""kgrec.kg.storage: Keeping graphs: the data-only graph file, the cached movie KG, installed graphs, their tuning."""
