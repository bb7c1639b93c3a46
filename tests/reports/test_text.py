"""The phrases the reports use for numbers."""

from __future__ import annotations

from mow_orchestrator.reports.text import gain_phrase


def test_gain_phrase_says_better_worse_or_the_same():
    assert gain_phrase(12.34, "last value (3.1)") == "12.3% better than last value (3.1)"
    assert gain_phrase(-5.0, "defaults") == "5.0% worse than defaults"
    assert gain_phrase(-0.001, "defaults") == "the same as defaults"  # not "0.0% worse"
    assert gain_phrase(None, "defaults") == "vs defaults"
    assert "<span class='bad'>5.0% worse</span>" in gain_phrase(-5.0, "a<b", html=True)
    assert "a&lt;b" in gain_phrase(-5.0, "a<b", html=True)


def test_counts_phrase_mentions_running_trials_only_when_there_are_some():
    from mow_orchestrator.reports.text import counts_phrase

    assert counts_phrase({"complete": 3, "pruned": 1, "fail": 0, "running": 0}) == "3 complete, 1 pruned, 0 failed"
    assert counts_phrase({"complete": 0, "pruned": 0, "fail": 0, "running": 1}) == "0 complete, 0 pruned, 0 failed, 1 running"


def test_percentages_that_round_to_zero_have_no_sign():
    from mow_orchestrator.reports.text import fmt_pct

    assert fmt_pct(-0.001) == "0.0%" and fmt_pct(6.62) == "+6.6%" and fmt_pct(-3.0) == "-3.0%"
    assert fmt_pct(12.34, signed=False) == "12.3%" and fmt_pct(None) == "n/a"
