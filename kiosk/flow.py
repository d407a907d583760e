"""The visit machine, built from the services' stage lists.

    attract ─touch─▶ home ─choose a service─▶ its first stage ─▶ … ─▶ its last stage ─▶ done ─▶ attract
                       ▲ │                                  (a stage may be skipped; citizen
     out_of_service ◀──┘ └─ from attract or home             stages can be gone back to)

Every service's stages become states named `<service>__<stage>`; the machine allows a visit to
move only forward within its own service (skipping stages whose `when` is false), back to an
earlier citizen stage, to `done` from any stage, and home to `attract` from anywhere. What a
state means and what runs in it is the Session's and the handlers' business, not the machine's.
"""

from __future__ import annotations

from collections import defaultdict

from statemachine import State, StateMachine

SEPARATOR = "__"


def state_name(service_id: str, stage_id: str) -> str:
    return f"{service_id}{SEPARATOR}{stage_id}"


def build_flow(services) -> type[StateMachine]:
    """A StateMachine class for these services (`{id: Service}`)."""
    states: dict[str, State] = {
        "attract": State(initial=True), "home": State(), "done": State(), "out_of_service": State(),
    }
    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    pairs["start"].append(("attract", "home"))
    pairs["suspend"] += [("attract", "out_of_service"), ("home", "out_of_service")]
    pairs["resume"].append(("out_of_service", "attract"))
    pairs["reset"] += [("home", "attract"), ("done", "attract")]
    for service_id, service in services.items():
        names = [state_name(service_id, step.id) for step in service.steps]
        for name in names:
            states[name] = State()
            pairs["finish"].append((name, "done"))
            pairs["reset"].append((name, "attract"))
        for index, (name, step) in enumerate(zip(names, service.steps)):
            sources = ["home"] + names[:index]
            if step.citizen:
                sources += names[index + 1:]  # back to an earlier question
            pairs[f"to_{name}"] += [(source, name) for source in sources]
    attrs: dict[str, object] = dict(states)
    for event, transitions in pairs.items():
        combined = None
        for source, target in transitions:
            transition = states[source].to(states[target])
            combined = transition if combined is None else combined | transition
        attrs[event] = combined
    return type(StateMachine)("VisitFlow", (StateMachine,), attrs)
