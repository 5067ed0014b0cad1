"""The registry of routing policies: the one place a policy is added.

A policy is a :class:`RouterSpec`: its name (the value of ``routing.policy`` and of the
optimizer's ``routing`` list), the factory of its ready queue and its labels per language. The
scenario schema accepts exactly the registered names (:func:`router_names`), the engine builds
the queue from the factory (:func:`slasim.engine.routing.router`, which resolves a
``"module:attr"`` string on first use, so this module imports nothing of the engine) and the
reports and the terminal name the policy by :func:`router_label`.

A factory is called as ``factory(model, created, att, tier, stale)`` and returns
``(push, pick)``: ``push(i)`` adds ready lead ``i``, ``pick(s, now)`` returns the lead seller
``s`` takes at minute ``now`` (or -1). ``stale(i, now)`` is True, and marks the lead given up,
when a lead met at ``now`` has left the queue (patience, age cut-off); None when no lead ever
does. Routing with lead ownership (``routing.owner`` / ``keep_owner``) covers the built-in
policies only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

__all__ = [
    "ROUTERS",
    "RouterName",
    "RouterSpec",
    "register_router",
    "router_label",
    "router_names",
    "unregister_router",
]


@dataclass(frozen=True)
class RouterSpec:
    """A routing policy: ``name``, its queue ``factory`` and its ``labels`` by language.

    ``factory`` is a callable or a ``"package.module:attr"`` string naming one (imported when
    a replication first routes by the policy). ``labels`` maps a language (``"en"``, ``"sv"``,
    or ``"terminal"`` for the plain-text outputs) to the policy in words; ``{order}`` in a
    label is replaced by the tier order. A missing label falls back to the name.
    """

    name: str
    factory: str | Callable[..., Any]
    labels: Mapping[str, str] = field(default_factory=dict)


#: The registered policies by name, in registration order (the built-ins first).
ROUTERS: dict[str, RouterSpec] = {}

_BUILT_IN = "slasim.engine.routing:"


def register_router(spec: RouterSpec, *, replace: bool = False) -> RouterSpec:
    """Add ``spec`` to :data:`ROUTERS`; a name already taken raises unless ``replace``."""
    if not spec.name or not spec.name.isidentifier():
        raise ValueError(f"router name(={spec.name!r}) must be a non-empty identifier")
    if spec.name in ROUTERS and not replace:
        raise ValueError(f"router {spec.name!r} is already registered")
    ROUTERS[spec.name] = spec
    return spec


def unregister_router(name: str) -> None:
    """Remove the policy ``name`` from :data:`ROUTERS` (a no-op when it is not there)."""
    ROUTERS.pop(name, None)


def router_names() -> tuple[str, ...]:
    """The registered policy names, in registration order."""
    return tuple(ROUTERS)


def router_label(name: str, lang: str) -> str:
    """Policy ``name`` in words in ``lang`` (may hold ``{order}``); the name when unlabelled."""
    spec = ROUTERS.get(name)
    return spec.labels.get(lang, name) if spec is not None else name


def _known(name: str) -> str:
    names = router_names()
    if name not in names:
        # pydantic's own words for a Literal, so the message is the one it always was.
        expected = ", ".join(repr(n) for n in names[:-1]) + f" or {names[-1]!r}"
        raise PydanticCustomError(
            "literal_error", "Input should be {expected}", {"expected": expected}
        )
    return name


class _NamesSchema:
    """JSON schema of a router name: the registered names as an enum, like a Literal's."""

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"enum": list(router_names()), **handler(schema)}


#: A routing policy name in the scenario schema: one of :func:`router_names` when validated.
RouterName = Annotated[str, AfterValidator(_known), _NamesSchema()]


for _spec in (
    RouterSpec("fifo", _BUILT_IN + "fifo_router", {
        "en": "first come, first served",
        "sv": "först in, först ut",
        "terminal": "first come, first served",
    }),
    RouterSpec("newest_first", _BUILT_IN + "newest_first_router", {
        "en": "newest first",
        "sv": "nyaste först",
        "terminal": "newest lead first",
    }),
    RouterSpec("tier_priority", _BUILT_IN + "tier_priority_router", {
        "en": "by tier ({order})",
        "sv": "efter kategori ({order})",
        "terminal": "hot-first (tier priority)",
    }),
    RouterSpec("value_index", _BUILT_IN + "value_index_router", {
        "en": "by expected value per minute of delay (value index)",
        "sv": "efter förväntat värde per minuts fördröjning (värdeindex)",
        "terminal": "value index",
    }),
):
    register_router(_spec)
del _spec
