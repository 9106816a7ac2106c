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
                         max_position_embeddings=512, pad_token_id=0, bos_token_id=2, eos_token_id=3,
                         tie_word_embeddings=True)
    return LlamaForCausalLM(config).eval()


@pytest.fixture
def tiny_lm():
    """A ``agent.llm.LocalLM`` around a fresh random tiny Llama (``.model``, ``.tokenizer``)."""
    from agent.llm import LocalLM

    return LocalLM(make_tiny_model(), make_tiny_tokenizer())


@pytest.fixture
def tiny_lm_dir(tmp_path):
    """The tiny model and tokenizer saved as a model folder (loadable with ``ModelConfig(model=dir)``)."""
    folder = tmp_path / "tiny-model"
    make_tiny_model().save_pretrained(folder)
    make_tiny_tokenizer().save_pretrained(folder)
    return folder
