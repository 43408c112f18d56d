"""The AI race played by a Mesa population of Z labs that learn socially (Han et al., JAIR 2020).

Each update event (one Mesa step): with probability mu a random lab mutates to a random other
strategy; otherwise a random focal lab compares its average payoff (against every other lab, no
self-interaction, :func:`sim.race.evolution.average_payoffs`) with that of a random other lab,
the role model, and adopts the role model's strategy with the Fermi probability
1 / (1 + exp(-beta (P_model - P_focal))). Strategies live in one numpy array on the model; the
:class:`Lab` agents are views on it that carry the two behaviours (imitate, mutate).

For small mu the long-run share of each strategy approaches the rare-mutation stationary
distribution of :func:`sim.race.evolution.stationary_distribution`; :func:`simulate_shares`
estimates it from time averages over independent seeded replicates.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import mesa
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from sim.race.evolution import average_payoffs

_BATCH = 4096


class Lab(mesa.Agent):
    """One AI developer; its strategy is entry ``index`` of ``model.strategies``."""

    def __init__(self, model: RacePopulation, index: int):
        super().__init__(model)
        self.index = index

    @property
    def strategy(self) -> int:
        """Strategy index (0 = AS, 1 = AU for the DSAIR game)."""
        return int(self.model.strategies[self.index])

    @property
    def payoff(self) -> float:
        """Average race payoff against all other labs, in payoff units."""
        return float(self.model.average_payoffs()[self.strategy])

    def imitate(self, role_model: Lab) -> bool:
        """Pairwise comparison (Fermi) rule, Traulsen et al. 2006; True if the strategy changed."""
        if role_model.strategy == self.strategy:
            return False
        adopt = expit(self.model.beta * (role_model.payoff - self.payoff))
        if self.model.rng.random() >= adopt:
            return False
        self.model.set_strategy(self.index, role_model.strategy)
        return True

    def mutate(self) -> None:
        """Switch to one of the other strategies, chosen uniformly (exploration)."""
        shift = 1 + int(self.model.rng.integers(self.model.n_strategies - 1))
        self.model.set_strategy(self.index, (self.strategy + shift) % self.model.n_strategies)


class RacePopulation(mesa.Model):
    """Z labs playing a symmetric n-strategy game under social learning with mutation.

    Args:
        payoffs: (n, n) payoff matrix, row = focal (e.g. :func:`sim.race.game.race_payoffs`).
        Z: number of labs, integer >= 2.
        beta: intensity of selection, >= 0 (per payoff unit).
        mu: probability per update event that the event is a mutation, in [0, 1] (with 0 the
            population stays where it fixes).
        rng: seed or numpy Generator (Mesa's ``rng`` argument).
        initial: optional length-Z array of starting strategy indices; by default each lab
            draws its strategy uniformly at random.

    ``updates`` counts update events, including those :meth:`run` skips; Mesa's own ``steps``
    and ``time`` count only the events executed through :meth:`step`.
    """

    def __init__(
        self,
        payoffs: ArrayLike,
        Z: int,
        beta: float,
        mu: float,
        rng: int | np.random.Generator | np.random.SeedSequence | None = None,
        initial: ArrayLike | None = None,
    ):
        super().__init__(rng=rng)
        self.payoffs = np.asarray(payoffs, dtype=float)
        self.n_strategies = self.payoffs.shape[0]
        self.Z, self.beta, self.mu = int(Z), float(beta), float(mu)
        if initial is None:
            initial = self.rng.integers(self.n_strategies, size=self.Z)
        self.strategies = np.asarray(initial, dtype=np.int64).copy()
        self._members: list[list[int]] = [[] for _ in range(self.n_strategies)]
        self._position = [0] * self.Z
        for index, strategy in enumerate(self.strategies.tolist()):
            self._position[index] = len(self._members[strategy])
            self._members[strategy].append(index)
        self._counts = [len(m) for m in self._members]
        self.labs = [Lab(self, index) for index in range(self.Z)]
        self.updates = 0
        self._laws: dict[tuple[int, ...], tuple[float, list[float], list[tuple[int, int]]]] = {}

    @property
    def counts(self) -> NDArray[np.int64]:
        """Number of labs playing each strategy, shape (n,)."""
        return np.array(self._counts, dtype=np.int64)

    def average_payoffs(self) -> NDArray[np.float64]:
        """Average payoff of each strategy against all other labs, from the counts alone."""
        return average_payoffs(self.payoffs, self.counts)

    def set_strategy(self, index: int, strategy: int) -> None:
        """Lab ``index`` now plays ``strategy`` (keeps counts and member lists in sync)."""
        old = int(self.strategies[index])
        if old == strategy:
            return
        members, position = self._members[old], self._position
        last = members.pop()
        if last != index:
            members[position[index]] = last
            position[last] = position[index]
        position[index] = len(self._members[strategy])
        self._members[strategy].append(index)
        self._counts[old] -= 1
        self._counts[strategy] += 1
        self.strategies[index] = strategy

    def step(self) -> None:
        """One update event, played by the agents: a mutation or one imitation attempt."""
        self.updates += 1
        if self.rng.random() < self.mu:
            self.labs[int(self.rng.integers(self.Z))].mutate()
            return
        focal = int(self.rng.integers(self.Z))
        other = int(self.rng.integers(self.Z - 1))
        other += other >= focal
        self.labs[focal].imitate(self.labs[other])

    def transition_law(self) -> tuple[float, list[float], list[tuple[int, int]]]:
        """Per-update law of the next change from the current counts.

        The probability that an update event changes the counts is
        q = sum_{i != j} [mu n_i / (Z (n-1)) + (1-mu) (n_i/Z) (n_j/(Z-1)) fermi(P_j - P_i)],
        so the number of events up to and including the next change is geometric,
        ceil(E * scale) with E ~ Exp(1) and scale = -1 / log(1 - q). Returns (scale,
        cumulative probabilities of the moves given a change, moves as (from, to) strategy
        pairs). Cached per state.
        """
        key = tuple(self._counts)
        law = self._laws.get(key)
        if law is None:
            law = self._laws[key] = self._compute_law(np.array(key, dtype=float))
        return law

    def _compute_law(self, counts: NDArray[np.float64]):
        n, Z = self.n_strategies, self.Z
        share = counts / Z
        payoff = average_payoffs(self.payoffs, counts)
        fermi = expit(self.beta * (payoff[None, :] - payoff[:, None]))
        rates = (1 - self.mu) * np.outer(share, counts / (Z - 1)) * fermi
        rates += self.mu * share[:, None] / (n - 1)
        np.fill_diagonal(rates, 0.0)
        moves = [(i, j) for i in range(n) for j in range(n) if rates[i, j] > 0]
        weights = np.array([rates[i, j] for i, j in moves])
        q = float(weights.sum())
        if q <= 0:
            return math.inf, [], []
        wait_scale = 0.0 if q >= 1 else -1 / math.log1p(-q)
        cumulative = (np.cumsum(weights) / q).tolist()
        cumulative[-1] = 1.0
        return wait_scale, cumulative, moves

    def run(self, updates: int, burn_in: int = 0) -> NDArray[np.float64]:
        """Advance ``burn_in + updates`` update events; return each strategy's share averaged
        over the last ``updates`` events (the state in force at each). Shape (n,), sums to 1.

        Exact and fast: the same Markov chain as repeated :meth:`step`, simulated by its jump
        chain. Between changes the counts stay put for a geometric number of update events
        (:meth:`transition_law`); that waiting time is drawn in one go instead of running the
        null events through Mesa's step (in a monomorphic state the chance of a change is mu,
        so this jumps straight to the next mutation). The change is then drawn from the
        normalised rates, and the lab that changes is a uniformly random holder of the old
        strategy, as in :meth:`step`. Stopping at a fixed event count is exact too, since the
        geometric wait is memoryless.

        One loop kept whole (just over 60 lines): the wait, the move and the occupancy
        bookkeeping share the batch of pre-drawn numbers, and splitting them would put a
        function call inside the chain's hot loop.
        """
        if int(updates) < 1 or int(burn_in) < 0:
            raise ValueError(f"need updates >= 1 and burn_in >= 0, got {updates}, {burn_in}")
        start = self.updates + int(burn_in)
        end = start + int(updates)
        occupancy: dict[tuple[int, ...], int] = defaultdict(int)
        members, counts, position = self._members, self._counts, self._position
        strategies, laws, rng = self.strategies, self._laws, self.rng
        exponentials, uniforms, drawn = [], [], 0
        t = self.updates
        while t < end:
            if drawn == len(exponentials):
                exponentials = rng.standard_exponential(_BATCH).tolist()
                uniforms, drawn = rng.random(2 * _BATCH).tolist(), 0
            key = tuple(counts)
            law = laws.get(key) or self.transition_law()
            wait_scale, cumulative, moves = law
            wait = (
                end - t + 1
                if wait_scale == math.inf
                else math.ceil(exponentials[drawn] * wait_scale) or 1
            )
            u_move, u_lab = uniforms[2 * drawn], uniforms[2 * drawn + 1]
            drawn += 1
            after = t + wait
            if after > start:
                occupancy[key] += (end if after > end else after) - (t if t > start else start)
            if after > end:
                t = end
                break
            t = after
            move = 0
            while u_move >= cumulative[move]:
                move += 1
            old, new = moves[move]
            leaving, slot = members[old], int(u_lab * counts[old])
            lab, last = leaving[slot], leaving.pop()
            if last != lab:
                leaving[slot] = last
                position[last] = slot
            position[lab] = counts[new]
            members[new].append(lab)
            counts[old] -= 1
            counts[new] += 1
            strategies[lab] = new
        self.updates = t
        total = np.zeros(self.n_strategies)
        for key, spent in occupancy.items():
            total += spent * np.asarray(key, dtype=float)
        return total / (self.Z * int(updates))


@dataclass(frozen=True)
class SimulatedShares:
    """Long-run strategy shares from replicate runs: mean and standard error per strategy.

    ``per_run`` has shape (runs, n); ``se`` is the standard deviation across runs divided by
    sqrt(runs) (NaN for a single run).
    """

    mean: NDArray[np.float64]
    se: NDArray[np.float64]
    per_run: NDArray[np.float64]


def simulate_shares(
    payoffs: ArrayLike,
    Z: int,
    beta: float,
    mu: float,
    updates: int,
    runs: int,
    seed: int,
    burn_in: int | None = None,
) -> SimulatedShares:
    """Estimate the long-run share of each strategy with ``runs`` independent populations.

    Replicate r uses numpy ``SeedSequence(seed).spawn(runs)[r]`` and starts from a uniformly
    random assignment of strategies. Each runs ``updates`` update events; the first ``burn_in``
    (default updates // 10) are discarded and the shares are time-averaged over the rest
    (:meth:`RacePopulation.run`).
    """
    burn_in = int(updates) // 10 if burn_in is None else int(burn_in)
    if not 0 <= burn_in < int(updates):
        raise ValueError(f"burn_in must be in [0, updates), got {burn_in} of {updates}")
    children = np.random.SeedSequence(seed).spawn(int(runs))
    per_run = np.array(
        [
            RacePopulation(payoffs, Z, beta, mu, rng=np.random.default_rng(child)).run(
                int(updates) - burn_in, burn_in
            )
            for child in children
        ]
    )
    se = (
        per_run.std(axis=0, ddof=1) / math.sqrt(runs)
        if runs > 1
        else np.full(per_run.shape[1], np.nan)
    )
    return SimulatedShares(mean=per_run.mean(axis=0), se=se, per_run=per_run)
