"""Which trained classifiers a run has, and where each one's outputs go.

"baseline" is F_in (step 1), "wood" (or --wood_name) the W-OoD classifier (step 4); each gets its own folder
result/<run>/<model>/ so steps 5-10 can run for both without overwriting each other.
"""
import os


def checkpoint_of(args, model):
    """baseline -> --cam_weights_name; any other name -> sess/<run>/cam_<name>.pth (step 4's)."""
    if model == "baseline":
        return args.cam_weights_name
    return os.path.join(args.sess_dir, f"cam_{model}.pth")


def selected_models(args):
    """--cam_models: a comma list, or auto = baseline and --wood_name, those whose checkpoint exists."""
    if args.cam_models == "auto":
        models = [m for m in ("baseline", args.wood_name) if os.path.isfile(checkpoint_of(args, m))]
        if not models:
            raise FileNotFoundError(f"no trained classifier found ({checkpoint_of(args, 'baseline')}); run step 1")
        return models
    return [m.strip() for m in args.cam_models.split(",") if m.strip()]


def model_dir(args, model):
    return os.path.join(args.result_dir, model)


def output_dir(args, model, models, override, flag, folder):
    """result/<run>/<model>/<folder>, or the official-style explicit folder `override`, which
    names one folder and so is allowed only when a single classifier is selected."""
    if override:
        if len(models) > 1:
            raise ValueError(f"{flag} names one folder; use it with a single --cam_models entry")
        return override
    return os.path.join(model_dir(args, model), folder)


def cam_dir(args, model, models):
    return output_dir(args, model, models, args.cam_out_dir, "--cam_out_dir", "cam")


def ir_label_dir(args, model, models):
    return output_dir(args, model, models, args.ir_label_out_dir, "--ir_label_out_dir", "ir_label")


def sem_seg_dir(args, model, models):
    return output_dir(args, model, models, args.sem_seg_out_dir, "--sem_seg_out_dir", "sem_seg")
