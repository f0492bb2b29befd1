"""Relations between flags, checked at parse time (each flag's own range is its argparse type in
misc/chain/flags.py; what is left are rules that tie two flags together)."""


def flag_problems(args):
    """A list of messages, one per broken relation (empty when all hold)."""
    problems = []
    if args.conf_fg_thres <= args.conf_bg_thres:
        problems.append(f"--conf_fg_thres {args.conf_fg_thres} must be above --conf_bg_thres {args.conf_bg_thres} "
                        f"(confident foreground needs a higher CAM score than confident background)")
    return problems
