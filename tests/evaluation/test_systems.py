"""The replay of the agent's turn stages on a tiny graph, with a scripted model."""
import dataclasses

from kgrec.agent.config import AgentConfig
from kgrec.evaluation.redial import popularity_order, replay, score
from kgrec.evaluation.systems import AgentReplay, ModelRanker, Popularity, RetrieverOnly
from kgrec.evaluation.turns import EvalTurn
from kgrec.kg.sources.redial import Utterance
from tests.conftest import TitleLM

from eval_graph import COMEDY, PA, PA2, SCARY, TROOPERS, UP

SEEKER, RECOMMENDER = "seeker", "recommender"
TURN = EvalTurn("d1", "t1", (Utterance(SEEKER, "I loved Police Academy (1984), any comedies?"),
                             Utterance(RECOMMENDER, "Try Scary Movie (2000)"),
                             Utterance(SEEKER, "I've seen that one. Something else?")), (PA, SCARY), (PA2,))


def test_the_replay_rebuilds_the_agents_preferences_from_the_context(tiny):
    prepared = AgentReplay(tiny).prepare(TURN)
    prefs = prepared.replayed.session.prefs
    assert prefs.liked == (PA,) and prefs.genres == (COMEDY,)
    assert prefs.recommended == (SCARY,) and SCARY in prefs.seen  # the recommender's pick, then "seen that one"
    assert prepared.replayed.understood.conversation.endswith("Recommender: Try Scary Movie (2000)\nUser: I've seen that one. Something else?")
    # candidates honour the agent's filters: never the liked/seen/recommended ones; comedies, asked for by an
    # earlier message (a wish: kgrec.agent.preferences.wishes), come first, then the rest
    found = [c.item for c in prepared.candidates]
    assert found[:2] == [PA2, TROOPERS] and not {PA, SCARY} & set(found)
    assert all(not tiny.has_edge(n, COMEDY) for n in found[2:]) and prepared.replayed.request.wishes.genres == {COMEDY}


def test_the_model_reorders_the_retrievers_pool_and_the_metrics_see_it(tiny):
    replayer = AgentReplay(tiny)
    lm = TitleLM("Super Troopers")
    catalog = sorted(n for n, d in tiny.nodes(data=True) if d.get("item"))
    order = popularity_order(tiny, catalog)
    systems = [Popularity(order), RetrieverOnly(), ModelRanker("lora", lm, tiny, AgentConfig(rank_pool=20))]
    rankings, _ = replay([TURN], systems, replayer.prepare, order)
    assert rankings["retriever"][0][:2] == [PA2, TROOPERS]
    assert rankings["lora"][0][:2] == [TROOPERS, PA2]
    assert "User: I've seen that one" in lm.prompts[0] and "Recommender: Try Scary Movie" in lm.prompts[0]
    result = score([TURN], rankings, catalog)
    assert result["retriever"]["all"]["recall@1"] == 1.0
    assert result["lora"]["all"]["recall@1"] == 0.0 and result["lora"]["all"]["recall@10"] == 1.0
    assert result["popularity"]["all"]["recall@1"] == 0.0


def test_without_any_preference_the_agent_retrieves_nothing_and_the_padding_decides(tiny):
    greeting = EvalTurn("d2", "t1", (Utterance(SEEKER, "hi there"),), (), (UP,))
    prepared = AgentReplay(tiny).prepare(greeting)
    assert prepared.candidates == () and prepared.entities == ()


def test_prev_entity_mode_uses_the_files_entities_and_skips_unknown_ones(tiny):
    turn = EvalTurn("d3", "t1", (Utterance(SEEKER, "no titles in this text"),), (PA, 424242), (PA2,))
    prepared = AgentReplay(tiny, entities="prev_entity").prepare(turn)
    assert prepared.entities == (PA,)
    assert prepared.candidates[0].item == PA2 and PA not in [c.item for c in prepared.candidates]


def test_the_full_chat_loop_system_puts_the_agents_items_first(tiny):
    from kgrec.agent import Recommender
    from kgrec.agent.config import AgentConfig
    from kgrec.evaluation.systems import AgentChat

    replayer = AgentReplay(tiny)
    chat = AgentChat(Recommender(AgentConfig(k=1, rank_with_model=True), graph=tiny, lm=TitleLM("Super Troopers")), replayer)
    ranking = chat.rank(replayer.prepare(TURN))
    assert ranking[0] == TROOPERS  # the agent's one item (the model's favourite), then the retriever's order
    assert ranking[1:3] == [PA2, TROOPERS]  # the earlier message's comedies (a wish) first


def test_replaying_twice_gives_identical_rankings(tiny):
    catalog = sorted(n for n, d in tiny.nodes(data=True) if d.get("item"))
    order = popularity_order(tiny, catalog)

    def once():
        systems = [RetrieverOnly(), ModelRanker("lora", TitleLM("Police Academy 2"), tiny)]
        return replay([TURN, TURN], systems, AgentReplay(tiny).prepare, order)[0]

    assert once() == once()


