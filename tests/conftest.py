import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


# ---------------------------------------------------------------- tiny random causal LM (agent/llm, finetune)
import pytest  # noqa: E402

TINY_WORDS = (
    "<pad> <unk> <s> </s> . , ? ! : ( ) - ' 0 1 2 3 4 5 6 7 8 9 a an the is of and or to in on by with "
    "who what which name movie movies film starring stars directed director genre user liked disliked "
    "said recommend recommends one yes no answer candidates conversation seeker recommender i you like "
    "love hate want comedy drama horror action alien aliens frozen notebook terminator matrix titanic heat "
    "police academy hugh wilson kim cattrall steve guttenberg would they it this that"
).split()


def make_tiny_tokenizer():
    """A word-level fast tokenizer over ``TINY_WORDS`` (unknown words -> <unk>)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(TINY_WORDS)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    core.decoder = decoders.WordPiece(prefix="##")  # joins words with spaces
    return PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>", pad_token="<pad>",
                                   bos_token="<s>", eos_token="</s>")


def make_tiny_model(seed: int = 0, hidden: int = 32):
    """A random 2-layer Llama with the tiny vocabulary."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(TINY_WORDS), hidden_size=hidden, intermediate_size=2 * hidden,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=512, initializer_range=0.2, pad_token_id=0, bos_token_id=2, eos_token_id=3,
                         tie_word_embeddings=True)
    return LlamaForCausalLM(config).eval()


@pytest.fixture
def tiny_lm():
    """A ``kgrec.agent.llm.LocalLM`` around a fresh random tiny Llama (``.model``, ``.tokenizer``)."""
    from kgrec.agent.llm import LocalLM

    return LocalLM(make_tiny_model(), make_tiny_tokenizer())


@pytest.fixture
def tiny_lm_dir(tmp_path):
    """The tiny model and tokenizer saved as a model folder (loadable with ``ModelConfig(model=dir)``)."""
    folder = tmp_path / "tiny-model"
    make_tiny_model().save_pretrained(folder)
    make_tiny_tokenizer().save_pretrained(folder)
    return folder


def make_tiny_movie_graph():
    """8 movies, 3 people, 4 genres; titles use only ``TINY_WORDS`` (ranking / finetune tests)."""
    import networkx as nx

    G = nx.MultiDiGraph(name="tiny-lm", domain_noun="movie")
    movies = {1: "alien", 2: "aliens", 3: "heat", 4: "frozen", 5: "titanic", 6: "the matrix",
              7: "police academy", 8: "the notebook"}
    for node, title in movies.items():
        G.add_node(node, name=title, title=title, type="movie", hint="", uri="", year=None, item=True, popularity=1)
    for node, name, kind in [(10, "hugh wilson", "person"), (11, "kim cattrall", "person"),
                             (12, "steve guttenberg", "person"), (20, "comedy", "genre"), (21, "drama", "genre"),
                             (22, "horror", "genre"), (23, "action", "genre")]:
        G.add_node(node, name=name, type=kind, hint="", uri="")
    edges = [(7, "director", 10), (7, "starring", 12), (7, "starring", 11), (7, "genre", 20), (1, "genre", 22),
             (2, "genre", 22), (2, "genre", 23), (3, "genre", 23), (6, "genre", 23), (4, "genre", 20),
             (5, "genre", 21), (8, "genre", 21), (3, "starring", 11), (1, "subsequent_work", 2)]
    for head, relation, tail in edges:
        G.add_edge(head, tail, key=relation, relation=relation, source="test")
    return G


@pytest.fixture
def tiny_movies():
    return make_tiny_movie_graph()


@pytest.fixture
def tiny_model_factory():
    """``make_tiny_model(seed=0, hidden=32)``: a fresh random tiny Llama per call."""
    return make_tiny_model


class TitleLM:
    """A scripted ``LanguageModel`` that prefers titles starting with ``favourite`` (the ranking
    logic around the model is under test, not the network)."""

    def __init__(self, favourite: str):
        self.favourite, self.prompts = favourite, []

    def chat_prompt(self, system, user):
        return f"{system}\n{user}\n"

    def score(self, prompt, continuations, normalize=True):
        self.prompts.append(prompt)
        return [0.0 if c.startswith(self.favourite) else -5.0 - len(c) / 100 for c in continuations]

    def choose(self, prompt, options):
        return 0

    def stream(self, prompt, max_new_tokens=64):
        yield ""
