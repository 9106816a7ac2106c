"""Every settings dataclass is frozen and checked on construction: a changed copy
(``dataclasses.replace``) is checked again, and a bad value is a ``ConfigError`` (a ``KgrecError``,
printed by the CLI as one line) naming the field and the value."""
import dataclasses

import pytest

from kgrec.agent.config import AgentConfig, ModelConfig
from kgrec.agent.encoder import EncoderConfig
from kgrec.agent.ranking import RankConfig
from kgrec.evaluation.redial import RedialEvalConfig
from kgrec.evaluation.simulate import SimulateConfig
from kgrec.finetune.config import TrainConfig
from kgrec.kg.errors import ConfigError, KgrecError
from kgrec.kg.query.collaborative import EaseConfig
from kgrec.kg.query.remention import RementionPrior
from kgrec.kg.query.retrieval import FusionWeights, WalkConfig

# (config class, a field, a bad value for it)
BAD = [
    (AgentConfig, "k", 0), (ModelConfig, "quantize", "3bit"), (RankConfig, "lm_weight", 2.0),
    (EncoderConfig, "layers", 0), (TrainConfig, "lr_schedule", "sawtooth"), (EaseConfig, "l2", 0.0),
    (WalkConfig, "alpha", 1.5), (FusionWeights, "walk", -1.0), (RementionPrior, "last", 1.5),
    (SimulateConfig, "dialogues", 0), (RedialEvalConfig, "entities", "guess"),
]


@pytest.mark.parametrize("kind, name, bad", BAD, ids=[k.__name__ for k, _, _ in BAD])
def test_config_is_frozen_and_a_changed_copy_is_checked_again(kind, name, bad):
    config = kind()
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(config, name, bad)
    with pytest.raises(ConfigError, match=name if kind not in (SimulateConfig, RedialEvalConfig) else str(bad)):
        dataclasses.replace(config, **{name: bad})
    assert issubclass(ConfigError, KgrecError)


def test_agent_config_nests_frozen_model_and_rank_configs():
    config = dataclasses.replace(AgentConfig(), model=ModelConfig(adapter=None), rank=RankConfig(lm_weight=0.2))
    assert (config.model.adapter, config.rank.lm_weight, config.k) == (None, 0.2, 3)
    with pytest.raises(ConfigError, match="AgentConfig.model=.*expected a kgrec.agent.config.ModelConfig"):
        AgentConfig(model={"adapter": None})
