"""Which figures on disk no longer match their inputs: the stale marks of the report (step 14)
and of the seed table run_sample.py prints at the end.

A figure is stale when an input it was made from, or an input of that input back along the
chain, has been remade since (rerun.stale_reason): e.g. F_in retrained by `--steps 1,14` while
the seeds, masks and Table 3 still come from the old one. The next run of the chain
remakes them.
"""
import os

from misc.chain import layout, rerun
from misc.chain.rows import seg_rows, selected_rows

# table file -> the per-row evaluation it is built from
TABLES = {"seed_table.txt": layout.seed_eval, "table2.txt": layout.mask_eval, "table3.txt": layout.seg_eval}


def stale_notes(args, tables=tuple(TABLES)):
    """{table: one line for a reader} for each of `tables` (TABLES keys) that has a stale row;
    the chain is followed once for all of them."""
    seen, notes = {}, {}
    for table in tables:
        rows_of = seg_rows if table == "table3.txt" else selected_rows
        try:
            rows = rows_of(args)
        except FileNotFoundError:  # no trained classifier yet: nothing to mark
            return notes
        found = {}
        for row in rows:
            path = TABLES[table](args, row)
            reason = rerun.stale_reason(path, seen) if os.path.isfile(path) else None
            if reason:
                found[row] = reason
        if found:
            notes[table] = (f"STALE: made from inputs remade since: "
                            f"{', '.join(f'{row} ({why})' for row, why in found.items())}; "
                            f"rerun the chain with the same flags to remake them (current steps are skipped)")
    return notes
