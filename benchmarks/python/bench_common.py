"""Helpers shared by the issue-7 benchmarks (lora_train_bench.py, generation_bench.py).

Both read the batch file that dev.lora4j.benchmarks.DialogSumBatches writes (the lora4j side builds the
same batches in its JMH fork), pad them exactly as dev.lora4j.data.Batch does, and check that the file's
ids are what transformers' own tokenizer gives for the same DialogSum rows, so the batches are the ones
a transformers + PEFT user would train on.
"""
import json
import os
import platform
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from op_overhead import cpu_model  # noqa: E402


def load_plan(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def pad(sequences, value):
    """(B, longest) int64 tensor of the sequences, right-padded with value."""
    width = max(len(s) for s in sequences)
    out = torch.full((len(sequences), width), value, dtype=torch.int64)
    for i, s in enumerate(sequences):
        out[i, :len(s)] = torch.tensor(s, dtype=torch.int64)
    return out


def training_batch(plan, index):
    """input_ids, attention_mask, labels of training batch `index`, padded as lora4j's Batch.of pads."""
    b = plan["training"][index]
    ids = pad(b["input_ids"], plan["pad_id"])
    mask = pad([[1] * len(s) for s in b["input_ids"]], 0)
    labels = pad(b["labels"], plan["ignore_index"])
    return ids, mask, labels


def generation_batch(plan):
    ids = pad(plan["generation"]["input_ids"], plan["pad_id"])
    mask = pad([[1] * len(s) for s in plan["generation"]["input_ids"]], 0)
    return ids, mask


def tokens(mask, labels, ignore_index=-100):
    """Tokens a step learns from, as lora4j's Trainer counts them: real source tokens + label tokens."""
    return int(mask.sum()) + int((labels != ignore_index).sum())


def id_sum(ids, mask, labels, ignore_index=-100):
    return int((ids * mask).sum()) + int(labels[labels != ignore_index].sum())


def check_batch(plan, index, ids, mask, labels):
    """The padded tensors hold what the file says lora4j's batch holds (token count and id digest)."""
    want = plan["training"][index]
    got = (tokens(mask, labels, plan["ignore_index"]), id_sum(ids, mask, labels, plan["ignore_index"]))
    if got != (want["tokens"], want["id_sum"]):
        raise SystemExit(f"batch {index}: tokens/id sum {got} here, {(want['tokens'], want['id_sum'])} in the file")


def device_batch(plan, index, device):
    """Training batch `index` as (ids, mask, labels, tokens, id sum), checked against the file and moved to
    the device: what every training-step benchmark feeds, step i on batch i."""
    ids, mask, labels = training_batch(plan, index)
    check_batch(plan, index, ids, mask, labels)
    return ids.to(device), mask.to(device), labels.to(device), tokens(mask, labels), id_sum(ids, mask, labels)


def verify_tokenization(plan, data_dir, batches):
    """Re-tokenizes the rows of the first `batches` training batches and the generation batch with
    transformers' tokenizer (AutoTokenizer on the same tokenizer folder) and requires the file's ids."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(plan["tokenizer"])
    prompt = plan["prompt"]

    def rows(split):
        with open(os.path.join(data_dir, "dialogsum", f"dialogsum.{split}.jsonl"), encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def encode(text, limit):
        return tok(text, max_length=limit, truncation=True)["input_ids"]

    train = rows("train")
    checked = 0
    for b in plan["training"][:batches]:
        for row, ids, labels in zip(b["rows"], b["input_ids"], b["labels"]):
            r = train[row]
            if encode(prompt.replace("{dialogue}", r["dialogue"]), plan["max_source_length"]) != ids:
                raise SystemExit(f"train row {row}: lora4j's source ids differ from transformers' tokenizer")
            if encode(r["summary"], plan["max_target_length"]) != labels:
                raise SystemExit(f"train row {row}: lora4j's label ids differ from transformers' tokenizer")
            checked += 1
    test = {r["fname"]: r for r in rows("test")}
    for name, ids in zip(plan["generation"]["ids"], plan["generation"]["input_ids"]):
        if encode(prompt.replace("{dialogue}", test[name]["dialogue"]), plan["max_source_length"]) != ids:
            raise SystemExit(f"test row {name}: lora4j's source ids differ from transformers' tokenizer")
        checked += 1
    return checked


def flan_t5_config(data_dir, shape):
    from transformers import T5Config

    return T5Config.from_json_file(os.path.join(data_dir, "flan-t5-configs", f"flan-t5-{shape}.json"))


def flan_t5_random(data_dir, shape, dropout_rate=None):
    """A randomly initialised FLAN-T5 of the shape, with its own lm_head as a FLAN-T5 checkpoint has.

    transformers 5.17's T5Config always sets tie_word_embeddings = True (it keeps the file's False only as
    scale_decoder_outputs), so a model built from a config shares lm_head with the embeddings; loading a
    real FLAN-T5 checkpoint, whose two tensors differ, unties them again (modeling_utils.tie_weights). The
    head is untied here so the model is the one a user fine-tunes (and lora4j builds): 77M parameters
    for small, not 61M. The compute is the same either way; the memory is not.
    """
    from transformers import T5ForConditionalGeneration

    config = flan_t5_config(data_dir, shape)
    if dropout_rate is not None:
        config.dropout_rate = dropout_rate
    return untie_lm_head(T5ForConditionalGeneration(config))


def untie_lm_head(model):
    """Gives a freshly built T5 its own random lm_head (see flan_t5_random); returns the model."""
    if model.lm_head.weight is model.shared.weight:
        model.lm_head.weight = torch.nn.Parameter(torch.randn_like(model.shared.weight))
        getattr(model, "all_tied_weights_keys", {}).pop("lm_head.weight", None)
    return model


def require_untied(model):
    base = model.get_base_model()
    if base.lm_head.weight is base.shared.weight:
        raise SystemExit("lm_head is tied to the embeddings again: not FLAN-T5's layout")


def rss_bytes(field):
    """VmRSS / VmHWM of this process from /proc/self/status (what the Java side reads), or -1."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1


