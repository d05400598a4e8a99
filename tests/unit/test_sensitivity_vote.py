"""The nearest examples' vote beside the sensitivity regression: what it counts, what it leaves out,
the flag it names, and where its threshold is set."""
import numpy as np

from app.reasoning import sensitivity
from app.reasoning.sensitivity_vote import K, vote, votes


def _unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


BANK = np.stack([_unit(1, 0.1, 0), _unit(1, 0.2, 0), _unit(0, 1, 0), _unit(0, 0, 1)])
FLAGS = np.array(["crisis", "human", "", ""])


def test_the_vote_is_the_flagged_share_of_the_nearest_weight_and_names_the_closest_flagged_part():
    share, best = votes(_unit(1, 0.12, 0)[None, :], BANK, FLAGS)
    assert share[0] > 0.9 and best[0] == 0  # both flagged parts are far closer than the ordinary ones
    share, _ = votes(_unit(0, 1, 0.1)[None, :], BANK, FLAGS)
    assert share[0] < 0.2
    assert K >= len(BANK)  # every row of this small bank takes part


def test_an_example_does_not_vote_on_itself_when_the_vote_is_held_out():
    share, best = votes(_unit(1, 0.12, 0)[None, :], BANK, FLAGS, leave_out=[np.array([0, 1])])
    assert share[0] == 0.0 and best[0] == -1


def test_one_message_s_vote_is_the_same_share_and_names_the_flag_with_the_most_weight_near_it():
    for message in (_unit(1, 0.1, 0), _unit(1, 0.2, 0), _unit(0, 1, 0.1)):
        share, flag, best = vote(message, BANK, FLAGS)
        many, rows = votes(message[None, :], BANK, FLAGS)
        assert np.isclose(share, many[0]) and best == rows[0]
    assert vote(_unit(1, 0.1, 0), BANK, FLAGS)[1] == "crisis"
    assert vote(_unit(1, 0.2, 0), BANK, FLAGS)[1] == "human"
    assert vote(_unit(0, 0, 1), BANK[2:], FLAGS[2:]) == (0.0, "", -1)


def test_the_vote_threshold_is_the_lowest_where_both_readers_flag_the_budget_of_ordinary_examples():
    regression = np.zeros(100, bool)
    regression[:1] = True  # the regression alone flags 1 of 100
    vote = np.linspace(0, 0.99, 100)  # one ordinary example at each share
    threshold = sensitivity._vote_threshold(regression, vote)
    assert (regression | (vote >= threshold)).mean() <= sensitivity.ORDINARY_FLAGGED
    below = vote[vote < threshold].max()
    assert (regression | (vote >= below)).mean() > sensitivity.ORDINARY_FLAGGED
    assert sensitivity._vote_threshold(np.ones(10, bool), np.zeros(10)) == 2.0  # the regression spent it all
