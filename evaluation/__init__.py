"""evaluation: how good kgrec's recommendations are (``kgrec eval ...``), never how fast (that is ``bench/``).

``turns`` (the one turn type and loader) · ``systems`` (what a replay scores; kgrec's own run
``kgrec.agent.turn``) · ``redial`` (``kgrec eval redial``: ReDial, INSPIRED and any CRSLab file) ·
``simulate`` (``kgrec eval simulate``: scripted seekers) · ``metrics`` (the one Recall) ·
``report`` (Markdown, JSON, PNG) · ``validation`` (the fine-tuning validation) · ``tune_fusion``
(fusion weights on valid) · ``intents`` (the labelled understanding suite). Dependencies:
evaluation → agent → kg; nothing in agent or kg imports evaluation.
"""

# one name per module: the folder is importable bare from the repository root; refuse that
if __name__ != "kgrec.evaluation":
    raise ImportError(f"import kgrec.evaluation, not {__name__} (pip install -e . installs it as kgrec.evaluation)")
