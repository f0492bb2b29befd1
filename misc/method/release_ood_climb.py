"""The official release's OoD term, not in the paper: one anti-adversarial step on OoD images.

The release (step/train_cam_clustering.py, --ood_coeff > 0) raises each OoD image's top logit
by one step along its max-normalised input gradient (epsilon 0.07, clamped to the batch's value
range), then applies the zero-label loss to the perturbed image, skipping images whose top
class is class index 4 (VOC "bottle"). Available here behind --ood_adv_climb and
--ood_class_mask for comparison; the paper's Eq. 3 uses the plain OoD images.
"""
import torch


def climb_top_logit(net, img, epsilon):
    """img: (B, 3, H, W) -> perturbed copy (detached) with a higher top logit."""
    img = img.detach().clone().requires_grad_(True)
    logits, _ = net(img)
    grad, = torch.autograd.grad(logits.max(1).values.sum(), img)
    step = grad / (grad.abs().max() + 1e-12)
    return (img + epsilon * step).clamp(img.min().item(), img.max().item()).detach()


def class_mask(logits, masked_class):
    """(B,) bool: False where the top class is `masked_class` (the release's class-4 rule); -1 keeps all."""
    if masked_class < 0:
        return torch.ones(len(logits), dtype=torch.bool, device=logits.device)
    return logits.argmax(1) != masked_class
