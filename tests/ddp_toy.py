"""A toy run of misc/chain/engine.fit, under torchrun or alone (tests/test_distributed.py):

    python tests/ddp_toy.py OUT                                  # one process
    torchrun --standalone --nproc_per_node 2 tests/ddp_toy.py OUT
    torchrun --standalone --nproc_per_node 3 tests/ddp_toy.py OUT 8 uneven   # shares 3, 3, 2, weighted

A linear model on 32 fixed points, global batch 8, 3 epochs, SGD with momentum, no augmentation
and no random draw in the loss: the ranks' shares of each global batch together are the one
process's batch, so the loss curve and the weights agree to float rounding (the order in which
the gradient mean is summed). Rank 0 writes OUT/result.json.
"""
import json
import os
import sys

import torch
from torch.utils.data import TensorDataset

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from misc.chain import distributed, engine  # noqa: E402
from misc.torchutils import make_loader  # noqa: E402


def main(out, batch=8, uneven=False):
    device = torch.device("cpu")
    distributed.init(device)
    torch.manual_seed(0)
    x, y = torch.randn(32, 4), torch.randn(32, 1)
    net = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(engine.with_base_lr([{"params": net.parameters(), "lr": 0.1}]), momentum=0.9)
    loader = make_loader(TensorDataset(x, y), batch, True, seed=3, drop_last=True)
    seen = []

    def loss_of(model, batch):
        seen.extend(batch[1][:, 0].tolist())
        return ((model(batch[0]) - batch[1]) ** 2).mean(), {}

    checkpoint = engine.fit(net, opt, loader, loss_of, path=os.path.join(out, "toy.pth"), epochs=3, seed=5,
                            made_from={"toy": 1}, model_args={}, config={}, log_path=os.path.join(out, "log.jsonl"),
                            device=device, uneven=uneven)
    everyone = [None] * distributed.world_size()
    if distributed.active():
        torch.distributed.all_gather_object(everyone, seen)
    else:
        everyone = [seen]
    if distributed.is_main():
        with open(os.path.join(out, "result.json"), "w") as f:
            json.dump({"losses": [r["loss"] for r in checkpoint["history"]], "seen": everyone,
                       "weights": torch.cat([p.detach().reshape(-1) for p in net.parameters()]).tolist()}, f)
    distributed.close()


if __name__ == "__main__":
    # OUT [BATCH uneven]: a global batch that does not divide by the ranks, shared unevenly
    main(sys.argv[1], *([int(sys.argv[2]), True] if len(sys.argv) > 2 else []))
