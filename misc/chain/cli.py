"""Command-line parsing for run_sample.py: booleans that parse both ways, tuples, step selections
by number or name, and --help that shows each preset's value of a flag."""
import argparse

from misc.chain.errors import BadInput


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


def amp_mode(value):
    """--amp: false (fp32), true or bf16 (bf16 autocast), fp16 (fp16 autocast + a GradScaler in
    training, for GPUs without bf16). bf16 parses to True, so records made with `--amp true` stay
    current; fp16 parses to "fp16"."""
    if isinstance(value, (bool, str)) and str(value).strip().lower() in ("bf16", "bfloat16"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("fp16", "float16", "half"):
        return "fp16"
    try:
        return str2bool(value)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected false, true (= bf16), bf16 or fp16, got '{value}'") from None


def float_tuple(value):
    return tuple(float(v) for v in value.split(","))


def int_tuple(value):
    return tuple(int(v) for v in value.split(","))


def ranged(convert, ok, rule, name):
    """An argparse type: `convert` the text, then refuse a value outside `rule`. argparse puts the
    flag's name in front of the message ("argument --cluster_K: 0: must be at least 1")."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {name}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"{text}: {rule}")
        return value

    parse.__name__, parse.rule = name, rule
    return parse


# A flag's range is part of its definition: each numeric flag of run_sample.py takes one of these.
fraction = ranged(float, lambda v: 0.0 <= v <= 1.0, "must lie in [0, 1]", "a fraction")
positive_fraction = ranged(float, lambda v: 0.0 < v <= 1.0, "must lie in (0, 1]", "a fraction")
positive = ranged(float, lambda v: v > 0, "must be positive", "a number")
not_negative = ranged(float, lambda v: v >= 0, "must not be negative", "a number")
count = ranged(int, lambda v: v >= 0, "must not be negative", "an integer")
at_least_one = ranged(int, lambda v: v >= 1, "must be at least 1", "an integer")
synthetic_class_count = ranged(int, lambda v: 2 <= v <= 10, "must lie in 2..10 (the synthetic set draws 10 classes)",
                               "an integer")
class_index_or_off = ranged(int, lambda v: v >= -1, "is a class index, or -1 for off", "an integer")
frozen_stages = ranged(int, lambda v: 0 <= v <= 4, "the backbones have 4 residual stages (0-4)", "an integer")
# The IR label grid (round(crop / 4)) must equal the network's (ceil(crop / 4)).
stride4_crop = ranged(int, lambda v: v >= 4 and v % 4 == 0, "must be a positive multiple of 4 (the stride-4 label grid)",
                      "an integer")
positive_floats = ranged(float_tuple, lambda v: len(v) > 0 and all(s > 0 for s in v),
                         "takes a comma list of positive numbers", "a comma list of numbers")
positive_ints = ranged(int_tuple, lambda v: len(v) > 0 and all(s >= 1 for s in v),
                       "takes a comma list of positive integers", "a comma list of integers")
four_widths = ranged(int_tuple, lambda v: len(v) == 4 and all(w >= 1 for w in v), "takes four positive widths",
                     "a comma list of integers")
int_range = ranged(int_tuple, lambda v: len(v) == 2 and 0 < v[0] <= v[1], "takes min,max with 0 < min <= max",
                   "a comma pair of integers")
float_range = ranged(float_tuple, lambda v: len(v) == 2 and 0 < v[0] <= v[1], "takes min,max with 0 < min <= max",
                     "a comma pair of numbers")
sweep = ranged(float_tuple, lambda v: len(v) == 3 and 0 <= v[0] <= v[1] <= 1 and v[2] > 0,
               "takes start,stop,step with 0 <= start <= stop <= 1 and step > 0", "three comma numbers")


def _sweep_or_off(text):
    return None if str(text).strip().lower() in ("off", "false", "none") else float_tuple(text)


optional_sweep = ranged(_sweep_or_off, lambda v: v is None or (len(v) == 3 and 0 <= v[0] <= v[1] <= 1 and v[2] > 0),
                        "takes start,stop,step with 0 <= start <= stop <= 1 and step > 0, or off",
                        "three comma numbers or off")


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
    """A preset key that is not a flag is an error (a misspelt key would be silently ignored), and
    so is a preset value outside its flag's range (argparse types only see what is typed)."""
    actions = {a.dest: a for a in parser._actions}
    for name, values in presets.items():
        unknown = sorted(set(values) - set(actions))
        if unknown:
            raise BadInput(f"preset {name!r} sets unknown flags: {unknown}")
        for dest, value in values.items():
            kind = actions[dest].type
            if kind is not None and value is not None and hasattr(kind, "rule"):
                try:
                    kind(_shown(value))
                except argparse.ArgumentTypeError as err:
                    raise BadInput(f"preset {name!r}: --{dest} {err}") from None
