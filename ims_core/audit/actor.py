"""Who acts: a Slack user, a person at the command line, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass

ACTOR_SOURCES = ("slack", "cli", "system")


@dataclass(frozen=True)
class Actor:
    """A person (or the system) acting: Slack user id and display name, or a CLI ``--by`` name."""

    id: str
    name: str
    source: str  # "slack" | "cli" | "system"

    def __post_init__(self) -> None:
        if self.source not in ACTOR_SOURCES:
            raise ValueError(f"actor source '{self.source}' is not one of {', '.join(ACTOR_SOURCES)}")
        if not (self.id or self.name):
            raise ValueError("an actor needs an id or a name")


SYSTEM = Actor(id="system", name="IMS assistant", source="system")


def actor_named(who: str | Actor) -> Actor:
    """An actor from a command line's ``--by NAME`` (or an actor passed through as it is)."""
    return who if isinstance(who, Actor) else Actor(id=who, name=who, source="cli")
