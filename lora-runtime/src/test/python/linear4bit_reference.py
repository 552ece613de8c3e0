"""bitsandbytes' Linear4bit on the CPU (forward and backward), for Linear4bitParityTest.

Usage: linear4bit_reference.py <float32|bfloat16> <nf4|fp4> <double_quant 0|1>
A Linear4bit(128 -> 48, no bias; in_features a multiple of the block size: bitsandbytes 0.50.2's AVX2 CPU
dequantizer scales with the wrong absmax when a block straddles two rows, e.g. 80 inputs, see docs/QLORA.md) over a seeded weight in the given dtype, compute dtype = that dtype,
block size 64, in training mode with x requiring grad (bitsandbytes' inference-only fused CPU kernel is
not taken). Prints the weight (as float32 values of the given dtype), x, dy, y and dx as JSON.
"""
import json
import sys

import torch
import bitsandbytes as bnb

dtype = getattr(torch, sys.argv[1])
quant_type = sys.argv[2]
double_quant = sys.argv[3] == "1"

g = torch.Generator().manual_seed(3)
w = (torch.randn(48, 128, generator=g) * 0.1).to(dtype)
layer = bnb.nn.Linear4bit(128, 48, bias=False, compute_dtype=dtype, compress_statistics=double_quant,
                          quant_type=quant_type)
layer.weight = bnb.nn.Params4bit(w.clone(), requires_grad=False, compress_statistics=double_quant,
                                 quant_type=quant_type, blocksize=64)._quantize("cpu")
layer.train()
x = torch.randn(2, 3, 128, generator=g).to(dtype).requires_grad_(True)
dy = torch.randn(2, 3, 48, generator=g).to(dtype)
y = layer(x)
y.backward(dy)
assert layer.weight.grad is None


def flat(t):
    return t.detach().float().reshape(-1).tolist()


print(json.dumps({"w": flat(w), "x": flat(x), "dy": flat(dy), "y": flat(y), "dx": flat(x.grad),
                  "y_dtype": str(y.dtype).replace("torch.", "")}))