def test_each_retriever_part_ranks_on_its_own_under_the_agents_filters(tiny):
    from kgrec.evaluation.redial import build_systems

    replayer = AgentReplay(tiny)
    catalog = sorted(n for n, d in tiny.nodes(data=True) if d.get("item"))
    order = popularity_order(tiny, catalog)
    notes = []
    systems = build_systems(["walk", "content", "comention"], tiny, replayer, order, notes)
    prepared = replayer.prepare(TURN)
    assert set(prepared.lists) >= {"walk", "comention", "collaborative", "content", "attribute", "popular"}
    walk, content, comention = (s.rank(prepared) for s in systems)
    assert walk[0] == PA2 and content == [PA2]  # the sequel; Troopers shares nobody with Police Academy
    assert not {PA, SCARY} & set(walk + content + comention)  # liked, recommended and seen stay out


def test_learned_from_names_the_graphs_training_dialogues(tiny):
    from kgrec.evaluation.redial import learned_from

    tiny.graph["trained_on"] = "redial/train.jsonl (2,729 dialogues)"
    assert learned_from(tiny, "popularity") == "redial/train.jsonl (2,729 dialogues)"
    assert learned_from(tiny, "retriever") == "KG + redial/train.jsonl (2,729 dialogues)"
    assert learned_from(tiny, "content") == "KG only"
    assert "no tuning" in learned_from(tiny, "base") and "adapter" in learned_from(tiny, "lora")


def test_the_tuner_keeps_a_weight_change_only_when_valid_recall_rises():
    from kgrec.evaluation.tune_fusion import coordinate_ascent
    from kgrec.kg.query.retrieval import FusionWeights

    def evaluate(w):  # recall peaks at walk=2, content=0.5; nothing else matters
        score = 1 - abs(w.walk - 2) / 10 - abs(w.content - 0.5) / 10
        return {"R@10": score, "R@50": score}

    best, result, log = coordinate_ascent(evaluate, FusionWeights(), rounds=2)
    assert (best.walk, best.content) == (2.0, 0.5) and result["R@10"] == 1.0
    assert [entry[1]["R@10"] for entry in log] == sorted(entry[1]["R@10"] for entry in log)


def test_the_dense_system_ranks_the_catalog_under_the_agents_filters(tiny, tmp_path):
    from kgrec.agent.encoder import DenseRetriever, Encoder, EncoderConfig, build_index
    from kgrec.evaluation.systems import DenseRanker, RetrieverOnly
    from kgrec.kg.query.retrieval import WEIGHTS_KEY
    from tests.conftest import make_tiny_model, make_tiny_tokenizer

    catalog = sorted(n for n, d in tiny.nodes(data=True) if d.get("item"))
    encoder = Encoder(make_tiny_model(), make_tiny_tokenizer(), EncoderConfig(layers=1))
    dense = DenseRetriever(encoder, build_index(encoder, tiny, catalog, "tiny", folder=tmp_path))
    plain = AgentReplay(tiny).prepare(TURN)
    replayer = AgentReplay(tiny, dense=dense)
    prepared = replayer.prepare(TURN)
    assert "dense" in prepared.lists and "dense" not in plain.lists
    ranked = DenseRanker("dense-base", dense, tiny).rank(prepared)
    assert ranked and set(ranked) <= set(catalog)
    assert not {PA, SCARY} & set(ranked)  # liked, recommended and seen stay out
    # under the hard filters only: the comedies an earlier message asked for are a wish, which the fusion weighs
    assert {PA2, TROOPERS} <= set(ranked) and prepared.replayed.request.wishes.genres == {COMEDY}
    assert DenseRanker("dense-lora", dense, tiny, shared=True).rank(prepared) == ranked  # the replay's own list
    # the knowledge-graph retriever leaves the encoder's list out; the agent's order has it where
    # the graph weighs it (FusionWeights.dense), and then the encoder's best item leads (sequels first off:
    # Police Academy 2 would lead as the liked film's sequel)
    assert RetrieverOnly(G=tiny).rank(prepared) == [c.item for c in plain.candidates]
    tiny.graph[WEIGHTS_KEY] = {"dense": 100.0, "close_first": False}
    try:
        weighted = replayer.prepare(TURN)
        assert weighted.candidates[0].item == ranked[0] and "dense" in weighted.candidates[0].sources
        assert RetrieverOnly(G=tiny).rank(weighted) == [c.item for c in plain.candidates]
    finally:
        del tiny.graph[WEIGHTS_KEY]


def test_the_replay_plays_the_chats_turn_and_gets_its_steps_candidates():
    from kgrec.agent import Recommender
    from kgrec.agent.steps import Linked, Retrieved
    from tests.agent.conftest import agent_graph

    G, config = agent_graph(), AgentConfig(rank_with_model=False, lm_chooses_actions=False, k=5, rank_pool=5)
    rec = Recommender(config, graph=G)
    reply = rec.respond(rec.new_session(), "I loved Police Academy, any comedies?")
    assert isinstance(reply.trace[0], Linked) and reply.trace[0].line(G) == "linked Police Academy (1984), comedy"
    retrieved = next(s for s in reply.trace if isinstance(s, Retrieved))
    turn = EvalTurn("d", "t", (Utterance(SEEKER, "I loved Police Academy, any comedies?"),), (), ())
    prepared = AgentReplay(G, config).prepare(turn)
    assert prepared.candidates == retrieved.candidates and prepared.lists == retrieved.lists
    assert [i.item for i in reply.items] == [c.item for c in prepared.candidates][:5]
    hello = dataclasses.replace(turn, context=(Utterance(SEEKER, "hello there"),))
    asked = AgentReplay(G, config).prepare(hello)
    assert asked.candidates == () and asked.lists == {}  # the chat asks: the replay has nothing to score
