"""Shared by the benchmark reports: replacing one section of Benchmarks/RESULTS.md, keeping the others."""
from __future__ import annotations

import re


def replace_section(text: str, heading: str, new_section: str) -> str:
    """`text` with the section that starts at the line `heading` (up to the next heading of level 1 or 2
    outside a code fence) replaced by `new_section`, or with `new_section` appended when there is none."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, l in enumerate(lines) if l.rstrip() == heading), None)
    if start is None:
        text = text.rstrip("\n")
        return (text + "\n\n" if text.strip() else "") + new_section
    end = len(lines)
    in_fence = False
    for j in range(start + 1, len(lines)):
        if lines[j].lstrip().startswith("```"):
            in_fence = not in_fence
        if not in_fence and re.match(r"^#{1,2} ", lines[j]):
            end = j
            break
    tail = "".join(lines[end:])
    head = "".join(lines[:start])
    if head and not head.endswith("\n\n"):
        head += "\n"  # a blank line before the heading
    return head + new_section + ("\n" if tail else "") + tail


def reproduce(command: str) -> list[str]:
    """The closing lines of a section: how to run it again."""
    return ["Reproduce (from the repository root):", "", "```sh", command, "```", ""]
