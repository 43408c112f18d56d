import numpy as np
import pytest

from sim.model import venues as V
from sim.model.decision_rules import RULES

N, N_LABS = 4, 2
SETTING = dict(invite="all", decision="consensus", host=0, lab_host_home=-1,
               also=np.zeros(N, bool), exclude=np.zeros(N, bool),
               lab_invite=np.zeros(N_LABS, bool), type=0, ambition=0.5, verification=0.0,
               invited=None, parties=None)
PARAMS = dict(cost=0.0, sensitivity=50.0, sign_noise=0.01, verification_cost=0.5,
              like_minded=0.0, lab_follow=0.0, rivalry_narrowing=0.0)
STATE = dict(trust=np.full((N, N), 0.6), legitimacy=np.full((N, 4), 0.8),
             ideal=np.array([0.6, 0.3, 0.5, 0.4]), alignment=np.array([0.9, 0.5, 0.0, -0.8]),
             rivalry=np.zeros((N, N)), lab_home=np.array([0, 1]),
             lab_safety=np.array([0.5, 0.1]), lab_propensity=np.array([1.0, 0.0]),
             club_bonus=0.0)
# attend, sign (countries), then attend, sign (labs)
DRAWS = dict(u_attend=np.zeros(N), u_sign=np.full(N, 0.5), u_lab_attend=np.zeros(N_LABS),
             u_lab_sign=np.full(N_LABS, 0.5))


def _session(**kw):
    """One session on a four-country, two-lab world; ``kw`` overrides any field of the
    setting (``decision`` names the rule), the parameters, the state or the draws."""
    groups = [dict(d) for d in (SETTING, PARAMS, STATE, DRAWS)]
    for key, value in kw.items():
        group = next(g for g in groups if key in g)
        group[key] = value
    setting, params, state, draws = groups
    setting["rule"] = RULES[setting.pop("decision")]
    u = np.concatenate([draws[k] for k in ("u_attend", "u_sign", "u_lab_attend", "u_lab_sign")])
    return V.hold_session(V.Setting(**setting), V.Params(**params), V.State(**state), u)


def test_consensus_takes_the_depth_all_can_accept_and_all_sign():
    r = _session()
    assert r.depth == 0.3  # min ideal among attendees, below ambition 0.5
    assert r.signed.all() and not r.excluded.any()


def test_host_proposal_signatories_vary_with_ideal_depth():
    r = _session(decision="host_proposal", ambition=0.45)
    assert r.depth == 0.45  # host's ideal 0.6 capped by ambition
    assert r.signed.tolist() == [True, False, True, False]


def test_distrust_of_host_makes_verification_costly():
    trust = np.full((4, 4), 0.9)
    trust[2, 0] = 0.0  # actor 2 distrusts the host
    r = _session(decision="host_proposal", ambition=0.45, verification=0.5, trust=trust)
    # actor 2: 0.5 - 0.45 - 0.5 * 0.5 * 1.0 < 0 -> does not sign; actor 0 (host) signs
    assert r.signed[0] and not r.signed[2]


def test_like_minded_invitation_follows_alignment_and_the_left_out_are_excluded():
    """The host (alignment 0.9) invites its side and the non-aligned leaning no further than
    the threshold the other way; the country in the other camp (-0.8) is left out."""
    r = _session(invite="like_minded", decision="host_proposal", like_minded=-0.3)
    assert r.invited.tolist() == [True, True, True, False]
    assert r.excluded.tolist() == [False, False, False, True]
    r = _session(invite="like_minded", decision="host_proposal", like_minded=0.3)
    assert r.invited.tolist() == [True, True, False, False]
    flipped = _session(invite="like_minded", decision="host_proposal", like_minded=0.3,
                       alignment=np.array([-0.9, 0.5, 0.0, -0.8]))
    assert flipped.invited.tolist() == [True, False, False, True]  # a host of the other side


