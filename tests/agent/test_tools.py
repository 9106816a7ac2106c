"""The KG tools are typed, documented LangChain tools; bad calls become observations, bugs raise."""
import pytest
from langchain_core.tools import BaseTool

from kgrec.agent.tools import by_name, make_tools, run_tool
from tests.agent.conftest import CATALOG, GUTTENBERG, HORROR, PA, PA7, SHINING, ScriptedLM, WILSON


@pytest.fixture
def tools(G):
    return by_name(make_tools(G, lm=ScriptedLM()))


def test_tools_are_langchain_tools_with_documented_arguments(tools):
    assert set(tools) == {"search_entities", "get_facts", "retrieve_candidates", "explain_item", "explain_items",
                          "rank_candidates"}
    for tool in tools.values():
        assert isinstance(tool, BaseTool) and tool.description
        assert all(spec.get("description") for spec in tool.args.values()), tool.name
    assert tools["get_facts"].args["node"]["type"] == "integer"


def test_tools_answer_in_plain_text_when_invoked_by_any_langchain_agent(tools):
    assert tools["get_facts"].invoke({"node": PA, "relations": ["director"]}) == "Hugh Wilson directed Police Academy (1984)."
    assert "Steve Guttenberg (person)" in tools["search_entities"].invoke({"query": "steve guttenberg"})


def test_retrieval_honours_the_filters_and_returns_catalog_items_only(tools, G):
    step, found = run_tool(tools["retrieve_candidates"], {"seeds": [PA], "not_people": [GUTTENBERG], "k": 50})
    assert not step.error and found
    assert {c.item for c in found} <= CATALOG - {PA7}
    assert not any(G.has_edge(c.item, GUTTENBERG) for c in found)


def test_a_bad_call_becomes_an_error_observation(tools):
    step, artifact = run_tool(tools["get_facts"], {"node": 999_999})
    assert step.error and "999999" in step.observation and artifact is None
    step, _ = run_tool(tools["get_facts"], {"node": "Police Academy"})
    assert step.error and step.observation.startswith("invalid arguments")
    step, _ = run_tool(tools["retrieve_candidates"], {"seeds": [], "year_min": 2001, "year_max": 1989})
    assert step.error and "contradictory" in step.observation
    step, _ = run_tool(tools["retrieve_candidates"], {"seeds": [], "genres": [HORROR], "not_genres": [HORROR]})
    assert step.error


def test_malformed_model_scores_are_an_error_observation(G):
    nan_lm = ScriptedLM(scores=lambda prompt, options: [float("nan")] * len(options))
    step, ranked = run_tool(by_name(make_tools(G, lm=nan_lm))["rank_candidates"],
                            {"items": [PA, SHINING], "liked": [], "disliked": []})
    assert step.error and ranked is None


def test_a_bug_raises_instead_of_becoming_an_observation(G):
    def broken(prompt, options):
        raise ZeroDivisionError("bug in the model code")
    tool = by_name(make_tools(G, lm=ScriptedLM(scores=broken)))["rank_candidates"]
    with pytest.raises(ZeroDivisionError):
        run_tool(tool, {"items": [PA, SHINING], "liked": [WILSON], "disliked": []})
