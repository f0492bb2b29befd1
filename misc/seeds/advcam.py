"""AdvCAM seeds: anti-adversarial climbing of the image (Lee et al., CVPR 2021, Sec. 3).

W-OoD's best rows (Table 1 seed 59.1, Table 2 mask 72.1, Table 3 69.8/70.7) are AdvCAM seeds
made from the W-OoD classifier. AdvCAM is post-hoc: the classifier is fixed, the image moves.
For a labelled class c and an image pair x^0 (the image and its flip, as in CAM inference):

    x^{t+1} = clip(x^t + xi * g / max|g|),  g = d S(x^t) / d x^t           (climbing step)
    S(x)    = y_c(x) - sum_{k != c} y_k(x) - lambda * || M ⊙ |A(x) - A(x^0)| ||_1
    M       = 1[A(x^t) > score_th * max A(x^t)]                               (restricting mask)
    seed    = sum_{t=0}^{T-1} A(x^t)

with A the class-c Grad-CAM of the image plus that of the flip, mapped back, at the output stride.
Subtracting the other classes' logits keeps the climb from raising them; the masked L1 term keeps
regions that are already strong from growing, so the gain spreads to the rest of the object.
xi = --AD_stepsize (0.08), lambda = --AD_coeff (7), score_th = --score_th (0.5), T = --adv_iter (27).

A is the release's Grad-CAM (gradCAM.py): channel weights = the gradient of sum_p ReLU(w_c . f)
summed over pixels and divided by the number of positive gradient entries of the pair. For the
GAP + linear head this is exactly the CAM ReLU(w_c . f) times a detached scalar per image,
P_b / (n_c * (P_1 + P_2)), with P_b the pixels where w_c . f > 0 and n_c the positive entries of
w_c (`gradcam_scale`). The scale matters: lambda = 7 weighs the L1 change of this map, about
1/(2 n_c) of the CAM (n_c ~ 1000 for ResNet-50). `adv_map="cam"` uses the CAM itself, with
which lambda = 7 holds the strong region so hard that the climb oscillates (docs/differences.md, AdvCAM).

Differences from the official AdvCAM release (obtain_CAM_masking.py), documented in docs/differences.md:
- y is the classifier's logit GAP(w . f) (the paper's y); `logit_form="relu_gap"` is the
  release's GAP(ReLU(w . f)).
- Every scale climbs T steps. The release climbs T // 2 steps at scale 0.5 (for T > 10) and
  multiplies its maps by 2, but the factor is never reset, so every later scale is doubled as
  well and the net effect is only fewer steps at 0.5: `release_small_scale_steps`, flag
  --adv_half_iter_small_scale.
- Images are clipped to the range of x^0; the release clips to the range of the current x^t,
  which only ever shrinks from x^0's.
- The labelled classes climb together as one batch (independent copies; batch norm is in eval
  mode, so the result is the same as one class at a time, in fewer passes).
"""
import torch
import torch.nn.functional as F

from misc.chain.amp import autocast_of

LOGIT_FORMS = ("logit", "relu_gap")
ADV_MAPS = ("gradcam", "cam")


def release_small_scale_steps(adv_iter):
    """Steps the release climbs at scale 0.5: T // 2 for T > 10, T for T < 6, else 5."""
    if adv_iter > 10:
        return adv_iter // 2
    return adv_iter if adv_iter < 6 else 5


def climb_step(x, grad, step_size, low, high):
    """x, grad: (K, ...) one climbing copy per class. x + xi * g / max|g| (max over each copy),
    clipped to [low, high]."""
    peak = grad.flatten(1).abs().amax(dim=1).clamp_min(1e-12)
    x = x + step_size * grad / peak.view(-1, *([1] * (grad.dim() - 1)))
    return x.clamp(low, high)


def restricting_mask(maps, score_th):
    """maps: (K, h, w) -> float mask, 1 where a map exceeds score_th times its own max (AdvCAM's M).
    An all-zero map gives an all-zero mask (the release's 0/0 comparison is False too)."""
    peak = maps.flatten(1).amax(dim=1).view(-1, 1, 1)
    return (maps > score_th * peak).float()


def class_logits(raw, logit_form):
    """raw: (..., C, h, w) class maps before ReLU -> (..., C) logits y."""
    if logit_form not in LOGIT_FORMS:
        raise ValueError(f"logit_form must be one of {LOGIT_FORMS}, got {logit_form!r}")
    return (F.relu(raw) if logit_form == "relu_gap" else raw).mean(dim=(-2, -1))