def meta(device, threads):
    import transformers

    try:  # the AdapterHub venv reaches the main venv's peft, but a reference run needs only its own library
        import peft
        peft_version = peft.__version__
    except ImportError:
        peft_version = None
    return {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft_version,
            "python": platform.python_version(), "torch_threads": torch.get_num_threads(), "requested_threads": threads,
            "device": str(device) + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""),
            "cpu": cpu_model(), "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def minor_faults():
    """The process's minor page faults so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


class Clock:
    """Wall and process-CPU time of a call's phases (as the Java side's StepClock): `<phase>_ns`,
    `<phase>_cpu_ns`, and wall_ns / cpu_ns for the whole call. On a GPU every phase ends with a
    synchronize, so phase times are the device's. `<phase>_minor_faults`: the process's minor page faults
    in the phase (getrusage's ru_minflt, as StepClock reads /proc/self/stat)."""

    def __init__(self, entry, device):
        self.entry = entry
        self.sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
        self.start_wall = self.wall = time.perf_counter_ns()
        self.start_cpu = self.cpu = time.process_time_ns()
        self.faults = minor_faults()

    def phase(self, name):
        self.sync()
        wall, cpu, faults = time.perf_counter_ns(), time.process_time_ns(), minor_faults()
        self.entry[name + "_ns"] = wall - self.wall
        self.entry[name + "_cpu_ns"] = cpu - self.cpu
        self.entry[name + "_minor_faults"] = faults - self.faults
        self.wall, self.cpu, self.faults = wall, cpu, faults

    def finish(self):
        self.entry["wall_ns"] = self.wall - self.start_wall
        self.entry["cpu_ns"] = self.cpu - self.start_cpu


def write_json(doc, path):
    text = json.dumps(doc, indent=2)
    if path == "-":
        print(text)
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.replace(tmp, path)
    print(f"wrote {path}", file=sys.stderr)
