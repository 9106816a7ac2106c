"""kgrec.agent.turn's stages on the tiny graph: what each returns, and that the chat shows exactly that."""
from dataclasses import replace

from kgrec.agent import AgentConfig, Recommender
from kgrec.agent import turn as stages
from kgrec.agent.types import Preferences
from kgrec.kg.query.linking import build_link_index
from kgrec.kg.query.retrieval import admissible
from kgrec.kg.schema import Candidate, Constraints
from tests.agent.conftest import COMEDY, HORROR, PA, PA2, PA3, PA7, SCARY, SHINING, ScriptedLM

CONFIG = AgentConfig(rank_with_model=False, lm_chooses_actions=False)


def read(G, text, before=stages.Before(Preferences()), config=CONFIG):
    return stages.understand(G, build_link_index(G), text, before, config)


def test_understand_reads_the_message_against_the_session_and_writes_the_rank_prompts_text(G):
    before = stages.Before(Preferences(), history=(("user", "hi"), ("assistant", "What do you like?")))
    understood = read(G, "I loved Police Academy, any comedies?", before)
    assert understood.prefs.liked == (PA,) and understood.prefs.genres == (COMEDY,)
    assert understood.conversation == "User: hi\nRecommender: What do you like?\nUser: I loved Police Academy, any comedies?"
    assert before.prefs.liked == ()  # the session before is left as it was


def test_constraints_exclude_what_the_user_named_and_retrieve_honours_every_filter(G):
    prefs = replace(read(G, "I loved Police Academy but no horror").prefs, recommended=[PA2])
    request = stages.constraints(G, prefs, CONFIG)
    assert request.seeds == (PA,) and {PA, PA2} <= request.constraints.exclude and request.k == CONFIG.candidates
    found = [c.item for c in stages.retrieve(G, request)]
    assert found and not {PA, PA2, SCARY, SHINING, PA7} & set(found)  # named, shown, horror, off-catalog
    assert found[0] == PA3  # the next sequel leads


def test_the_request_carries_the_liked_items_for_the_encoders_liked_movie_vectors(G):
    understood = read(G, "I loved Police Academy")
    request = stages.constraints(G, understood.prefs, CONFIG, conversation=understood.conversation)
    assert request.liked == (PA,) and request.query.startswith("Liked: ")
    assert stages.constraints(G, Preferences(), CONFIG).liked == ()


def test_the_encoder_reads_the_conversations_movies_as_it_was_trained_liked_shown_seen_not_disliked(G):
    prefs = Preferences(liked=[PA], recommended=[PA2, SCARY], seen=[PA3], disliked=[SCARY])
    request = stages.constraints(G, prefs, CONFIG, conversation="User: more please")
    assert request.liked == (PA, PA2, PA3)  # kgrec.evaluation.pairs: the movies named, not disliked
    first = request.query.splitlines()[0]
    assert first.startswith("Liked: Police Academy (1984), Police Academy 2") and "Scary" not in first


def test_the_hard_filters_are_decided_once_in_admissible(G):
    request = stages.constraints(G, read(G, "I loved Police Academy, no horror").prefs, CONFIG)
    offered = [Candidate(n, 1.0) for n in (PA, PA7, SCARY, PA2, 424242)]  # liked, off-catalog, horror, fine, unknown
    ok = admissible(G, request.constraints, request.again_items(), among=[c.item for c in offered])
    assert [c.item for c in offered if ok.admits(c)] == [PA2]
    everything = admissible(G, request.constraints, request.again_items())  # what the retrievers kept, too
    found = [c for listed in stages.candidate_lists(G, request).values() for c in listed]
    assert found and all(everything.admits(c) for c in found)


def test_a_second_catalog_entry_of_an_excluded_film_is_hidden(G):
    G.add_node(99, name="Police Academy", type="movie", year=1984, title="Police Academy (1984)", item=True)
    request = stages.constraints(G, read(G, "I loved Police Academy (1984)").prefs, CONFIG)
    assert 99 in request.constraints.exclude and 99 not in [c.item for c in stages.retrieve(G, request)]


def test_the_chat_shows_the_pipelines_candidates_in_its_order(G):
    rec = Recommender(replace(CONFIG, k=5, rank_pool=5), graph=G)
    reply = rec.respond(rec.new_session(), "I loved Police Academy, any comedies?")
    request = stages.constraints(G, read(G, "I loved Police Academy, any comedies?").prefs, CONFIG)
    assert [i.item for i in reply.items] == [c.item for c in stages.retrieve(G, request)][:5]


