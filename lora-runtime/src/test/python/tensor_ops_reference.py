"""Reference values for TensorOpsTest: every exposed tensor op computed by PyTorch.

Prints one JSON object {case: {"inputs": [tensor...], "outputs": [tensor...]}} where a tensor is
{"shape": [...], "dtype": "float64" | "float32" | "int64" | "bool", "data": [flat row-major values]}.
Inputs are drawn here (seeded), so the Java side replays the same op on the same numbers.
"""
import json
import math

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
g = torch.Generator().manual_seed(1234)


def rnd(*shape):
    return torch.randn(*shape, generator=g, dtype=torch.float64)


def ints(*shape, low=0, high=10):
    return torch.randint(low, high, shape, generator=g, dtype=torch.int64)


def enc(t):
    t = t.detach().contiguous()
    dtype = {torch.float64: "float64", torch.float32: "float32", torch.int64: "int64", torch.bool: "bool"}[t.dtype]
    data = t.flatten().tolist()
    if dtype == "bool":
        data = [bool(v) for v in data]
    return {"shape": list(t.shape), "dtype": dtype, "data": data}


cases = {}


def case(name, inputs, fn):
    out = fn(*inputs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    cases[name] = {"inputs": [enc(t) for t in inputs], "outputs": [enc(o) for o in outs]}


a23, b23, c34 = rnd(2, 3), rnd(2, 3), rnd(3, 4)
x234 = rnd(2, 3, 4)
pos23 = rnd(2, 3).abs() + 0.1
rounded = torch.round(rnd(3, 4) * 2)  # many equal values, for comparisons
rounded2 = torch.round(rnd(3, 4) * 2)

# layout
case("view", [x234], lambda x: x.view(6, 4))
case("reshape", [x234.transpose(0, 2)], lambda x: x.reshape(4, 6))
case("permute", [x234], lambda x: x.permute(2, 0, 1))
case("transpose", [x234], lambda x: x.transpose(0, 2))
case("slice", [rnd(5, 7)], lambda x: x[:, 1:6:2])
case("slice_clamped_end", [rnd(5, 7)], lambda x: x[2:100])
case("narrow", [rnd(5, 7)], lambda x: x.narrow(1, 2, 3))
case("unsqueeze", [a23], lambda x: x.unsqueeze(1))
case("squeeze", [rnd(2, 1, 3)], lambda x: x.squeeze(1))
case("expand", [rnd(1, 3)], lambda x: x.expand(4, 3))
case("contiguous", [x234.transpose(1, 2)], lambda x: x.contiguous())
case("cat", [a23, b23], lambda x, y: torch.cat([x, y], 1))
case("stack", [a23, b23], lambda x, y: torch.stack([x, y], 0))
case("index_select", [rnd(5, 3), torch.tensor([4, 0, 2, 2])], lambda x, i: x.index_select(0, i))
case("gather", [rnd(3, 5), ints(3, 2, high=5)], lambda x, i: x.gather(1, i))
case("repeat_interleave", [a23], lambda x: x.repeat_interleave(2, 0))
case("to_float32", [a23], lambda x: x.to(torch.float32))
case("to_int64", [a23 * 3], lambda x: x.to(torch.int64))
case("clone", [a23], lambda x: x.clone())
case("detach", [a23], lambda x: x.detach())

# linear algebra
case("matmul", [a23, c34], lambda x, y: x @ y)
case("matmul_batched", [x234, rnd(4, 5)], lambda x, y: x @ y)
case("linear", [x234, rnd(5, 4), rnd(5)], lambda x, w, b: F.linear(x, w, b))
case("linear_no_bias", [x234, rnd(5, 4)], lambda x, w: F.linear(x, w))
case("addmm", [rnd(2, 4), a23, c34], lambda i, x, y: torch.addmm(i, x, y, beta=0.5, alpha=2.0))
case("bmm", [x234, rnd(2, 4, 3)], lambda x, y: torch.bmm(x, y))

# elementwise
case("add", [a23, b23], lambda x, y: x + y)
case("add_alpha", [a23, b23], lambda x, y: torch.add(x, y, alpha=-2.5))
case("add_broadcast", [x234, rnd(4)], lambda x, y: x + y)
case("sub", [a23, b23], lambda x, y: x - y)
case("mul", [a23, b23], lambda x, y: x * y)
case("div", [a23, b23], lambda x, y: x / y)
case("maximum", [a23, b23], lambda x, y: torch.maximum(x, y))
case("minimum", [a23, b23], lambda x, y: torch.minimum(x, y))
case("add_scalar", [a23], lambda x: x + 1.5)
case("sub_scalar", [a23], lambda x: x - 1.5)
case("mul_scalar", [a23], lambda x: x * -3.0)
case("div_scalar", [a23], lambda x: x / 4.0)
case("int_add_scalar", [ints(2, 3)], lambda x: x + 3)
case("int_mul_scalar", [ints(2, 3)], lambda x: x * 7)
case("int_div_scalar", [ints(2, 3)], lambda x: x / 4)
case("pow", [a23], lambda x: x.pow(3))
case("neg", [a23], lambda x: -x)
case("abs", [a23], lambda x: x.abs())
case("sqrt", [pos23], lambda x: x.sqrt())
case("rsqrt", [pos23], lambda x: x.rsqrt())
case("exp", [a23], lambda x: x.exp())
case("log", [pos23], lambda x: x.log())
case("tanh", [a23], lambda x: x.tanh())
case("sigmoid", [a23], lambda x: x.sigmoid())
case("relu", [a23], lambda x: F.relu(x))
case("gelu", [a23], lambda x: F.gelu(x))
case("gelu_tanh", [a23], lambda x: F.gelu(x, approximate="tanh"))
case("clamp", [a23], lambda x: x.clamp(-0.5, 0.5))
case("clamp_min", [a23], lambda x: x.clamp(min=0.1))
case("isfinite", [torch.tensor([1.0, math.inf, -math.inf, math.nan, 0.0], dtype=torch.float64)], lambda x: x.isfinite())

# comparison and masking
case("eq", [rounded, rounded2], lambda x, y: x == y)
case("ne", [rounded, rounded2], lambda x, y: x != y)
case("lt", [rounded, rounded2], lambda x, y: x < y)
case("le", [rounded, rounded2], lambda x, y: x <= y)
case("gt", [rounded, rounded2], lambda x, y: x > y)
case("ge", [rounded, rounded2], lambda x, y: x >= y)
case("eq_scalar", [rounded], lambda x: x == 1)
case("ne_scalar", [rounded], lambda x: x != 1)
case("lt_scalar", [rounded], lambda x: x < 0)
case("le_scalar", [rounded], lambda x: x <= 0)
case("gt_scalar", [rounded], lambda x: x > 0)
case("ge_scalar", [rounded], lambda x: x >= 0)
case("logical_and", [rounded > 0, rounded2 > 0], lambda x, y: x & y)
case("logical_or", [rounded > 0, rounded2 > 0], lambda x, y: x | y)
case("logical_not", [rounded > 0], lambda x: ~x)
case("masked_fill", [rnd(3, 4), rounded > 0], lambda x, m: x.masked_fill(m, -1e9))
case("masked_fill_broadcast", [rnd(2, 3, 4), rnd(1, 1, 4) > 0], lambda x, m: x.masked_fill(m, 7.0))
case("where", [rounded > 0, rnd(3, 4), rnd(3, 4)], lambda c, x, y: torch.where(c, x, y))
case("triu", [rnd(4, 4)], lambda x: x.triu(1))
case("tril", [rnd(4, 4)], lambda x: x.tril(0))

# reductions
case("sum_all", [x234], lambda x: x.sum())
case("sum_dims", [x234], lambda x: x.sum(dim=(0, 2)))
case("sum_keepdim", [x234], lambda x: x.sum(dim=-1, keepdim=True))
case("mean_all", [x234], lambda x: x.mean())
case("mean_keepdim", [x234], lambda x: x.mean(dim=-1, keepdim=True))
case("max_dim", [rnd(3, 5)], lambda x: tuple(x.max(dim=1)))
case("max_all", [rnd(3, 5)], lambda x: x.max())
case("argmax", [rnd(3, 5)], lambda x: x.argmax(dim=1))
case("topk", [rnd(3, 6)], lambda x: tuple(x.topk(3, dim=1, largest=True, sorted=True)))
case("topk_smallest", [rnd(3, 6)], lambda x: tuple(x.topk(2, dim=0, largest=False, sorted=True)))
case("softmax", [x234], lambda x: x.softmax(-1))
case("log_softmax", [x234], lambda x: x.log_softmax(1))

# neural network
case("embedding", [rnd(10, 4), ints(2, 3)], lambda w, i: F.embedding(i, w))
target = torch.tensor([1, -100, 4, 0, -100, 2])
logits = rnd(6, 5)
case("cross_entropy_mean", [logits, target], lambda x, t: F.cross_entropy(x, t, ignore_index=-100))
case("cross_entropy_sum", [logits, target], lambda x, t: F.cross_entropy(x, t, ignore_index=-100, reduction="sum"))
case("cross_entropy_none", [logits, target], lambda x, t: F.cross_entropy(x, t, ignore_index=-100, reduction="none"))
case("cross_entropy_smoothing", [logits, target], lambda x, t: F.cross_entropy(x, t, ignore_index=-100, label_smoothing=0.1))
q, k, v = rnd(2, 3, 5, 4), rnd(2, 3, 6, 4), rnd(2, 3, 6, 4)
bias = rnd(1, 3, 5, 6)
case("sdpa_bias_scale1", [q, k, v, bias], lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m, scale=1.0))
qs = rnd(2, 3, 5, 4)
case("sdpa_causal", [qs, rnd(2, 3, 5, 4), rnd(2, 3, 5, 4)], lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True))
case("dropout_eval", [a23], lambda x: F.dropout(x, 0.5, training=False))

print(json.dumps(cases))
