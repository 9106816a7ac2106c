"""bench: how fast and how big kgrec is (``kgrec bench``, ``python -m bench.X``); quality is ``evaluation/``."""
