"""``LocalLM``: a causal LM as the agent's ``LanguageModel``: chat prompts, scoring, choice, streaming.

Scoring runs the prompt once and packs every continuation after its KV cache (``score``); the
naive padded batch stays as the baseline ``kgrec.bench.model_speed`` measures against. Loading is
``kgrec.agent.llm.load_lm``.
"""
from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch



class LocalLM:
    """A causal LM as ``kgrec.agent.types.LanguageModel``: chat prompts, scoring, choice, streaming."""

    def __init__(self, model, tokenizer, max_prompt_tokens: int = 1024, adapter: Path | None = None,
                 chunk_size: int = 64, pack_tokens: int = 512):
        self.model, self.tokenizer = model, tokenizer
        self.max_prompt_tokens, self.chunk_size, self.adapter = max_prompt_tokens, chunk_size, adapter
        self.pack_tokens = pack_tokens  # continuation tokens per packed forward (shared-prefix scoring)
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token

    @property
    def _cache_kw(self) -> str:
        """Name of the KV-cache argument: ``cache`` in transformers >= 5.2x, ``past_key_values`` before."""
        base = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
        return "cache" if "cache" in inspect.signature(type(base).forward).parameters else "past_key_values"

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def chat_prompt(self, system: str, user: str) -> str:
        """The tokenizer's chat template where it has one, else plain text."""
        if getattr(self.tokenizer, "chat_template", None):
            messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return f"{system}\n\n{user}\n\n"

    # ----------------------------------------------------------- tokens

    def prompt_ids(self, prompt: str) -> list[int]:
        bos = self.tokenizer.bos_token
        add = not (bos and prompt.startswith(bos))
        ids = self.tokenizer(prompt, add_special_tokens=add)["input_ids"]
        return ids[-self.max_prompt_tokens:]

    def continuation_ids(self, continuations: Sequence[str]) -> list[list[int]]:
        return [self.tokenizer(c, add_special_tokens=False)["input_ids"] for c in continuations]

    # ----------------------------------------------------------- scoring

    @torch.inference_mode()
    def score(self, prompt: str, continuations: Sequence[str], normalize: bool = True,
              shared_prefix: bool = True) -> list[float]:
        """Log-likelihood of each continuation after ``prompt``; mean per token if ``normalize``.

        With ``shared_prefix`` the prompt is run once, and then all continuations are packed into
        one row after it: each attends to the prompt's KV cache and to its own earlier tokens only
        (a 4D mask), with positions restarting after the prompt. Without, each row of a padded
        batch holds prompt + continuation (the naive baseline; same numbers up to float rounding).
        """
        if not continuations:
            return []
        prompt_ids, cont_ids = self.prompt_ids(prompt), self.continuation_ids(continuations)
        if not prompt_ids:
            raise ValueError("score() needs a non-empty prompt")
        if shared_prefix:
            sums = self._score_packed(prompt_ids, cont_ids)
        else:
            sums = []
            for start in range(0, len(cont_ids), self.chunk_size):
                sums += self._score_naive(prompt_ids, cont_ids[start:start + self.chunk_size])
        if normalize:
            return [s / max(1, len(c)) for s, c in zip(sums, cont_ids)]
        return sums

    def _score_packed(self, prompt_ids: list[int], cont_ids: list[list[int]]) -> list[float]:
        """Sum log-probs of every continuation: one prefill, then packed rows of at most ``pack_tokens``."""
        ids = torch.tensor([prompt_ids], device=self.device)  # (1, P)
        out = self.model(input_ids=ids, use_cache=True, logits_to_keep=1)
        first = torch.log_softmax(out.logits[0, -1].float(), dim=-1)  # (V,) the token after the prompt
        cache = getattr(out, "cache", None) or out.past_key_values
        sums = [float(first[row[0]]) if row else 0.0 for row in cont_ids]
        pack: list[int] = []  # continuations in the current pack
        for i, row in enumerate(cont_ids):
            fed = sum(len(cont_ids[j]) - 1 for j in pack)
            if pack and fed + len(row) - 1 > self.pack_tokens:
                self._add_packed(cache, len(prompt_ids), [(j, cont_ids[j]) for j in pack], sums)
                pack = []
            if len(row) > 1:
                pack.append(i)
        if pack:
            self._add_packed(cache, len(prompt_ids), [(j, cont_ids[j]) for j in pack], sums)
        return sums

    def _add_packed(self, cache, prompt_len: int, rows: list[tuple[int, list[int]]], sums: list[float]) -> None:
        """Add to ``sums[i]`` the log-probs of tokens 2.. of each ``(i, row)``, fed as one packed row.

        Each row's last token is not fed (nothing is predicted from it). The cache is cropped back
        to the prompt afterwards, so the next pack reuses it.
        """
        fed, positions, owner, targets = [], [], [], []
        for k, (_, row) in enumerate(rows):
            fed += row[:-1]
            targets += row[1:]
            positions += range(prompt_len, prompt_len + len(row) - 1)
            owner += [k] * (len(row) - 1)
        n, dev = len(fed), self.device
        own = torch.tensor(owner, device=dev)
        causal = torch.ones(n, n, dtype=torch.bool, device=dev).tril()
        allowed = torch.cat([torch.ones(n, prompt_len, dtype=torch.bool, device=dev),
                             causal & (own[:, None] == own[None, :])], dim=1)  # (n, P + n)
        dtype = self.model.dtype
        mask = torch.zeros(1, 1, n, prompt_len + n, dtype=dtype, device=dev)
        mask.masked_fill_(~allowed, torch.finfo(dtype).min)
        out = self.model(input_ids=torch.tensor([fed], device=dev), attention_mask=mask,
                         position_ids=torch.tensor([positions], device=dev), use_cache=True,
                         **{self._cache_kw: cache})
        logp = torch.log_softmax(out.logits[0].float(), dim=-1)  # (n, V)
        picked = logp[torch.arange(n, device=dev), torch.tensor(targets, device=dev)]
        per_row = torch.zeros(len(rows), device=dev).index_add_(0, own, picked)
        for k, (i, _) in enumerate(rows):
            sums[i] += float(per_row[k])
        cache.crop(-n)  # drop what this pack added (a negative count works in old and new transformers)

    def _padded(self, rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(1, max(len(r) for r in rows))
        pad = self.tokenizer.pad_token_id
        ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows], device=self.device)  # (B, T)
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], device=self.device)
        return ids, mask

    def _score_naive(self, prompt_ids: list[int], chunk: list[list[int]]) -> list[float]:
        ids, mask = self._padded([prompt_ids + row for row in chunk])  # (B, P+T)
        out = self.model(input_ids=ids, attention_mask=mask)
        logp = torch.log_softmax(out.logits.float(), dim=-1)
        p = len(prompt_ids)
        scores = []
        for b, row in enumerate(chunk):
            where = torch.arange(p - 1, p - 1 + len(row))
            scores.append(float(logp[b, where, torch.tensor(row, dtype=torch.long)].sum()))
        return scores

    def choose(self, prompt: str, options: Sequence[str]) -> int:
        """Index of the most likely option (length-normalised); always in ``range(len(options))``."""
        if not options:
            raise ValueError("choose() needs at least one option")
        scores = self.score(prompt, options, normalize=True)
        return max(range(len(options)), key=scores.__getitem__)

    # ----------------------------------------------------------- generation

    def stream(self, prompt: str, max_new_tokens: int = 64) -> Iterator[str]:
        """Greedy generation, yielded piece by piece as the model produces it."""
        from transformers import TextIteratorStreamer

        ids = torch.tensor([self.prompt_ids(prompt)], device=self.device)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=120)
        kwargs = dict(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                      do_sample=False, streamer=streamer, pad_token_id=self.tokenizer.pad_token_id)
        thread = threading.Thread(target=self._generate, kwargs=kwargs, daemon=True)
        thread.start()
        try:
            for piece in streamer:
                if piece:
                    yield piece
        finally:
            thread.join()

    @torch.inference_mode()
    def _generate(self, **kwargs) -> None:
        self.model.generate(**kwargs)
