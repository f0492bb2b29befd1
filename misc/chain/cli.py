"""Command-line parsing for run_sample.py: booleans that parse both ways, tuples, step selections
by number or name, and --help that shows each preset's value of a flag."""
import argparse


def str2bool(value):
    """argparse type for booleans that parse both ways (true/false, 1/0, yes/no)."""
    if isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "y", "on"):
        return True
    if lowered in ("false", "0", "no", "n", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got '{value}'")


def float_tuple(value):
    return tuple(float(v) for v in value.split(","))


def int_tuple(value):
    return tuple(int(v) for v in value.split(","))


class StepParsers:
    """argparse types over a chain of (number, name, module) steps."""

    def __init__(self, chain, overwrite_true):
        self.chain, self.names, self.overwrite_true = chain, [name for _, name, _ in chain], tuple(overwrite_true)

    def index(self, token):
        """A step by number ("4", "0b") or name ("train_wood") -> its position in the chain."""
        token = token.strip()
        for index, (number, name, _) in enumerate(self.chain):
            if token in (number, name):
                return index
        raise argparse.ArgumentTypeError(f"unknown step {token!r}; steps: " +
                                         ", ".join(f"{n} {m}" for n, m, _ in self.chain))

    def selection(self, value):
        """--steps: comma list of steps and ranges by number or name ("4-6", "0-1,8", "make_cam")."""
        chosen = set()
        for part in value.split(","):
            if not part.strip():
                continue
            low, _, high = part.partition("-") if "-" in part.strip("-") else (part, "", "")
            first, last = self.index(low), self.index(high) if high else self.index(low)
            if first > last:
                raise argparse.ArgumentTypeError(f"--steps {part!r}: the range runs backwards")
            chosen.update(self.names[first:last + 1])
        if not chosen:
            raise argparse.ArgumentTypeError("--steps selects no step")
        return tuple(n for n in self.names if n in chosen)

    def overwrite(self, value):
        """--overwrite: false | true (the run's own steps) | all | a comma list of names or numbers."""
        lowered = value.strip().lower()
        if lowered == "all":
            return tuple(self.names)
        if lowered in ("true", "yes", "on"):
            return self.overwrite_true
        if lowered in ("false", "no", "off", "none", ""):
            return ()
        return tuple(self.names[self.index(t)] for t in value.split(",") if t.strip())  # numbers are steps


def help_formatter(presets):
    """A formatter whose help shows each flag's default and, where a preset changes it, its value."""

    class HelpFormatter(argparse.RawDescriptionHelpFormatter):
        def _get_help_string(self, action):
            text, extra = action.help or "", ""
            if action.default is not argparse.SUPPRESS and action.option_strings and action.nargs != 0:
                extra = f" (default: {_shown(action.default)}"
                by_preset = [f"{n}: {_shown(v[action.dest])}" for n, v in sorted(presets.items()) if action.dest in v]
                extra += "; " + ", ".join(by_preset) + ")" if by_preset else ")"
            return text + extra.replace("%", "%%")  # help texts are already %-escaped; the values are not

    return HelpFormatter


def _shown(value):
    return ",".join(str(v) for v in value) if isinstance(value, (tuple, list)) else str(value)


def check_presets(parser, presets):
    """A preset key that is not a flag is an error (a misspelt key would be silently ignored)."""
    dests = {a.dest for a in parser._actions}
    for name, values in presets.items():
        unknown = sorted(set(values) - dests)
        if unknown:
            raise ValueError(f"preset {name!r} sets unknown flags: {unknown}")
