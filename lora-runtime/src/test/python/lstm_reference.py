"""torch.nn.LSTM side of LstmOpTest: a 2-layer bidirectional LSTM in float64 (seeded), its output for x and
every gradient after backward with a given dy, written to <file> as safetensors."""
import sys

import torch
from safetensors.torch import save_file

torch.manual_seed(4)
lstm = torch.nn.LSTM(input_size=6, hidden_size=5, num_layers=2, bidirectional=True, batch_first=True).double()
x = torch.randn(3, 7, 6, dtype=torch.float64, requires_grad=True)
out, _ = lstm(x)
dy = torch.randn_like(out)
out.backward(dy)
tensors = {"x": x.detach(), "dy": dy.contiguous(), "out": out.detach().contiguous(), "dx": x.grad.contiguous()}
for name, p in lstm.named_parameters():
    tensors["p." + name] = p.detach().contiguous()
    tensors["g." + name] = p.grad.contiguous()
save_file(tensors, sys.argv[1])
print(",".join(name for name, _ in lstm.named_parameters()))