def test_rivalry_narrows_the_bilateral_zone_of_agreement():
    mask = np.array([True, True, False, False])
    ideal = np.array([0.6, 0.5, 0.0, 0.0])
    rivalry = np.zeros((N, N))
    rivalry[0, 1] = 0.5
    kw = dict(invite=mask, decision="bargaining", ambition=0.9, ideal=ideal, rivalry=rivalry,
              parties=(0, 1))
    r = _session(**kw, rivalry_narrowing=0.4)  # narrowing 0.4 x rivalry 0.5 = 0.2
    assert r.depth == pytest.approx(0.3)
    r = _session(**kw, rivalry_narrowing=1.2)
    assert r.dialogue_only and not r.signed.any()


def test_club_bonus_draws_signatures():
    r = _session(decision="host_proposal", ambition=0.45)
    assert r.signed.tolist() == [True, False, True, False]
    r = _session(decision="host_proposal", ambition=0.45, club_bonus=np.full(4, 0.2))
    assert r.signed.tolist() == [True, True, True, True]


def test_labs_follow_their_home_camp():
    """A lab whose home stands with the host's camp signs more readily than one whose home
    stands against it."""
    kw = dict(decision="host_proposal", ambition=0.3, lab_invite=np.array([True, True]),
              lab_propensity=np.ones(2), lab_safety=np.array([0.3, 0.3]),
              lab_home=np.array([1, 3]), u_lab_sign=np.full(2, 0.5))
    r = _session(**kw, lab_follow=0.4)
    assert r.labs_signed.tolist() == [True, False]


def test_bilateral_without_ambition_is_dialogue_only():
    mask = np.array([True, True, False, False])
    r = _session(invite=mask, decision="bargaining", ambition=0.0)
    assert r.dialogue_only and not r.signed.any()
    assert r.attended.tolist() == [True, True, False, False]


def test_bilateral_bargain_is_the_lower_ideal():
    mask = np.array([True, True, False, False])
    ideal = np.array([0.6, 0.5, 0.0, 0.0])
    r = _session(invite=mask, decision="bargaining", ambition=0.3, ideal=ideal)
    assert r.depth == 0.3 and r.signed.sum() == 2
    r = _session(invite=mask, decision="bargaining", ambition=0.9, ideal=ideal)
    assert r.depth == 0.5


def test_attendance_with_weights_given_is_attendance_with_weights_computed():
    rng = np.random.default_rng(7)
    for k in (0, 1, 5, 12):
        invited = np.zeros(12, bool)
        invited[rng.choice(12, k, replace=False)] = True
        trust, legitimacy = rng.random((12, 12)), rng.random(12)
        plain = V.attendance_probability(invited, legitimacy, trust, 0.6, 4.0)
        given = V.attendance_probability(invited, legitimacy, trust, 0.6, 4.0,
                                         V.attendance_weights(invited))
        assert np.array_equal(plain, given)


def test_attendance_rises_with_legitimacy():
    invited = np.ones(3, bool)
    trust = np.full((3, 3), 0.5)
    p = V.attendance_probability(invited, np.array([0.2, 0.5, 0.9]), trust, 1.0, 5.0)
    assert p[0] < p[1] < p[2]
    # hand: logistic(5 * (0.9 + 0.5 - 1.0)) = logistic(2)
    assert np.isclose(p[2], 1 / (1 + np.exp(-2.0)))


def test_track_two_labs_pledge_and_no_country_signs():
    r = _session(invite="none", decision="pledge", host=-1, ambition=0.1,
                 lab_invite=np.array([True, True]))
    assert not r.signed.any()
    assert r.labs_attended.tolist() == [True, False]  # propensity 1 and 0
    assert r.labs_signed.tolist() == [True, False]


def test_an_invitation_mask_given_up_front_changes_nothing():
    exclude = np.array([False, False, False, True])
    also = np.zeros(4, bool)
    trust = np.full((4, 4), 0.6)
    kw = dict(invite="all", decision="host_proposal", exclude=exclude, also=also, trust=trust)
    invited = V.invitees("all", 0, np.zeros(4), also, exclude)
    a, b = _session(**kw), _session(**kw, invited=invited)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)
