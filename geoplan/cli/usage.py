"""Command-line usage errors as one line in the planner's language, plus the usage line — never a traceback.

Typer ≥ 0.2x bundles its own copy of click (``typer._click``): its exceptions are not ``click.ClickException``, so
they are caught here by typer's own classes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from typer._click.exceptions import (
    BadArgumentUsage,
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoSuchOption,
    UsageError,
)
from typer.core import TyperArgument

LANGS = ("zh", "en")

#: Words for the value a parameter of this type wants (from typer's ``<int>`` style type names).
_TYPE_WORDS = {
    "int": ("整数", "an integer"),
    "float": ("数字", "a number"),
    "path": ("文件或目录路径", "a path"),
}


class LocalisedBadParameter(BadParameter):
    """A bad option value found by geoplan itself (e.g. ``--lang fr``), with its text in both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


def argv_lang(argv: Sequence[str], env: dict[str, str] | None = None) -> str:
    """The language the user asked for on this command line (``--lang``), else GEOPLAN_LANG, else Chinese.

    Read from the raw arguments because a usage error happens before options are parsed.
    """
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--lang=") else None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        if value in LANGS:
            return value
    lang = (os.environ if env is None else env).get("GEOPLAN_LANG", "")
    return lang if lang in LANGS else "zh"


def _param_name(exc: BadParameter) -> str:
    param = exc.param
    if param is None:
        return ""
    if isinstance(param, TyperArgument):
        return (param.metavar or param.name or "").upper()
    return max(param.opts, key=len) if param.opts else str(param.name)


def _wants(exc: BadParameter, zh: bool) -> str | None:
    """What the parameter wants, from its type, e.g. "an integer"; None when unknown."""
    param = exc.param
    if param is None or exc.ctx is None:
        return None
    try:
        shown = param.display_type(exc.ctx).strip("<>")  # type: ignore[attr-defined]
    except Exception:  # a type typer cannot describe: the library's own message is used
        return None
    if "|" in shown:
        return ("应为 " if zh else "one of ") + shown.replace("|", " / ")
    words = _TYPE_WORDS.get(shown)
    return None if words is None else ("应为" + words[0] if zh else words[1] + " is needed")


def usage_message(exc: UsageError, lang: str) -> str:
    """One line saying what was wrong with the command line, in ``lang``."""
    zh = lang == "zh"
    if isinstance(exc, LocalisedBadParameter):
        name = _param_name(exc)
        return f"{name} 的值无效:{exc.zh}" if zh else f"invalid value for {name}: {exc.en}"
    if isinstance(exc, NoSuchOption):
        text = f"没有选项 {exc.option_name}" if zh else f"no such option {exc.option_name}"
        if exc.possibilities:
            maybe = ", ".join(sorted(exc.possibilities))
            text += f"(是否想用 {maybe}?)" if zh else f" (did you mean {maybe}?)"
        return text
    if isinstance(exc, BadOptionUsage):
        if "requires" in exc.message:
            return f"选项 {exc.option_name} 后面需要一个值" if zh else f"option {exc.option_name} needs a value"
        if "does not take a value" in exc.message:
            return f"选项 {exc.option_name} 不接受值" if zh else f"option {exc.option_name} takes no value"
    if isinstance(exc, MissingParameter):
        name = _param_name(exc)
        is_arg = isinstance(exc.param, TyperArgument)
        if zh:
            return f"缺少{'参数' if is_arg else '选项'} {name}"
        return f"missing {'argument' if is_arg else 'option'} {name}"
    if isinstance(exc, BadParameter):
        name = _param_name(exc)
        wants = _wants(exc, zh)
        if zh:
            return f"{name} 的值无效:{wants or exc.message}"
        return f"invalid value for {name}: {wants or exc.message}"
    if isinstance(exc, BadArgumentUsage):
        return f"参数用法错误:{exc.message}" if zh else f"wrong use of an argument: {exc.message}"
    no_command = re.fullmatch(r"No such command '(.*)'\.", exc.message)
    if no_command:
        commands = ""
        if exc.ctx is not None:
            names = exc.ctx.command.list_commands(exc.ctx)  # type: ignore[attr-defined]
            commands = ", ".join(names)
        if zh:
            return f"没有命令 {no_command.group(1)!r}(可用命令:{commands})"
        return f"no such command {no_command.group(1)!r} (commands: {commands})"
    extra = re.fullmatch(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", exc.message)
    if extra:
        return f"多余的参数:{extra.group(1)}" if zh else f"unexpected extra argument(s): {extra.group(1)}"
    if exc.message == "Missing command.":
        return "缺少命令" if zh else "missing command"
    return exc.format_message()


def usage_hint(exc: UsageError, lang: str) -> str:
    """The usage line and where help is: ``用法:geoplan layers [OPTIONS](帮助:geoplan layers --help)``."""
    if exc.ctx is None:
        return "帮助:geoplan --help" if lang == "zh" else "help: geoplan --help"
    usage = exc.ctx.get_usage().removeprefix("Usage:").strip()
    path = exc.ctx.command_path
    if lang == "zh":
        return f"用法:{usage}(帮助:{path} --help)"
    return f"usage: {usage} (help: {path} --help)"
