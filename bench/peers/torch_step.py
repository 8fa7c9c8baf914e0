"""Du et al.'s empirical GD step in PyTorch, written as a researcher in this field would.

The peer bench/peers/torch.ts runs: one weight-normalised filter over non-overlapping patches, a
learned output layer, full batch, hand-written gradients (no autograd, as the TF.js peer), the
patches arranged once as an [n*K, p] matrix, restarts on the leading axis. Reads one JSON request
on stdin, writes one JSON answer on stdout:

  request: {threads, R, p, K, n, lr, steps, X (n*K*p patch rows), y (n), v0 (R*p), a0 (R*K)}
  answer:  {torch, threads, initialLoss (R), v (R*p), a (R*K), ms}

`ms` times steps 2..steps (the first step, which also yields the initial losses, is the warm-up).
"""

import json
import sys
import time

import torch


def main() -> None:
    req = json.load(sys.stdin)
    torch.set_num_threads(int(req["threads"]))
    R, p, K, n = (int(req[k]) for k in ("R", "p", "K", "n"))
    lr = float(req["lr"])
    steps = int(req["steps"])
    f32 = torch.float32
    X = torch.tensor(req["X"], dtype=f32).reshape(n * K, p)
    Xt = X.t().contiguous()
    y = torch.tensor(req["y"], dtype=f32).reshape(1, n, 1)
    V = torch.tensor(req["v0"], dtype=f32).reshape(R, p)
    A = torch.tensor(req["a0"], dtype=f32).reshape(R, K)

    def step() -> torch.Tensor:
        norm = V.norm(dim=1, keepdim=True)  # [R, 1]
        W = V / norm  # [R, p]
        Z = (W @ Xt).reshape(R, n, K)  # z[r, s, i] = <w_r, x_{s,i}>
        H = torch.relu(Z)
        f = H @ A.reshape(R, K, 1)  # [R, n, 1]
        res = f - y
        loss = 0.5 * res.square().mean(dim=(1, 2))  # [R]
        gA = (H.transpose(1, 2) @ res).reshape(R, K) / n
        back = res * A.reshape(R, 1, K) * (Z > 0)  # r * a * relu'(z), [R, n, K]
        gW = back.reshape(R, n * K) @ X / n  # [R, p]
        # Weight normalisation: dL/dv = (I - w w^T) dL/dw / |v|.
        gV = (gW - (gW * W).sum(dim=1, keepdim=True) * W) / norm
        V.sub_(lr * gV)
        A.sub_(lr * gA)
        return loss

    with torch.no_grad():
        initial = step()
        t0 = time.perf_counter()
        for _ in range(1, steps):
            step()
        ms = (time.perf_counter() - t0) * 1000
    json.dump(
        {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "initialLoss": initial.tolist(),
            "v": V.flatten().tolist(),
            "a": A.flatten().tolist(),
            "ms": ms,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
