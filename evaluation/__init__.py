"""evaluation: how good kgrec's recommendations are (``kgrec eval ...``), never how fast (that is ``bench/``).

``turns`` (the one turn type and loader) · ``systems`` (what a replay scores; kgrec's own run
``agent.turn``) · ``redial`` (``kgrec eval redial``: ReDial, INSPIRED and any CRSLab file) ·
``simulate`` (``kgrec eval simulate``: scripted seekers) · ``metrics`` (the one Recall) ·
``report`` (Markdown, JSON, PNG) · ``validation`` (the fine-tuning validation) · ``tune_fusion``
(fusion weights on valid) · ``intents`` (the labelled understanding suite). Dependencies:
evaluation → agent → kg; nothing in agent or kg imports evaluation.
"""