def target_margin(logits, keys):
    """logits: (K, 2, C), keys: (K,) -> (K,) y_c - sum_{k != c} y_k summed over the image pair."""
    target = logits.gather(2, keys.view(-1, 1, 1).expand(-1, logits.shape[1], 1)).squeeze(2)
    return (2 * target - logits.sum(dim=2)).sum(dim=1)


def gradcam_scale(raw_target, weights):
    """The release's Grad-CAM of a GAP + linear head as a multiple of the CAM.

    raw_target: (K, 2, h, w) pre-ReLU maps of each copy's class; weights: (K, D) those classes'
    classifier rows. Returns detached (K, 2) scales P_b / (n_c * (P_1 + P_2)); 0 when no pixel
    is positive (the release's division by 0 + 1e-12 of a zero sum).
    """
    positive = (raw_target.detach() > 0).flatten(2).sum(dim=2).float()
    entries = (weights.detach() > 0).sum(dim=1, keepdim=True).float() * positive.sum(dim=1, keepdim=True)
    return torch.where(entries > 0, positive / entries.clamp_min(1.0), torch.zeros_like(positive))


def pair_maps(raw, keys, weights=None):
    """raw: (K, 2, C, h, w) -> (K, h, w): copy k's map of class keys[k] for the image plus the
    flip mapped back; the CAM, or with weights ((C, D) classifier) the release's Grad-CAM."""
    index = keys.view(-1, 1, 1, 1, 1).expand(-1, 2, 1, *raw.shape[-2:])
    raw_target = raw.gather(2, index).squeeze(2)
    maps = F.relu(raw_target)
    if weights is not None:
        maps = maps * gradcam_scale(raw_target, weights[keys])[:, :, None, None]
    return maps[:, 0] + maps[:, 1].flip(-1)


def advcam_maps(net, pair, keys, adv_iter=27, step_size=0.08, ad_coeff=7.0, score_th=0.5,
                logit_form="logit", class_batch=0, adv_map="gradcam"):
    """AdvCAM seeds of `keys` for one image pair at one scale.

    net: CAMNet (eval mode); pair: (2, 3, h, w) image and its flip; keys: (K,) class indices.
    Returns (K, h/os, w/os): sum over t = 0..T-1 of A(x^t), the image climbed for each class
    separately. class_batch > 0 climbs at most that many classes at once (GPU memory).
    adv_map: "gradcam" (the release's map A, default) or "cam".
    """
    if adv_iter < 1:
        raise ValueError(f"adv_iter must be >= 1, got {adv_iter}")
    if adv_map not in ADV_MAPS:
        raise ValueError(f"adv_map must be one of {ADV_MAPS}, got {adv_map!r}")
    chunk = class_batch if class_batch > 0 else max(len(keys), 1)
    return torch.cat([_climb(net, pair, keys[i:i + chunk], adv_iter, step_size, ad_coeff, score_th, logit_form,
                             adv_map) for i in range(0, len(keys), chunk)])


def _climb(net, pair, keys, adv_iter, step_size, ad_coeff, score_th, logit_form, adv_map):
    K = len(keys)
    low, high = pair.min(), pair.max()
    x = pair.detach().unsqueeze(0).repeat(K, 1, 1, 1, 1)
    total, init = 0.0, None
    for t in range(adv_iter):
        x.requires_grad_(True)
        with torch.enable_grad():
            with autocast_of(net):  # --amp: the network in bf16 / fp16, the climb's arithmetic in fp32
                raw = F.conv2d(net.backbone(x.flatten(0, 1)), net.classifier.weight)
            raw = raw.float().unflatten(0, (K, 2))
            maps = pair_maps(raw, keys, net.classifier.weight.flatten(1) if adv_map == "gradcam" else None)
            if init is None:
                init = maps.detach()
            total = total + maps.detach()
            if t == adv_iter - 1:
                break  # the last map is counted; a further step would not be
            mask = restricting_mask(maps.detach(), score_th)
            penalty = ((maps - init).abs() * mask).flatten(1).sum(dim=1)
            score = target_margin(class_logits(raw, logit_form), keys) - ad_coeff * penalty
            grad, = torch.autograd.grad(score.sum(), x)
        x = climb_step(x.detach(), grad, step_size, low, high)
    return total
