"""The paper's ablation settings as flag sets, shared by the reproduction script and its tests.

Table 5 (loss ablation; the text of Sec. 4.3.2 fixes which terms each column holds):
    (a) L_cls(D_in)                                  -> the baseline F_in itself (49.5)
    (b) L_cls(D_in) + L_cls(D_ood)                   (50.0)
    (c) L_cls(D_in) + L_d push(D_ood)                (52.5)
    (d) L_cls(D_in) + L_cls(D_ood) + L_d pull(D_in)  (50.2)
    (e) L_cls(D_in) + L_cls(D_ood) + L_d push        (52.3)
    (f) all four terms: W-OoD                        (53.3)
"""

TERMS = ("wood_cls_in", "wood_cls_ood", "wood_pull", "wood_push")

TABLE5 = {
    "b": ("wood_cls_in", "wood_cls_ood"),
    "c": ("wood_cls_in", "wood_push"),
    "d": ("wood_cls_in", "wood_cls_ood", "wood_pull"),
    "e": ("wood_cls_in", "wood_cls_ood", "wood_push"),
    "f": TERMS,
}
# Fine-tuning F_in for the same steps with no OoD data: extra training is not the method's gain.
CONTROL = ("wood_cls_in",)


def term_flags(enabled):
    """['--wood_cls_in', 'true', ...] switching on exactly the `enabled` terms."""
    flags = []
    for term in TERMS:
        flags += [f"--{term}", "true" if term in enabled else "false"]
    return flags
