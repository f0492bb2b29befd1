"""--amp for every network: bf16 (or fp16) autocast inside the network's own forward methods, fp32 out.

A network's `amp` attribute (False unless a step sets it from --amp: True for bf16, "fp16" for
fp16) turns on torch.autocast(<its device>, bfloat16 or float16) around `forward` and the other
methods the steps call
(class maps, boundaries); what comes out is cast back to float32, so the losses, CAMs, random
walks, metrics and numpy conversions after it run in fp32 as without --amp. bf16 on CUDA, and
on CPUs with native bf16: on a CPU with AMX bf16 the small backbone's forward ran 4.8x and its
forward + backward 2.8x faster than fp32; on one without (AVX2 only) bf16 is emulated and a
training step ran 12-20x slower (docs/speed.md), so the run warns there. fp16 is for GPUs without bf16
(pre-Ampere): its narrow range needs the loss scaled in training, which the engine does with a
GradScaler (`grad_scaler`)."""
import contextlib
import functools

import torch


def bf16_when_asked(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if not getattr(self, "amp", False):
            return method(self, *args, **kwargs)
        device_type = next(self.parameters()).device.type
        with torch.autocast(device_type, dtype=autocast_dtype(self.amp)):
            out = method(self, *args, **kwargs)
        return _as_float(out)
    return wrapper


def slow_bf16_warning(amp, device):
    """The warning for bf16 on a CPU that only emulates it (None where it is native or not asked)."""
    if device.type != "cpu" or amp in (False, "fp16"):
        return None
    if torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return None
    return ("--amp bf16 on a CPU without native bf16 (no AVX512-BF16 / AMX): bf16 is emulated, training steps "
            "ran 12-20x slower than fp32 on such a CPU (docs/speed.md); --amp false is faster here")


def autocast_dtype(amp):
    return torch.float16 if amp == "fp16" else torch.bfloat16


def autocast_of(net):
    """The autocast region of `net`'s --amp mode (nothing when off), for code that runs parts of a
    network itself (AdvCAM's climb calls the backbone and the classifier directly)."""
    if not getattr(net, "amp", False):
        return contextlib.nullcontext()
    return torch.autocast(next(net.parameters()).device.type, dtype=autocast_dtype(net.amp))


def grad_scaler(amp, device):
    """A GradScaler for fp16 training (None otherwise: bf16 and fp32 need no loss scaling)."""
    if amp != "fp16":
        return None
    return torch.amp.GradScaler(torch.device(device).type)


def _as_float(out):
    if isinstance(out, torch.Tensor):
        return out.float() if out.is_floating_point() else out
    if isinstance(out, tuple) and hasattr(out, "_fields"):  # a namedtuple
        return type(out)(*(_as_float(o) for o in out))
    if isinstance(out, (tuple, list)):
        return type(out)(_as_float(o) for o in out)
    if isinstance(out, dict):
        return {k: _as_float(v) for k, v in out.items()}
    return out


def amp_record(args):
    """--amp's entry in an inference step's made-from record: only when on, so the outputs made
    before the flag reached inference steps stay current (fp32 is what they were made with)."""
    return {"amp": args.amp} if args.amp else {}


def set_amp(net, mode):
    """Autocast for `net`: False (off), True (bf16) or "fp16"; returns the net."""
    net.amp = mode if mode == "fp16" else bool(mode)
    return net
