"""Who acts: a Slack user, a person at the command line, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass

ACTOR_SOURCES = ("slack", "cli", "system")


@dataclass(frozen=True)
class Actor:
    """A person (or the system) acting: Slack user id and display name, or at the command line the
    operating-system login (id) and the ``--by`` name (name); the audit trail keeps both."""

    id: str
    name: str
    source: str  # "slack" | "cli" | "system"

    def __post_init__(self) -> None:
        if self.source not in ACTOR_SOURCES:
            raise ValueError(f"actor source '{self.source}' is not one of {', '.join(ACTOR_SOURCES)}")
        if not (self.id or self.name):
            raise ValueError("an actor needs an id or a name")

    def is_same_person(self, other_id: str, other_name: str) -> bool:
        """Whether someone recorded as ``other_id``/``other_name`` is this actor, by either: the
        maker-checker's test. At the command line the id is the operating-system login and the name
        is ``--by``, so a second ``--by`` spelling from the same login is still the same person."""
        if self.id and self.id == other_id:
            return True
        return bool(self.name.strip()) and self.name.strip().casefold() == other_name.strip().casefold()


SYSTEM = Actor(id="system", name="IMS assistant", source="system")


def actor_named(who: str | Actor) -> Actor:
    """An actor from a command line's ``--by NAME`` (or an actor passed through as it is)."""
    return who if isinstance(who, Actor) else Actor(id=who, name=who, source="cli")
