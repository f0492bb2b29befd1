"""The chain's machinery: what runs the steps, not what they compute.

Flags and presets (flags, cli, flag_relations), the output layout (layout) and the rows of the
tables (row_names, rows), the one rerun rule (rerun) and the stale marks it allows (staleness),
the one training engine (engine) and its checkpoint files (checkpoints), mixed precision (amp),
several processes under torchrun (distributed), the thread rule (threads), peak memory
(memory), progress bars (progress), seeded subsets of the data (subsets) and the errors a user
can fix (errors). A change to how steps are run, resumed or skipped goes here; a change to the
method does not.
"""
