"""Scripted seekers: built from a real-format dialogue, answer from KG facts, never name the target."""
import pytest

from kgrec.evaluation.simulate import (
    REJECT,
    Episode,
    PopularityChat,
    RetrieverChat,
    make_seekers,
    run_episode,
    seeker_from,
    summarize,
)
from kgrec.evaluation.systems import AgentReplay
from kgrec.kg.errors import KgrecError
from kgrec.kg.sources.redial import redial_to_node

from eval_graph import PA, PA2, SCARY, TROOPERS, UP

YES = {"suggested": 1, "seen": 0, "liked": 1}


def dialogue(conversation="77", answers=None):
    return {"conversationId": conversation, "initiatorWorkerId": 1, "respondentWorkerId": 2,
            "movieMentions": {"111776": "Super Troopers (2001)", "151656": "Police Academy (1984)"},
            "initiatorQuestions": answers if answers is not None else
            {"111776": {"suggested": 0, "seen": 1, "liked": 1}, "151656": YES},
            "respondentQuestions": {},
            "messages": [{"senderWorkerId": who, "text": text, "messageId": i, "timeOffset": i}
                         for i, (who, text) in enumerate([(1, "hi!"), (1, "I want something like @111776"),
                                                          (2, "try @151656"), (1, "thanks")])]}


@pytest.fixture
def seeker(tiny):
    catalog = frozenset(n for n, d in tiny.nodes(data=True) if d.get("item"))
    return seeker_from(tiny, dialogue(), redial_to_node(tiny), catalog)


def test_the_seeker_wants_the_accepted_movie_and_opens_with_the_first_real_message(seeker):
    assert seeker.target == PA
    assert seeker.opening == "hi! I want something like Super Troopers (2001)"
    assert [h.kind for h in seeker.hints] == ["genre", "starring", "year"]  # the tiny KG has no director
    assert "Steve Guttenberg" in seeker.hints[1].text and "1980s" in seeker.hints[2].text


def test_no_usable_target_means_no_seeker(tiny):
    catalog = frozenset(n for n, d in tiny.nodes(data=True) if d.get("item"))
    assert seeker_from(tiny, dialogue(answers={}), redial_to_node(tiny), catalog) is None
    with pytest.raises(KgrecError, match="--dialogues 5: only 1 test dialogues"):
        make_seekers(tiny, [dialogue("1"), dialogue("2", answers={})], 5, seed=0)


class Scripted:
    """A chat system that misses twice (asking about the actor the second time), then finds ``hit``."""

    name = "scripted"

    def __init__(self, hit):
        self.hit, self.heard, self.rejected = hit, [], []

    def start(self):
        return {"turn": 0}

    def turn(self, session, message):
        session["turn"] += 1
        self.heard.append(message)
        replies = {1: ("Here you go.", [UP, SCARY]), 2: ("Which actor do you like?", [PA2])}
        return replies.get(session["turn"], ("Try this.", [self.hit]))

    def reject(self, session, items):
        self.rejected.extend(items)


def test_the_seeker_rejects_misses_answers_the_question_asked_and_never_names_the_target(seeker):
    system = Scripted(hit=PA)
    episode = run_episode(system, seeker, max_turns=5)
    assert episode.success_turn == 3
    assert system.rejected == [UP, SCARY, PA2]
    assert system.heard[1] == f"{REJECT} {seeker.hints[0].text}"  # no question: the next hint (genre)
    assert system.heard[2] == f"{REJECT} {seeker.hints[1].text}"  # asked about the actor: the actor
    assert not any("Police Academy" in m for m in system.heard)


def test_a_target_never_recommended_is_a_failure_after_max_turns(seeker):
    episode = run_episode(Scripted(hit=UP), seeker, max_turns=2)
    assert episode.success_turn is None and len(episode.messages) == 2


def test_popularity_and_retriever_baselines_talk_to_the_same_seeker(tiny, seeker):
    assert run_episode(PopularityChat([UP, TROOPERS, PA2, SCARY, PA], k=2), seeker).success_turn == 3
    # the retriever follows "like Super Troopers": comedies, Police Academy among the first three
    assert run_episode(RetrieverChat(AgentReplay(tiny), k=3), seeker).success_turn == 1


def test_summary_counts_successes_and_their_mean_turns():
    episodes = [Episode("a", 1, 1), Episode("b", 1, 3), Episode("c", 1, None), Episode("d", 1, None)]
    assert summarize(episodes, max_turns=3) == {"dialogues": 4.0, "success": 0.5, "mean_turns_success": 2.0,
                                                "success_by_turn": [0.25, 0.25, 0.5]}


def test_sampling_seekers_is_deterministic(tiny):
    dialogues = [dialogue(str(i)) for i in range(10)]
    first = [s.dialog_id for s in make_seekers(tiny, dialogues, 4, seed=1)]
    assert first == [s.dialog_id for s in make_seekers(tiny, dialogues, 4, seed=1)]
    assert len(set(first)) == 4
    assert [s.dialog_id for s in make_seekers(tiny, dialogues, 2, seed=1)] == first[:2]


def test_a_seeker_limited_to_some_hint_kinds_never_reveals_the_others(tiny):
    catalog = frozenset(n for n, d in tiny.nodes(data=True) if d.get("item"))
    harder = seeker_from(tiny, dialogue(), redial_to_node(tiny), catalog, kinds=("genre", "year"))
    assert [h.kind for h in harder.hints] == ["genre", "year"]
    assert not any("Guttenberg" in h.text for h in harder.hints)
