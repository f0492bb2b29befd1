"""The method of paper Sec. 3 as functions, each docstring naming its equation or table.

Hard-OoD mining (Sec. 3.1: ood_mining, candidate scoring in scoring and resumable_scoring), the
cluster centres P_in and P_ood (Sec. 3.2: clustering), the losses Eq. 1-4 (wood_loss), what the
two classifier-training steps share (cam_training), the paper's ablation settings (ablations) and
the official release's extra OoD term (release_ood_climb). A change to W-OoD itself goes here;
the steps only wire these together.
"""
