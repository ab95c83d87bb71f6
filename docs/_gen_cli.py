"""Generate the command reference of docs/cli.md from click itself.

Usage::

    python docs/_gen_cli.py            # print the reference (Markdown) on stdout
    python docs/_gen_cli.py --write    # replace the generated part of docs/cli.md

The reference lives in docs/cli.md between the two marker lines below; the text
around them is written by hand. ``tests/docs/test_docs.py`` fails when the file
differs from what this script prints, so a new option cannot go undocumented:
run ``python docs/_gen_cli.py --write`` after changing a command.

"""

from __future__ import annotations

import sys
from pathlib import Path

import click

BEGIN = "<!-- BEGIN GENERATED CLI REFERENCE (python docs/_gen_cli.py --write) -->"
END = "<!-- END GENERATED CLI REFERENCE -->"
DOC = Path(__file__).resolve().parent / "cli.md"

# click >= 8.3 marks "no default" with a sentinel instead of None.
_UNSET = getattr(getattr(click, "core", None), "UNSET", object())


def walk(group: click.Group, ctx: click.Context, path: tuple[str, ...] = ("mawarid",)):
    """Yield ``(path, command)`` for every command under ``group``, sorted by name."""
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        sub_path = (*path, name)
        yield sub_path, command
        if isinstance(command, click.Group):
            sub_ctx = click.Context(command, info_name=name, parent=ctx)
            yield from walk(command, sub_ctx, sub_path)


def iter_commands() -> list[tuple[tuple[str, ...], click.Command]]:
    """Every ``mawarid`` command and subcommand (used by the docs test too)."""
    from core.messages import set_language
    from mawarid.cli import main

    set_language("en")  # the reference is written in the message ids' language
    ctx = main.make_context("mawarid", [], resilient_parsing=True)
    with ctx:
        return list(walk(main, ctx))


def _cell(text: str | None) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")


def _default(param: click.Parameter) -> str:
    if isinstance(param, click.Option) and (param.is_flag and not param.secondary_opts):
        return ""
    value = param.default
    if value is _UNSET or value is None or callable(value) or value in ((), "", False):
        return ""
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    return f"`{value}`"


def _type(param: click.Parameter) -> str:
    if isinstance(param, click.Option) and param.is_flag and not param.secondary_opts:
        return "flag"
    if isinstance(param.type, click.Choice):
        return " \\| ".join(f"`{c}`" for c in param.type.choices)
    if isinstance(param, click.Option) and param.metavar:
        return f"`{param.metavar}`"
    if isinstance(param.type, click.IntRange):
        low = "" if param.type.min is None else param.type.min
        high = "" if param.type.max is None else param.type.max
        return f"integer {low}..{high}"
    return param.type.name.lower()


def _usage(path: tuple[str, ...], command: click.Command) -> str:
    ctx = click.Context(command, info_name=" ".join(path))
    return " ".join(path) + " " + " ".join(command.collect_usage_pieces(ctx))


def render_command(path: tuple[str, ...], command: click.Command) -> list[str]:
    depth = min(len(path), 4)
    lines = [f"{'#' * depth} `{' '.join(path)}`", ""]
    help_text = (command.help or "").strip()
    if help_text:
        lines += [click.unstyle(help_text).split("\f")[0].strip(), ""]
    if isinstance(command, click.Group):
        subs = sorted(command.list_commands(click.Context(command)))
        lines += ["Subcommands: " + ", ".join(f"`{s}`" for s in subs) + ".", ""]
        return lines
    lines += ["```", _usage(path, command).rstrip(), "```", ""]
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    options = [p for p in command.params if isinstance(p, click.Option) and not p.hidden]
    if arguments:
        lines += ["| Argument | Required | Repeatable |", "|---|---|---|"]
        for arg in arguments:
            lines.append(
                f"| `{arg.human_readable_name}` | {'yes' if arg.required else 'no'} "
                f"| {'yes' if arg.nargs == -1 else 'no'} |"
            )
        lines.append("")
    if options:
        lines += ["| Option | Value | Default | Meaning |", "|---|---|---|---|"]
        for opt in options:
            names = ", ".join(f"`{o}`" for o in opt.opts + opt.secondary_opts)
            required = " (required)" if opt.required else ""
            required += " (repeatable)" if opt.multiple else ""
            lines.append(
                f"| {names} | {_type(opt)} | {_default(opt)} | {_cell(opt.help)}{required} |"
            )
        lines.append("")
    return lines


def render() -> str:
    out: list[str] = []
    for path, command in iter_commands():
        out += render_command(path, command)
    return "\n".join(out).rstrip() + "\n"


def generated_block(text: str) -> str:
    """The part of ``text`` between the markers (what :func:`render` must equal)."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[start:end].strip("\n") + "\n"


def write() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, tail = text[: text.index(BEGIN) + len(BEGIN)], text[text.index(END) :]
    DOC.write_text(head + "\n\n" + render() + "\n" + tail, encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if "--write" in sys.argv[1:]:
        write()
    else:
        sys.stdout.write(render())
