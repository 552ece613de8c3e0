"""bitsandbytes' 4-bit blockwise quantization on the CPU, for Quant4ParityTest.

Usage: quant4_reference.py <out.safetensors>
Writes, for every case, the float32 source weight (once per shape; the test casts it to bfloat16 and
float16 exactly as this script does, both by ATen's round-to-nearest-even) and what bitsandbytes 0.50.x's
quantize_4bit / dequantize_4bit return for it: packed codes, absmax (float32, or uint8 with double
quantization), nested absmax, the offset, the quant_map and nested map, and the SHA-256 of the dequantized
weight's bytes (in the source dtype), plus the case list as JSON metadata.

Two dequantizations are recorded: bitsandbytes' reference implementation (its PyTorch default backend,
_dequantize_4bit_compute: quant_map[code] * absmax in float32, cast once) and what
functional.dequantize_4bit returns on this CPU (its C++ kernels). They differ in two ways, reported per case:
"signed_zero" (the C++ scalar loop writes FP4 code 8 as -0.0, the quant_map holds +0.0) and "wrong" (the
C++ AVX2 loop uses the wrong block's scale for block sizes >= 256 on some shapes).
"""
import hashlib
import json
import sys

import torch

# bitsandbytes torch.compile()s its generic dequantizer (odd last dimensions); recompiling it for every
# shape here takes minutes. Eager mode runs the same float32 multiply and rounding.
torch._dynamo.config.disable = True
import bitsandbytes.functional as F  # noqa: E402
from bitsandbytes.backends.default.ops import _dequantize_4bit_compute  # noqa: E402
from safetensors.torch import save_file

torch.manual_seed(0)
# FLAN-T5-small's linear shapes (q/k/v, o, wi_0/wi_1, wo) and odd sizes: numel not a multiple of the block
# size, odd numel (one padded nibble), odd last dimension (bitsandbytes' generic dequantizer), one element.
t5_shapes = [(384, 512), (512, 384), (1024, 512), (512, 1024)]
odd_shapes = [(7, 9), (6, 40), (5, 13), (3, 33), (130, 70), (1, 1), (33, 65)]
weights = {}
for shape in t5_shapes + odd_shapes:
    w = torch.randn(*shape) * 0.05
    w.view(-1)[::97] = 0.0  # exact zeros
    weights[shape] = w
# Ties: a block whose absmax is 1.0 and whose other values sit exactly on the code midpoints (the lower code
# must win), in a shape of 2 blocks of 64.
tie = torch.zeros(2, 64)
for code_name, row in (("nf4", 0), ("fp4", 1)):
    code = F.get_4bit_type(code_name, device="cpu")
    srt = torch.sort(code).values
    mids = (srt[:-1] + srt[1:]) / 2
    tie[row, 0] = 1.0
    tie[row, 1:16] = mids
    tie[row, 16:31] = -mids
weights[(2, 64)] = tie

cases = []
for shape in t5_shapes:
    for dtype in ("float32", "bfloat16", "float16"):
        for qt in ("nf4", "fp4"):
            for dq in (False, True):
                cases.append((shape, dtype, qt, 64, dq))
for shape in odd_shapes + [(2, 64)]:
    for dtype in ("float32", "bfloat16"):
        for qt in ("nf4", "fp4"):
            for bs in (32, 64, 128):
                for dq in (False, True):
                    cases.append((shape, dtype, qt, bs, dq))
for bs in (256, 512, 1024, 2048, 4096):
    cases.append(((512, 384), "float32", "nf4", bs, True))
    cases.append(((130, 70), "bfloat16", "fp4", bs, False))

out = {}
meta = []
for (shape, name) in [(s, "w.%dx%d" % s) for s in weights]:
    out[name] = weights[shape].contiguous()
for i, (shape, dtype, qt, bs, dq) in enumerate(cases):
    w = weights[shape].to(getattr(torch, dtype))
    packed, st = F.quantize_4bit(w, blocksize=bs, quant_type=qt, compress_statistics=dq)
    cpu = F.dequantize_4bit(packed, st)
    absmax = st.absmax if not dq else F.dequantize_blockwise(st.absmax, st.state2) + st.offset
    deq = _dequantize_4bit_compute(packed.reshape(-1), absmax, st.code, bs, shape, st.dtype)
    assert deq.dtype == w.dtype and tuple(deq.shape) == shape
    if torch.equal(cpu.view(torch.uint8), deq.view(torch.uint8)):
        cpu_kernel = "same"
    elif torch.equal(cpu, deq):
        cpu_kernel = "signed_zero"
    else:
        cpu_kernel = "wrong"
    key = "c%d" % i
    out[key + ".packed"] = packed.contiguous()
    out[key + ".absmax"] = st.absmax.contiguous()
    out[key + ".quant_map"] = st.code.contiguous()
    entry = {"key": key, "shape": list(shape), "dtype": dtype, "quant_type": qt, "blocksize": bs, "double_quant": dq,
             "dequant_sha256": hashlib.sha256(deq.contiguous().view(torch.uint8).numpy().tobytes()).hexdigest(),
             "cpu_kernel": cpu_kernel, "cpu_kernel_differing": int((cpu.float() != deq.float()).sum())}
    if dq:
        out[key + ".nested_absmax"] = st.state2.absmax.contiguous()
        out[key + ".nested_quant_map"] = st.state2.code.contiguous()
        entry["offset"] = st.offset.item()
        entry["json"] = bytes(st.as_dict(packed=True)["quant_state.bitsandbytes__" + qt].tolist()).decode()
    meta.append(entry)
save_file(out, sys.argv[1], metadata={"cases": json.dumps(meta)})
print(len(meta))
