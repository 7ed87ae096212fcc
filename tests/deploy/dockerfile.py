"""A static reading of the Dockerfile (no Docker engine is needed): its stages and the rules
the image must follow.

Rules: at least two stages; the last one starts from python:3.11-slim, takes only the venv
from the builder, installs no compiler or build tools, runs as a numeric non-root user, has
``stampede`` as its exec-form ENTRYPOINT with a default ``serve <role>`` CMD, and EXPOSEs ports.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

BUILD_TOOLS = re.compile(r"\b(build-essential|gcc|g\+\+|clang|make|cmake|[\w.+-]+-dev)\b")
FINAL_BASE = re.compile(r"^python:3\.11-slim(-\w+)?$")


@dataclass
class Stage:
    base: str
    alias: str = ""
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [text for word, text in self.instructions if word == keyword]


def instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction; continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(_without_comments(text)))
    found = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), " ".join(rest.split())))
    return found


def _without_comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.lstrip().startswith("#")]


def stages(text: str) -> list[Stage]:
    """The build stages in order, with ARG defaults put into their FROM lines."""
    args: dict[str, str] = {}
    found: list[Stage] = []
    for keyword, rest in instructions(text):
        if keyword == "ARG" and not found:
            name, _, default = rest.partition("=")
            args[name] = default
        elif keyword == "FROM":
            words = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), rest).split()
            found.append(Stage(words[0], words[2] if len(words) > 2 else ""))
        elif found:
            found[-1].instructions.append((keyword, rest))
    return found


def problems(text: str) -> list[str]:
    """Every broken rule, one line each."""
    built = stages(text)
    if len(built) < 2:
        return ["not a multi-stage build"]
    final = built[-1]
    return (
        _final_base(final)
        + _only_the_venv(final, built[0])
        + _no_build_tools(final)
        + _unprivileged(final)
        + _entrypoint(final)
        + ([] if final.all("EXPOSE") else ["no EXPOSE"])
    )


def _final_base(final: Stage) -> list[str]:
    ok = FINAL_BASE.match(final.base)
    return [] if ok else [f"final stage starts from {final.base}, not python:3.11-slim"]


def _only_the_venv(final: Stage, builder: Stage) -> list[str]:
    copies = [c for c in final.all("COPY") if "--from=" in c]
    wanted = f"--from={builder.alias} /opt/venv /opt/venv"
    return [] if copies == [wanted] else [f"final stage copies {copies}, not only the venv"]


def _no_build_tools(final: Stage) -> list[str]:
    runs = " ".join(final.all("RUN"))
    return [f"final stage installs {tool}" for tool in sorted(set(BUILD_TOOLS.findall(runs)))]


def _unprivileged(final: Stage) -> list[str]:
    users = final.all("USER")
    if not users:
        return ["final stage runs as root (no USER)"]
    uid = users[-1].split(":")[0]
    if not uid.isdigit():
        return [f"USER {users[-1]} is not numeric (runAsNonRoot cannot check a name)"]
    return [] if int(uid) > 0 else ["final stage runs as root (USER 0)"]


def _entrypoint(final: Stage) -> list[str]:
    entry, command = final.all("ENTRYPOINT"), final.all("CMD")
    found = []
    if not entry or _exec_form(entry[-1]) != ["stampede"]:
        found.append('ENTRYPOINT is not ["stampede"]')
    if not command or (_exec_form(command[-1]) or [""])[0] != "serve":
        found.append("CMD does not default to a `serve` role")
    return found


def _exec_form(arguments: str) -> list[str] | None:
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        return None
    return [str(v) for v in value] if isinstance(value, list) else None
