"""PEFT's LoRA Linear on fixed weights, for LoraPeftParityTest.

Usage: peft_lora_linear_reference.py <float32|bfloat16> <use_rslora 0|1>
A module with one nn.Linear "q" (16 -> 12, bias) is wrapped by peft.get_peft_model (r=4, alpha=8,
dropout 0, target q); A and B are set to seeded non-zero values. For bfloat16 the base model is bf16
and PEFT keeps the adapter in float32 (autocast_adapter_dtype, its default). Prints x, dy, W, bias, A,
B, scale, y and the gradients of x, A and B (base weights are frozen, as PEFT leaves them) as JSON.
"""
import json
import sys

import torch
from peft import LoraConfig, get_peft_model

dtype = getattr(torch, sys.argv[1])
use_rslora = sys.argv[2] == "1"


class One(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.q = torch.nn.Linear(16, 12)

    def forward(self, x):
        return self.q(x)


torch.manual_seed(0)
model = One().to(dtype)
config = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q"], use_rslora=use_rslora,
                    init_lora_weights=True)
peft_model = get_peft_model(model, config)
layer = peft_model.base_model.model.q
g = torch.Generator().manual_seed(1)
with torch.no_grad():
    layer.lora_A["default"].weight.copy_(torch.randn(4, 16, generator=g) * 0.3)
    layer.lora_B["default"].weight.copy_(torch.randn(12, 4, generator=g) * 0.3)  # non-zero B
x = (torch.randn(3, 5, 16, generator=g)).to(dtype).requires_grad_(True)
dy = torch.randn(3, 5, 12, generator=g).to(dtype)
y = peft_model(x)
y.backward(dy)

A = layer.lora_A["default"].weight
B = layer.lora_B["default"].weight


def flat(t):
    return t.detach().float().flatten().tolist()


print(json.dumps({
    "adapter_dtype": str(A.dtype).replace("torch.", ""),
    "scale": layer.scaling["default"],
    "x": flat(x), "dy": flat(dy), "w": flat(layer.base_layer.weight), "bias": flat(layer.base_layer.bias),
    "a": flat(A), "b": flat(B), "y": flat(y), "y_dtype": str(y.dtype).replace("torch.", ""),
    "dx": flat(x.grad), "da": flat(A.grad), "db": flat(B.grad),
}))
