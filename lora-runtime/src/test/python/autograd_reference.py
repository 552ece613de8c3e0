"""Gradients of a composite function, computed by PyTorch, for AutogradTest.

f(x, w, b, e) = sum(softmax(tanh(x·wᵀ + b)·2, -1) · log_softmax(x·wᵀ, -1))
              + mean(gelu_tanh(x)² ) + mean(rsqrt(x² + 1)) + sum(embedding(e, ids)) · 0.5
              + cross_entropy(x·wᵀ, targets, ignore_index=-100)
              + sum(gelu_tanh(x) · (x/2 + 1)) + mean(gelu(x·wᵀ) · b)   (lora4j: Tensor.geluMul, broadcasting)
Prints inputs, the value and every gradient as JSON (float64).
"""
import json

import torch
import torch.nn.functional as F

g = torch.Generator().manual_seed(7)
x = torch.randn(4, 5, generator=g, dtype=torch.float64, requires_grad=True)
w = torch.randn(3, 5, generator=g, dtype=torch.float64, requires_grad=True)
b = torch.randn(3, generator=g, dtype=torch.float64, requires_grad=True)
e = torch.randn(6, 5, generator=g, dtype=torch.float64, requires_grad=True)
ids = torch.tensor([[0, 5, 2], [2, 2, 1]])
targets = torch.tensor([0, 2, -100, 1])

h = x @ w.T
f = (torch.softmax(torch.tanh(h + b) * 2, -1) * torch.log_softmax(h, -1)).sum()
f = f + (F.gelu(x, approximate="tanh") ** 2).mean() + torch.rsqrt(x * x + 1).mean()
f = f + F.embedding(ids, e).sum() * 0.5
f = f + F.cross_entropy(h, targets, ignore_index=-100)
f = f + (F.gelu(x, approximate="tanh") * (x * 0.5 + 1)).sum() + (F.gelu(h) * b).mean()
f.backward()


def flat(t):
    return t.detach().flatten().tolist()


print(json.dumps({
    "x": flat(x), "w": flat(w), "b": flat(b), "e": flat(e),
    "ids": flat(ids), "targets": flat(targets),
    "value": f.item(),
    "grad_x": flat(x.grad), "grad_w": flat(w.grad), "grad_b": flat(b.grad), "grad_e": flat(e.grad),
}))