def test_rank_reorders_only_the_pool_and_keeps_the_rest_in_retrieval_order(G):
    understood = read(G, "I loved Police Academy")
    candidates = [Candidate(n, s) for n, s in ((PA2, 0.9), (PA3, 0.8), (SCARY, 0.1))]
    prompts = []

    def scores(prompt, continuations):
        prompts.append(prompt)
        return [0.0 if "Back in Training" in c else -9.0 for c in continuations]

    ranked = stages.rank(ScriptedLM(scores=scores), G, understood, candidates,
                         replace(CONFIG, rank_with_model=True, rank_pool=2))
    assert [r.item for r in ranked] == [PA3, PA2, SCARY]  # the model's favourite first, the third untouched
    assert len(prompts) == 1 and "User: I loved Police Academy" in prompts[0]


def test_after_records_what_was_shown_and_keeps_the_latest_messages(G):
    before = stages.Before(Preferences(), history=(("user", "a"), ("assistant", "b")))
    understood = read(G, "I loved Police Academy", before)
    now = stages.after(before, understood, [PA2, PA3], "Here are 2 movies", keep=3)
    assert now.prefs.recommended == (PA2, PA3) and now.last_items == (PA2, PA3) and now.focus is None
    assert now.history == (("assistant", "b"), ("user", "I loved Police Academy"), ("assistant", "Here are 2 movies"))
    assert understood.prefs.recommended == ()  # frozen stages: nothing is changed in place


def test_the_requests_again_roles_and_only_prior_proposed_items_are_admitted(G):
    prefs = replace(read(G, "I loved Police Academy but no horror").prefs, recommended=(PA2,))
    request = stages.constraints(G, prefs, CONFIG, last=(PA2, SCARY), message="and what else?")
    assert request.again == ()  # "else": other titles
    request = stages.constraints(G, prefs, CONFIG, last=(PA2, SCARY), message="tell me more")
    assert dict(request.again)["last"] == (PA2, SCARY) and dict(request.again)["liked"] == (PA,)
    offered = [Candidate(PA2, 1.0), Candidate(PA2, 1.0, ("remention",)), Candidate(SCARY, 1.0, ("remention",))]
    ok = admissible(G, request.constraints, request.again_items(), among=[c.item for c in offered])
    assert [c for c in offered if ok.admits(c)] == [offered[1]]  # named: only when the prior proposed it; horror never


def test_no_list_proposes_an_item_no_fact_explains(G):
    """An edgeless catalog entry, however popular, is in no list: nothing could explain it."""
    import networkx as nx

    from kgrec.kg.query.retrieval import popular

    H = nx.MultiDiGraph(G)
    H.add_node(92, name="Famous Name", title="Famous Name (2001)", type="movie", item=True, year=2001, popularity=10**6)
    assert popular(H, Constraints(), 5)[0].item == 92  # popularity alone would lead with it
    lists = stages.candidate_lists(H, stages.constraints(H, Preferences(liked=[PA]), CONFIG))
    assert lists["popular"] and all(c.item != 92 for found in lists.values() for c in found)


def test_a_list_never_holds_a_film_twice(G):
    """The KG's second entry of a film (same title) is left out below the first."""
    import networkx as nx

    H = nx.MultiDiGraph(G)
    H.add_node(93, name="Police Academy 2: Their First Assignment", title="Police Academy 2: Their First Assignment",
               type="movie", item=True, year=None, popularity=5)
    for _, v, k, d in list(H.out_edges(PA2, keys=True, data=True)):
        H.add_edge(93, v, key=k, **d)
    found = [c.item for c in stages.retrieve(H, stages.constraints(H, Preferences(liked=[PA]), CONFIG))]
    assert PA2 in found and 93 not in found


def test_a_film_with_both_genres_of_a_compound_leads(G):
    understood = read(G, "any horror comedies?")
    request = stages.constraints(G, understood.prefs, CONFIG, stated=understood.u)
    assert request.compound == {HORROR, COMEDY}
    found = [c.item for c in stages.retrieve(G, request)]
    assert found[0] == SCARY  # Scary Movie: comedy and horror; the rest have one of them
    apart = read(G, "comedy or horror, either is fine")
    assert stages.constraints(G, apart.prefs, CONFIG, stated=apart.u).compound == frozenset()
