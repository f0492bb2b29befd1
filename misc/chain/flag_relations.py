"""Every numeric flag checked at parse time, so nonsense stops before any work with the flag's name.

Ranges come from what each value means (a threshold is a fraction, a count is not negative, a
batch holds at least one image); relations between flags (IRN's foreground threshold above its
background one, a resize range that does not run backwards) are checked here too.
"""

FRACTIONS = ("ood_score_thres", "cam_eval_thres", "conf_fg_thres", "conf_bg_thres", "sem_seg_bg_thres", "score_th",
             "syn_cooccurrence", "syn_multi_label_rate")
POSITIVE_FRACTIONS = ("ood_dist_topk",)
AT_LEAST_ONE = ("cluster_K", "cam_batch_size", "irn_batch_size", "pretrain_batch_size", "ood_batch_size",
                "cam_num_epoches", "wood_num_epoches", "irn_num_epoches", "pretrain_epochs", "pretrain_num_images",
                "cam_crop_size", "irn_crop_size", "syn_image_size", "syn_n_train", "syn_n_val", "adv_iter",
                "crf_workers", "ood_score_batch_size")
NOT_NEGATIVE = ("distance_lambda", "ood_coeff", "AD_coeff", "AD_stepsize", "exp_times", "in_num", "ood_num",
                "infer_num", "ood_num_max", "ood_per_class_max", "num_workers", "adv_class_batch", "cam_weight_decay",
                "irn_weight_decay", "cam_momentum", "ood_adv_eps", "vis_num", "syn_n_probe_per_class",
                "syn_n_ood_hard", "syn_n_ood_easy", "syn_n_ood_positive", "cam_frozen_stages", "ood_feature_size",
                "irn_infer_pad")
POSITIVE = ("cam_learning_rate", "wood_learning_rate", "irn_learning_rate", "pretrain_learning_rate", "irn_radius",
            "rw_radius", "beta", "np_power")


def flag_problems(args):
    """A list of messages, one per bad flag (empty when all are fine)."""
    problems = []

    def check(name, ok, rule):
        value = getattr(args, name)
        if value is not None and not ok(value):
            problems.append(f"--{name} {value}: {rule}")

    for name in FRACTIONS:
        check(name, lambda v: 0.0 <= v <= 1.0, "must lie in [0, 1]")
    for name in POSITIVE_FRACTIONS:
        check(name, lambda v: 0.0 < v <= 1.0, "must lie in (0, 1]")
    for name in AT_LEAST_ONE:
        check(name, lambda v: v >= 1, "must be at least 1")
    for name in NOT_NEGATIVE:
        check(name, lambda v: v >= 0, "must not be negative")
    for name in POSITIVE:
        check(name, lambda v: v > 0, "must be positive")
    check("ood_class_mask", lambda v: v >= -1, "is a class index, or -1 for off")
    check("cam_scales", lambda v: len(v) > 0 and all(s > 0 for s in v), "every scale must be positive")
    for name in ("cam_resize_long", "irn_resize_long"):
        check(name, lambda v: len(v) == 2 and 0 < v[0] <= v[1], "takes min,max with 0 < min <= max")
    check("irn_scale_range", lambda v: len(v) == 2 and 0 < v[0] <= v[1], "takes min,max with 0 < min <= max")
    # The label grid (round(crop / 4)) must equal the network's (ceil(crop / 4)).
    check("irn_crop_size", lambda v: v % 4 == 0, "must be a multiple of 4 (the stride-4 label grid)")
    check("cam_frozen_stages", lambda v: v <= 4, "the backbones have 4 residual stages")
    check("cam_eval_sweep", lambda v: len(v) == 3 and v[0] <= v[1] and v[2] > 0, "takes start,stop,step with step > 0")
    check("small_widths", lambda v: len(v) == 4 and all(w >= 1 for w in v), "takes four positive widths")
    if not problems and args.conf_fg_thres <= args.conf_bg_thres:
        problems.append(f"--conf_fg_thres {args.conf_fg_thres} must be above --conf_bg_thres {args.conf_bg_thres} "
                        f"(confident foreground needs a higher CAM score than confident background)")
    return problems
