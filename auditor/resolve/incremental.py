"""resolvelib's resolution with its per-round work kept to what changed: same answer.

Why: every round, resolvelib's ``Resolution.resolve`` asks of every name it knows
whether the current pin still satisfies all of that name's requirements, and ranks
every open name by preference, although one round pins one package and touches only
the criteria of that package's dependencies. Both scans grow with the graph, so a
resolution grew with its square: at 1,000 packages, 1.6 million pin checks and 525,000
preferences, most of the CPU time.

Two layers, each exact:

- **Memoised answers.** A pin check depends only on the name's ``Criterion`` and its
  pin; a preference only on the name's requirement information and the backtrack
  causes. resolvelib replaces a ``Criterion`` (and its ``information`` list) whenever a
  name's requirements change and never mutates one in place (its documented contract),
  so each answer is kept with the very objects it was computed from and reused while
  they are the same objects. These hooks work with every resolvelib this project allows.
- **Incremental rounds** (resolvelib 1.2, whose loop ``resolve`` below follows line by
  line). Between two successful rounds only the names ``_add_to_criteria`` touched,
  the names whose information ``_remove_information_from_criteria`` changed, and the
  name just pinned can change their answers; every other name keeps its pin and its
  criterion object. So the open (unsatisfied) names are kept as a set updated with
  those names only, and the most preferred open name comes from a heap. After a
  backjump or a rollback, where whole states are swapped, one full scan rebuilds both.

The order in which open names are handed on differs from resolvelib's (dict order);
the choice does not, because every preference ends with the identifier, so there are
no ties (and the heap is only used while the provider keeps the default
``narrow_requirement_selection``, which passes names through unchanged).
``tests/core/test_resolve_growth.py`` runs resolutions with every answer checked
against resolvelib's own methods and loop.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable

import resolvelib
from resolvelib import AbstractProvider, BaseReporter, Resolver
from resolvelib.resolvers import (
    Criterion,
    RequirementsConflicted,
    Resolution,
    ResolutionImpossible,
    ResolutionTooDeep,
)
from resolvelib.resolvers.abstract import Result
from resolvelib.resolvers.resolution import _build_result
from resolvelib.structs import RequirementInformation, State

from auditor.resolve.provider import (
    Cand,
    Preference,
    Req,
    Traits,
    cause_names,
    preference,
    requirement_traits,
)

#: the resolvelib releases whose ``Resolution.resolve`` loop ``resolve`` below follows
LOOP_VERSIONS = ("1.2.",)


def incremental_loop_available() -> bool:
    return resolvelib.__version__.startswith(LOOP_VERSIONS)


class IncrementalResolution(Resolution[Req, Cand, str]):
    """See the module docstring."""

    def __init__(
        self, provider: AbstractProvider[Req, Cand, str], reporter: BaseReporter[Req, Cand, str]
    ) -> None:
        super().__init__(provider, reporter)
        #: name -> (criterion, pin, does the pin satisfy it)
        self._pin_checks: dict[str, tuple[Criterion[Req, Cand], Cand | None, bool]] = {}
        #: name -> (information list, causes epoch, its traits, its preference)
        self._preferences: dict[str, tuple[object, int, Traits, Preference]] = {}
        self._causes_seen: list[RequirementInformation[Req, Cand]] = []
        self._cause_names: frozenset[str] = frozenset()
        self._causes_epoch = 0
        #: names whose criteria ``_add_to_criteria``/``_remove_information_from_criteria``
        #: replaced since the last reset
        self._touched: set[str] = set()
        #: the state ``_open``, ``_pinned_ok`` and ``_heap`` describe (None: rescan)
        self._tracked: State[Req, Cand, str] | None = None
        self._open: set[str] = set()
        self._pinned_ok: set[str] = set()
        self._heap: list[tuple[Preference, str]] = []
        #: how often each path ran, for tests and benchmarks
        self.full_scans = 0
        self.incremental_rounds = 0

    # -- memoised answers (called once per name per round by the stock loop: every
    #    line is paid for a million times at 1,000 packages, hence ``_states[-1]``) --

    def _is_current_pin_satisfying(self, name: str, criterion: Criterion[Req, Cand]) -> bool:
        pin = self._states[-1].mapping.get(name)
        if pin is None:
            return False
        hit = self._pin_checks.get(name)
        if hit is not None and hit[0] is criterion and hit[1] is pin:
            return hit[2]
        ok = all(
            self._p.is_satisfied_by(requirement=r, candidate=pin)
            for r in criterion.iter_requirement()
        )
        self._pin_checks[name] = (criterion, pin, ok)
        return ok

    def _get_preference(self, name: str) -> Preference:
        state = self._states[-1]
        causes = state.backtrack_causes
        # A list comparison checks identity first, element by element, in C: cheap
        # while the causes stay the same, exact when they change (even in place).
        if causes != self._causes_seen:
            self._causes_seen = list(causes)
            self._cause_names = cause_names(causes)
            self._causes_epoch += 1
        information = state.criteria[name].information
        hit = self._preferences.get(name)
        if hit is not None and hit[0] is information:
            if hit[1] == self._causes_epoch:
                return hit[3]
            traits = hit[2]
        else:
            traits = requirement_traits(information)
        pref = preference(name, traits, self._cause_names)
        self._preferences[name] = (information, self._causes_epoch, traits, pref)
        return pref

    # -- where criteria change: remember which names --------------------------------

    def _add_to_criteria(
        self,
        criteria: dict[str, Criterion[Req, Cand]],
        requirement: Req,
        parent: Cand | None,
    ) -> None:
        self._touched.add(self._p.identify(requirement_or_candidate=requirement))
        super()._add_to_criteria(criteria, requirement, parent)

    def _remove_information_from_criteria(
        self, criteria: dict[str, Criterion[Req, Cand]], parents: Collection[str]
    ) -> None:
        """resolvelib's, but a criterion that loses nothing keeps its object (the stock
        method rebuilds every one), so the answers memoised for it stay valid."""
        if not parents:
            return
        identify = self._p.identify
        for key, criterion in criteria.items():
            kept = [
                information
                for information in criterion.information
                if information.parent is None
                or identify(requirement_or_candidate=information.parent) not in parents
            ]
            if len(kept) != len(criterion.information):
                criteria[key] = Criterion(criterion.candidates, kept, criterion.incompatibilities)
                self._touched.add(key)

    # -- the loop ---------------------------------------------------------------------

    def _scan(self) -> None:
        """What resolvelib computes every round, from scratch: the open names."""
        self.full_scans += 1
        state = self.state
        self._open = {
            key
            for key, criterion in state.criteria.items()
            if not self._is_current_pin_satisfying(key, criterion)
        }
        self._pinned_ok = set(state.criteria) - self._open
        self._heap = [(self._get_preference(key), key) for key in self._open]
        heapq.heapify(self._heap)
        self._tracked = state

    def _recheck(self, names: Iterable[str]) -> None:
        """After a successful round: the answers of the names that may have changed."""
        criteria = self.state.criteria
        for key in names:
            criterion = criteria.get(key)
            if criterion is None:
                continue
            if self._is_current_pin_satisfying(key, criterion):
                self._open.discard(key)
                self._pinned_ok.add(key)
            else:
                self._pinned_ok.discard(key)
                self._open.add(key)
                heapq.heappush(self._heap, (self._get_preference(key), key))

    def _most_preferred(self) -> str:
        """The open name ``min(..., key=_get_preference)`` would choose: stale heap
        entries (closed names, or a preference since replaced) are dropped on the way."""
        heap = self._heap
        while True:
            pref, key = heap[0]
            if key in self._open and self._preferences[key][3] is pref:
                return key
            heapq.heappop(heap)

    def _narrows(self) -> bool:
        method = type(self._p).narrow_requirement_selection
        return method is not AbstractProvider.narrow_requirement_selection

    def resolve(self, requirements: Iterable[Req], max_rounds: int) -> State[Req, Cand, str]:
        """resolvelib 1.2's ``Resolution.resolve`` with the open names and the choice
        among them kept incrementally (the lines marked ``incremental``); any other
        resolvelib runs its own loop with the memoised answers above."""
        if not incremental_loop_available() or self._narrows():
            return super().resolve(requirements, max_rounds)
        if self._states:
            raise RuntimeError("already resolved")

        self._r.starting()

        # incremental: a plain dict for the pins, not an OrderedDict. resolvelib keeps a
        # copy of the pins for every round (at 1,000 packages, half a million entries),
        # and only needs what a dict does too: insertion order, ``popitem`` of the last.
        self._states = [State(mapping={}, criteria={}, backtrack_causes=[])]
        for r in requirements:
            try:
                self._add_to_criteria(self.state.criteria, r, parent=None)
            except RequirementsConflicted as e:
                raise ResolutionImpossible(e.criterion.information) from e

        self._push_new_state()

        optimistic_rounds_cutoff: int | None = None
        optimistic_backjumping_start_round: int | None = None

        for round_index in range(max_rounds):
            self._r.starting_round(index=round_index)

            if self._optimistic_backjumping_ratio and self._save_states is not None:
                if optimistic_backjumping_start_round is None:
                    optimistic_backjumping_start_round = round_index
                    optimistic_rounds_cutoff = int(
                        (max_rounds - round_index) * self._optimistic_backjumping_ratio
                    )

                    if optimistic_rounds_cutoff <= 0:
                        self._rollback_states()
                        continue
                elif (
                    optimistic_rounds_cutoff is not None
                    and round_index - optimistic_backjumping_start_round >= optimistic_rounds_cutoff
                ):
                    self._rollback_states()
                    continue

            if self._tracked is not self.state:  # incremental: a swapped state
                self._scan()

            if not self._open:
                self._r.ending(state=self.state)
                return self.state

            # incremental: the name min(open names, key=_get_preference) gives
            name = self._most_preferred()
            # incremental: the names whose pin satisfied them at the start of the round
            # (read before ``_recheck`` changes the set)
            satisfied_names = self._pinned_ok

            self._touched = set()
            failure_criterion = self._attempt_to_pin_criterion(name)

            if failure_criterion:
                self._tracked = None  # incremental: states are about to be swapped
                causes = self._extract_causes(failure_criterion)
                self._r.resolving_conflicts(causes=causes)

                try:
                    success = self._backjump(causes)
                except ResolutionImpossible:
                    if self._optimistic_backjumping_ratio and self._save_states:
                        failed_optimistic_backjumping = True
                    else:
                        raise
                else:
                    failed_optimistic_backjumping = bool(
                        not success and self._optimistic_backjumping_ratio and self._save_states
                    )

                if failed_optimistic_backjumping and self._save_states:
                    self._rollback_states()
                else:
                    self.state.backtrack_causes[:] = causes

                    if not success:
                        raise ResolutionImpossible(self.state.backtrack_causes)
            else:
                # incremental: only a touched name that was satisfied can become
                # unsatisfied; every other one kept its criterion and its pin
                criteria = self.state.criteria
                newly_unsatisfied_names = {
                    key
                    for key in self._touched
                    if key in satisfied_names
                    and not self._is_current_pin_satisfying(key, criteria[key])
                }
                self._remove_information_from_criteria(self.state.criteria, newly_unsatisfied_names)
                self._push_new_state()
                # incremental: carry the open names over to the new state
                self.incremental_rounds += 1
                self._recheck({name, *self._touched, *newly_unsatisfied_names})
                self._tracked = self.state

            self._r.ending_round(index=round_index, state=self.state)

        raise ResolutionTooDeep(max_rounds)


class IncrementalResolver(Resolver[Req, Cand, str]):
    """resolvelib's ``Resolver``, running ``IncrementalResolution``."""

    def resolve(  # type: ignore[override]  # as resolvelib's own Resolver.resolve
        self, requirements: Iterable[Req], max_rounds: int = 100
    ) -> Result[Req, Cand, str]:
        resolution = IncrementalResolution(self.provider, self.reporter)
        state = resolution.resolve(requirements, max_rounds=max_rounds)
        return _build_result(state)
