#!/usr/bin/env python3
"""The issue-7 benchmark suite in one run: lora4j (JMH) next to transformers + PEFT, one table.

Run it through scripts/bench-report.sh, which finds the JDK, liblora4j, the venv and builds the jar.
Workloads (each side of each one in its own process, so a process's peak RSS is that workload's):

  training step  LoraTrainingStepBenchmark / lora_train_bench.py at the flan-t5-small, base and large
                 shapes on real DialogSum batches (the same batches in the same order on both sides);
                 also torch.compile as a second Python anchor (small shape)
  generation     GenerationBenchmark / generation_bench.py, greedy and beam 4
  LoRA linear    LoraLinearBenchmark / lora_linear_bench.py, one configuration of issue 3's grid
  tokenizer      TokenizerBenchmark / tokenizer_bench.py (Rust tokenizers, same tokenizer.json)
  methods        (only with --only methods) MethodTrainingStepBenchmark / method_train_bench.py: one training
                 step per PEFT method with lora4j's default options, beside its reference library (PEFT, or
                 AdapterHub adapters in its own venv); a table of its own

Writes benchmarks/results/bench-report-<date>[-quick].json (every number, the raw records, machine,
versions, load) and, unless --no-docs (the default with --quick), the generated section of
docs/PERFORMANCE.md between the bench-report markers. Prints the table.
"""
import argparse
import datetime
import json
import os
import shlex
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BEGIN = "<!-- bench-report:begin -->"
END = "<!-- bench-report:end -->"

# shape, batch size, warm-up steps, measured steps, profiled steps (Python, after the measured ones)
TRAINING_FULL = [("small", 8, 1, 5, 1), ("base", 8, 1, 3, 1), ("large", 4, 1, 4, 0)]
TRAINING_QUICK = [("small", 8, 1, 1, 1)]
# torch.compile anchor: shape, batch, extra warm-up steps on other batches (compiling happens there), then the
# warm-up and measured steps of the eager run of that shape, so the measured batches are the same
COMPILE_FULL = ("small", 8, 2, 1, 5)
COMPILE_QUICK = ("small", 8, 2, 1, 1)
# shape, beams, warm-up calls, measured calls, new tokens per row
GENERATION_FULL = [("small", 1, 1, 3, 64), ("small", 4, 1, 2, 64), ("base", 1, 1, 2, 64)]
GENERATION_QUICK = [("small", 1, 0, 1, 8), ("small", 4, 0, 1, 8)]
GENERATION_BATCH = 8
BATCH_FILE_COUNT = 24  # batches written per batch size: more than any workload's warm-up + measured + profiled steps
MAX_SOURCE, MAX_TARGET = 512, 128
LORA = {"r": 8, "alpha": 8.0, "dropout": 0.05}
LORA_LINEAR_CONFIG = (768, 4096, 8, 0.05)
# The methods workload: every --method name (method_train_bench.REFERENCE says which library is each one's
# reference); per shape: batch size, warm-up steps, measured steps.
METHODS = ["lora", "dora", "ia3", "ln-tuning", "bitfit", "prompt-tuning", "p-tuning", "prefix-tuning",
           "prefix-tuning-paper", "adapter-houlsby", "adapter-pfeiffer", "adamix", "qlora"]
# large (issue 18's QLoRA rows) at batch 4: one float32 LoRA step of flan-t5-large at batch 8 takes minutes a side.
METHOD_STEPS_FULL = {"small": (8, 1, 3), "base": (8, 1, 2), "large": (4, 1, 2)}
METHOD_STEPS_QUICK = {"small": (8, 1, 1), "base": (8, 1, 1), "large": (4, 1, 1)}


def log(message):
    print(f"[bench-report] {message}", file=sys.stderr, flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Runner:
    """Runs each benchmark process with its output in a log file, and its peak RSS from wait4."""

    def __init__(self, work, timeout_s):
        self.work = work
        self.timeout_s = timeout_s

    def run(self, name, cmd, env=None, timeout_s=None):
        """Returns (ok, seconds, max RSS in bytes of the largest process of the run, log path).

        The RSS comes from wait4's rusage, whose ru_maxrss covers the process and the children it
        reaped (a JMH host reaps its forked benchmark JVM), i.e. the largest of them.
        """
        path = os.path.join(self.work, name + ".log")
        limit = timeout_s or self.timeout_s
        log(f"{name}: {' '.join(shlex.quote(c) for c in cmd[:6])} ... (log {os.path.relpath(path, ROOT)})")
        start = time.monotonic()
        with open(path, "w") as out:
            out.write("$ " + " ".join(shlex.quote(c) for c in cmd) + "\n")
            out.flush()
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                    start_new_session=True)
            deadline = start + limit
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    os.killpg(proc.pid, 9)  # its own session: the JMH fork goes too
                    pid, status, usage = os.wait4(proc.pid, 0)
                    out.write(f"\n[bench-report] killed after {limit} s\n")
                    status = -1
                    break
                time.sleep(0.5)
        seconds = time.monotonic() - start
        ok = status == 0
        log(f"{name}: {'ok' if ok else 'FAILED'} in {seconds:.0f} s")
        return ok, seconds, usage.ru_maxrss * 1024, path


def lora4j_env():
    """The environment of a lora4j process: this one's, with the glibc malloc settings the CLI launcher
    sets (LORA4J_GLIBC_TUNABLES, scripts/lib.sh). The Python baselines run as their users run them, with
    glibc's defaults (their main thread allocates from the main arena already)."""
    env = dict(os.environ)
    if env.get("LORA4J_GLIBC_TUNABLES"):
        env["GLIBC_TUNABLES"] = env["LORA4J_GLIBC_TUNABLES"]
    return env


def read_json(path):
    with open(path) as f:
        return json.load(f)


def measured(entries):
    return [e for e in entries if not e["warmup"]]


def throughput(entries):
    """tokens per wall second and per CPU second over the measured calls."""
    m = measured(entries)
    tokens = sum(e["tokens"] for e in m)
    return tokens / (sum(e["wall_ns"] for e in m) / 1e9), tokens / (sum(e["cpu_ns"] for e in m) / 1e9), tokens


def phases(entries, names):
    """Mean wall and CPU seconds per measured call, per phase."""
    m = measured(entries)
    out = {n: {"wall_s": statistics.mean(e[n + "_ns"] for e in m) / 1e9,
               "cpu_s": statistics.mean(e[n + "_cpu_ns"] for e in m) / 1e9} for n in names}
    for n in names:
        if all(n + "_minor_faults" in e for e in m):  # records from before the clocks counted faults have none
            out[n]["minor_faults"] = statistics.mean(e[n + "_minor_faults"] for e in m)
    return out


def same_batches(java, python, label):
    """Both sides trained on the same batches in the same order: per-step tokens and id sums agree."""
    j = [(e["step"], e["tokens"], e["id_sum"]) for e in java["calls"]]
    p = [(e["step"], e["tokens"], e["id_sum"]) for e in python["steps"]]
    if j != p:
        raise SystemExit(f"{label}: the two sides trained on different batches:\n lora4j {j}\n Python {p}")


class Suite:
    def __init__(self, args, env):
        self.args = args
        self.env = env
        self.java = env["JAVA"]
        self.jar = env["JAR"]
        self.lib = env["LORA4J_LIBRARY"]
        self.python = env["PYTHON"]
        self.data = os.path.abspath(args.data)
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.work = os.path.join(ROOT, "benchmarks", "target", "bench-report", stamp)
        os.makedirs(self.work, exist_ok=True)
        self.runner = Runner(self.work, args.timeout)
        self.rows = []  # the table
        self.method_rows = []  # the methods table
        self.details = {"training": [], "generation": [], "lora_linear": None, "tokenizer": None, "compile": None,
                        "methods": []}
        self.failures = []

    # ---- helpers -------------------------------------------------------------------------------

    def path(self, name):
        return os.path.join(self.work, name)

    def jmh(self, name, benchmark, params, iterations, record=None, extra=()):
        cmd = [self.java, "--enable-native-access=ALL-UNNAMED", "-Djmh.ignoreLock=true",
               f"-Dlora4j.library.path={self.lib}", f"-Dlora4j.shared.data={self.data}"]
        if record:
            cmd.append(f"-Dlora4j.bench.record={record}")
        # The JVM options the CLI launcher runs with (scripts/lib.sh), so the report measures what users run.
        cmd += shlex.split(os.environ.get("LORA4J_JVM_OPTIONS", ""))
        # Extra JVM options for the lora4j side (JMH's fork inherits them), e.g. -Dlora4j.paddingFree=false
        # to measure a switch against its default in two runs of the same command.
        cmd += shlex.split(os.environ.get("LORA4J_BENCH_JVM_ARGS", ""))
        cmd += ["-jar", self.jar, benchmark, "-f", "1", "-foe", "true", "-rf", "json", "-rff", self.path(name + "-jmh.json")]
        cmd += list(iterations) + list(extra)
        for key, value in params.items():
            cmd += ["-p", f"{key}={value}"]
        return self.measure(name, cmd, env=lora4j_env())

    def py(self, name, script, *arguments, env=None, timeout_s=None, python=None):
        cmd = [python or self.python, os.path.join(HERE, script)] + [str(a) for a in arguments]
        return self.measure(name, cmd, env=env, timeout_s=timeout_s)

    def measure(self, name, cmd, env=None, timeout_s=None):
        load_before = loadavg()
        ok, seconds, rss, log_path = self.runner.run(name, cmd, env=env, timeout_s=timeout_s)
        info = {"ok": ok, "seconds": round(seconds, 1), "max_rss_bytes_wait4": rss, "log": os.path.relpath(log_path, ROOT),
                "load_before": load_before, "load_after": loadavg()}
        if not ok:
            self.failures.append(name)
        return info

    def batches(self, batch_size):
        """The batch file for this batch size (written once per run; both sides of every workload read it)."""
        count = BATCH_FILE_COUNT
        out = self.path(f"batches-b{batch_size}.json")
        if not os.path.exists(out):
            cmd = [self.java, "--enable-native-access=ALL-UNNAMED", f"-Dlora4j.library.path={self.lib}",
                   f"-Dlora4j.shared.data={self.data}", "-cp", self.jar, "dev.lora4j.benchmarks.DialogSumBatches",
                   "--out", out, "--batch-size", str(batch_size), "--count", str(count), "--max-source", str(MAX_SOURCE),
                   "--max-target", str(MAX_TARGET), "--generation-batch", str(GENERATION_BATCH)]
            info = self.measure(f"batches-b{batch_size}", cmd)
            if not info["ok"]:
                raise SystemExit(f"could not write the batch file; see {info['log']}")
        return out

    # ---- workloads -----------------------------------------------------------------------------

    def training(self, shape, batch, warmup, steps, profile_steps, java_first, round_no=None):
        """One round of a shape's training step on both sides; returns its detail (the caller makes the row)."""
        a = self.args
        plan = self.batches(batch)
        label = f"train-{shape}" + ("" if round_no is None else f"-round{round_no}")
        params = {"shape": shape, "batchSize": batch, "maxSourceLength": MAX_SOURCE, "maxTargetLength": MAX_TARGET,
                  "r": LORA["r"], "loraAlpha": LORA["alpha"], "loraDropout": LORA["dropout"], "threads": a.threads,
                  "device": a.device, "dtype": a.dtype}
        model_dropout = []
        if a.model_dropout is not None:
            params["modelDropout"] = a.model_dropout
            model_dropout = ["--model-dropout", a.model_dropout]
        java_rec, py_rec = self.path(label + "-lora4j.json"), self.path(label + "-peft.json")

        def run_java():
            return self.jmh(label + "-lora4j", "LoraTrainingStepBenchmark", params, ["-wi", str(warmup), "-i", str(steps)],
                            record=java_rec)

        def run_python():
            return self.py(label + "-peft", "lora_train_bench.py", "--batches", plan, "--data", self.data, "--shape", shape,
                           "--r", LORA["r"], "--alpha", LORA["alpha"], "--dropout", LORA["dropout"], "--warmup", warmup,
                           "--steps", steps, "--profile-steps", profile_steps, "--threads", a.threads, "--device", a.device,
                           *(["--autocast"] if a.peft_autocast else ["--dtype", a.dtype]), *model_dropout, "--json", py_rec)

        if java_first:
            ji, pi = run_java(), run_python()
        else:
            pi, ji = run_python(), run_java()
        java = read_json(java_rec) if ji["ok"] else None
        python = read_json(py_rec) if pi["ok"] else None
        if java and python:
            same_batches(java, python, label)
        detail = {"shape": shape, "batch_size": batch, "warmup_steps": warmup, "measured_steps": steps,
                  "lora4j": self.training_side(java, ji), "peft": self.training_side(python, pi, steps_key="steps")}
        if round_no is not None:
            detail["round"] = round_no
            detail["lora4j_first"] = java_first
        self.details["training"].append(detail)
        return detail

    def training_rounds(self, shape, batch, warmup, steps, profile_steps, java_first, rounds):
        """A shape's training step in `rounds` rounds of both sides, the side that starts alternating (ABBA), and
        its row: with one round that round's numbers; with more the median over rounds of each side's tokens/s
        and of the per-round ratios (each round's two processes ran next to each other, so a slow spell of the
        machine moves one ratio, not the row), and the largest peak RSS of each side."""
        a = self.args
        # PEFT's op profile is taken in the first round only: it describes the step, not the round.
        details = [self.training(shape, batch, warmup, steps, profile_steps if r == 0 else 0,
                                 java_first if r % 2 == 0 else not java_first,
                                 round_no=None if rounds == 1 else r + 1) for r in range(rounds)]
        precision = "" if a.dtype == "float32" else f", {a.dtype} base + float32 LoRA"
        if a.peft_autocast:
            precision += " (PEFT: float32 weights under bfloat16 autocast)"
        label = f"training step, flan-t5-{shape}, batch {batch}{precision} (tokens/s)"
        if rounds == 1:
            self.rows.append(self.row(label, details[0], "tokens/s"))
            return
        self.rows.append(combine_rounds(label, [self.row(label, d, "tokens/s") for d in details]))

    def method_step(self, method, shape, batch, warmup, steps, java_first):
        """One method's training step on both sides; the reference side is skipped for a method without one."""
        from method_train_bench import REFERENCE

        a = self.args
        plan = self.batches(batch)
        label = f"method-{method}-{shape}"
        params = {"method": method, "shape": shape, "batchSize": batch, "maxSourceLength": MAX_SOURCE,
                  "maxTargetLength": MAX_TARGET, "threads": a.threads, "device": a.device}
        model_dropout = []
        if a.model_dropout is not None:
            params["modelDropout"] = a.model_dropout
            model_dropout = ["--model-dropout", a.model_dropout]
        java_rec, py_rec = self.path(label + "-lora4j.json"), self.path(label + "-reference.json")
        library = REFERENCE[method]
        adapterhub = library == "adapters"
        python = self.env.get("ADAPTERHUB_PYTHON") if adapterhub else self.python
        if adapterhub and not (python and os.path.exists(python)):
            raise SystemExit("the AdapterHub venv's python is needed for " + method + " (scripts/setup-venv.sh creates "
                             "it; bench-report.sh passes it as ADAPTERHUB_PYTHON)")

        def run_java():
            return self.jmh(label + "-lora4j", "MethodTrainingStepBenchmark", params,
                            ["-wi", str(warmup), "-i", str(steps)], record=java_rec)

        def run_reference():
            if library is None:
                return None
            return self.py(label + "-reference", "method_train_bench.py", "--method", method, "--batches", plan,
                           "--data", self.data, "--shape", shape, "--warmup", warmup, "--steps", steps,
                           "--threads", a.threads, "--device", a.device, *model_dropout,
                           *(["--no-verify"] if adapterhub else []), "--json", py_rec, python=python)

        if java_first:
            ji, pi = run_java(), run_reference()
        else:
            pi, ji = run_reference(), run_java()
        java = read_json(java_rec) if ji["ok"] else None
        reference = read_json(py_rec) if pi and pi["ok"] else None
        if java and reference:
            same_batches(java, reference, label)
        ref_side = self.training_side(reference, pi, steps_key="steps") if pi else {"run": None, "not_available": True}
        detail = {"method": method, "reference_library": library, "shape": shape, "batch_size": batch,
                  "warmup_steps": warmup, "measured_steps": steps,
                  "lora4j": self.training_side(java, ji), "reference": ref_side}
        if java and reference:
            detail["reference_config"] = reference.get("reference_config")
            detail["reference_version"] = reference.get("reference")
            detail["same_trainable_parameters"] = java["trainable_parameters"] == reference["trainable_parameters"]
            if not detail["same_trainable_parameters"]:
                log(f"{label}: trainable parameters differ: lora4j {java['trainable_parameters']:,}, "
                    f"reference {reference['trainable_parameters']:,} (not the same adapter: compare with care)")
        self.details["methods"].append(detail)
        j, r = detail["lora4j"], detail["reference"]
        jt, rt = j.get("tokens_per_s"), r.get("tokens_per_s")
        self.method_rows.append({
            "method": method, "shape": shape, "batch": batch, "reference": library, "lora4j": jt, "python": rt,
            "ratio": jt / rt if jt and rt else None,
            "cpu_ratio": j["tokens_per_cpu_s"] / r["tokens_per_cpu_s"] if jt and rt else None,
            "lora4j_rss": j.get("peak_rss_bytes"), "python_rss": r.get("peak_rss_bytes"),
            "lora4j_step_rss": j.get("step_peak_rss_bytes"), "python_step_rss": r.get("step_peak_rss_bytes"),
            "lora4j_quantization": j.get("quantization"), "python_quantization": r.get("quantization"),
            "lora4j_trainable": j.get("trainable_parameters"), "python_trainable": r.get("trainable_parameters")})

    def training_side(self, record, info, steps_key="calls"):
        side = {"run": info}
        if record is None:
            return side
        entries = record[steps_key]
        wall, cpu, tokens = throughput(entries)
        side.update({"tokens_per_s": wall, "tokens_per_cpu_s": cpu, "measured_tokens": tokens,
                     "peak_rss_bytes": record["peak_rss_bytes"], "rss_after_setup_bytes": record["rss_after_setup_bytes"],
                     "step_peak_rss_bytes": record.get("step_peak_rss_bytes") if record.get("step_peak_reset") else None,
                     "quantization": record.get("quantization"),
                     "phases": phases(entries, ["forward", "backward", "optimizer"]),
                     "trainable_parameters": record["trainable_parameters"],
                     "total_parameters": record["total_parameters"], "record": record})
        return side

    def compile_anchor(self, shape, batch, extra, warmup, steps):
        a = self.args
        plan = self.batches(batch)
        rec = self.path(f"train-{shape}-compile.json")
        info = self.py(f"train-{shape}-compile", "lora_train_bench.py", "--batches", plan, "--data", self.data,
                       "--shape", shape, "--r", LORA["r"], "--alpha", LORA["alpha"], "--dropout", LORA["dropout"],
                       "--extra-warmup", extra, "--warmup", warmup, "--steps", steps, "--threads", a.threads,
                       "--device", a.device, "--compile", "--no-verify", "--json", rec, timeout_s=a.compile_timeout)
        side = {"run": info, "shape": shape, "batch_size": batch, "warmup_steps": extra + warmup, "measured_steps": steps}
        if info["ok"]:
            record = read_json(rec)
            wall, cpu, tokens = throughput(record["steps"])
            side.update({"tokens_per_s": wall, "tokens_per_cpu_s": cpu, "measured_tokens": tokens,
                         "peak_rss_bytes": record["peak_rss_bytes"],
                         "warmup_wall_s": sum(e["wall_ns"] for e in record["steps"] if e["warmup"]) / 1e9,
                         "steps": [(e["step"], e["tokens"], e["id_sum"]) for e in record["steps"]], "record": record})
            eager = next((t for t in self.details["training"] if t["shape"] == shape and t["lora4j"].get("record")), None)
            if eager:
                side["same_batches_as_eager"] = [(e["step"], e["tokens"], e["id_sum"]) for e in measured(record["steps"])] \
                    == [(e["step"], e["tokens"], e["id_sum"]) for e in measured(eager["lora4j"]["record"]["calls"])]
        else:
            self.failures.remove(f"train-{shape}-compile")  # an anchor that cannot run is reported, not fatal
            side["not_available"] = tail(info["log"])
        self.details["compile"] = side

    def generation(self, shape, beams, warmup, calls, new_tokens, java_first):
        a = self.args
        plan = self.batches(GENERATION_BATCH)
        label = f"generate-{shape}-beams{beams}"
        java_rec, py_rec = self.path(label + "-lora4j.json"), self.path(label + "-peft.json")
        params = {"shape": shape, "batch": GENERATION_BATCH, "numBeams": beams, "maxNewTokens": new_tokens,
                  "maxSourceLength": MAX_SOURCE, "threads": a.threads, "device": a.device}

        def run_java():
            return self.jmh(label + "-lora4j", "GenerationBenchmark", params, ["-wi", str(warmup), "-i", str(calls)],
                            record=java_rec)

        def run_python():
            return self.py(label + "-peft", "generation_bench.py", "--batches", plan, "--data", self.data, "--shape", shape,
                           "--num-beams", beams, "--max-new-tokens", new_tokens, "--warmup", warmup, "--calls", calls,
                           "--threads", a.threads, "--device", a.device, "--json", py_rec)

        if java_first:
            ji, pi = run_java(), run_python()
        else:
            pi, ji = run_python(), run_java()
        java = read_json(java_rec) if ji["ok"] else None
        python = read_json(py_rec) if pi["ok"] else None
        if java and python and java["source_tokens"] != python["source_tokens"]:
            raise SystemExit(f"{label}: source tokens differ: lora4j {java['source_tokens']}, Python {python['source_tokens']}")
        detail = {"shape": shape, "num_beams": beams, "max_new_tokens": new_tokens, "batch": GENERATION_BATCH,
                  "lora4j": self.generation_side(java, ji), "peft": self.generation_side(python, pi)}
        self.details["generation"].append(detail)
        kind = "greedy" if beams == 1 else f"beam {beams}"
        self.rows.append(self.row(f"generation, flan-t5-{shape}, {kind}, {GENERATION_BATCH} x {new_tokens} new tokens "
                                  f"(tokens/s)", detail, "tokens/s"))

    def generation_side(self, record, info):
        side = {"run": info}
        if record is None:
            return side
        wall, cpu, tokens = throughput(record["calls"])
        side.update({"tokens_per_s": wall, "tokens_per_cpu_s": cpu, "measured_tokens": tokens,
                     "peak_rss_bytes": record["peak_rss_bytes"], "source_tokens": record["source_tokens"], "record": record})
        return side

    def lora_linear(self):
        a = self.args
        d, tokens, r, p = LORA_LINEAR_CONFIG
        params = {"d": d, "tokens": tokens, "r": r, "p": p, "threads": a.threads, "device": a.device}
        iterations = ["-wi", "1", "-w", "1s", "-i", "1", "-r", "1s"] if a.quick else ["-wi", "2", "-w", "2s", "-i", "5", "-r", "2s"]
        ji = self.jmh("lora-linear-lora4j", "LoraLinearBenchmark", params, iterations)
        py_json = self.path("lora-linear-peft.json")
        rounds = ["--repeat", "1", "--round-ms", "500", "--warmup-ms", "500"] if a.quick else \
            ["--repeat", "5", "--round-ms", "2000", "--warmup-ms", "4000"]
        pi = self.py("lora-linear-peft", "lora_linear_bench.py", "--config", f"{d},{tokens},{r},{p}", "--threads", a.threads,
                     "--device", a.device, *rounds, "--json", py_json)
        detail = {"config": {"d": d, "tokens": tokens, "r": r, "p": p}, "lora4j": {"run": ji}, "peft": {"run": pi}}
        if ji["ok"]:
            for result in read_json(self.path("lora-linear-lora4j-jmh.json")):
                method = result["benchmark"].rsplit(".", 1)[-1]
                sec = result["secondaryMetrics"]
                detail["lora4j"][method] = {"ms": result["primaryMetric"]["score"],
                                            "cpu_ms": sec["cpuNanos"]["score"] / sec["calls"]["score"] / 1e6}
        if pi["ok"]:
            w = read_json(py_json)["results"][0]["workloads"]
            detail["peft"]["forward"] = {"ms": w["forward"]["median_ms"], "cpu_ms": w["forward"]["median_cpu_ms"]}
            detail["peft"]["forwardBackward"] = {"ms": w["forward_backward"]["median_ms"],
                                                 "cpu_ms": w["forward_backward"]["median_cpu_ms"]}
        self.details["lora_linear"] = detail
        for method, label in (("forward", "fwd"), ("forwardBackward", "fwd+bwd")):
            row = {"workload": f"LoRA linear {label}, d {d}, {tokens} tokens, r {r}, p {p} (ms/call)", "unit": "ms/call"}
            jl, pl = detail["lora4j"].get(method), detail["peft"].get(method)
            row["lora4j"] = jl["ms"] if jl else None
            row["python"] = pl["ms"] if pl else None
            row["ratio"] = pl["ms"] / jl["ms"] if jl and pl else None
            row["cpu_ratio"] = pl["cpu_ms"] / jl["cpu_ms"] if jl and pl else None
            row["lora4j_rss"] = ji["max_rss_bytes_wait4"] if ji["ok"] else None
            row["python_rss"] = pi["max_rss_bytes_wait4"] if pi["ok"] else None
            row["rss_source"] = "wait4"
            self.rows.append(row)

    def tokenizer(self):
        a = self.args
        iterations = ["-wi", "1", "-w", "1s", "-i", "1", "-r", "1s"] if a.quick else ["-wi", "2", "-w", "3s", "-i", "3", "-r", "3s"]
        ji = self.jmh("tokenizer-lora4j", "TokenizerBenchmark.encode1Thread", {"tokenizer": "t5-tokenizer.json"}, iterations)
        env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", RAYON_NUM_THREADS="1")
        pi = self.py("tokenizer-rust", "tokenizer_bench.py", "--data", self.data, "--passes", 1 if a.quick else 3,
                     "--one", "tokenizers-1-thread", env=env)
        detail = {"lora4j": {"run": ji}, "rust": {"run": pi}}
        if ji["ok"]:
            result = read_json(self.path("tokenizer-lora4j-jmh.json"))[0]
            detail["lora4j"]["mb_per_s"] = result["secondaryMetrics"]["bytes"]["score"] / 1e6
        if pi["ok"]:
            with open(os.path.join(ROOT, pi["log"])) as f:
                last = [line for line in f.read().splitlines() if line.startswith("{")][-1]
            detail["rust"]["mb_per_s"] = json.loads(last)["mb_per_s"]
        self.details["tokenizer"] = detail
        jm, rm = detail["lora4j"].get("mb_per_s"), detail["rust"].get("mb_per_s")
        self.rows.append({"workload": "tokenizer encode, DialogSum dialogues, 1 thread (MB/s; Python side: Rust tokenizers)",
                          "unit": "MB/s", "lora4j": jm, "python": rm, "ratio": jm / rm if jm and rm else None,
                          "cpu_ratio": None, "lora4j_rss": ji["max_rss_bytes_wait4"] if ji["ok"] else None,
                          "python_rss": pi["max_rss_bytes_wait4"] if pi["ok"] else None, "rss_source": "wait4"})

    @staticmethod
    def row(label, detail, unit):
        j, p = detail["lora4j"], detail["peft"]
        jt, pt = j.get("tokens_per_s"), p.get("tokens_per_s")
        return {"workload": label, "unit": unit, "lora4j": jt, "python": pt, "ratio": jt / pt if jt and pt else None,
                "cpu_ratio": j["tokens_per_cpu_s"] / p["tokens_per_cpu_s"] if jt and pt else None,
                "lora4j_rss": j.get("peak_rss_bytes"), "python_rss": p.get("peak_rss_bytes"), "rss_source": "VmHWM"}


def combine_rounds(label, rows):
    """One row from the rows of a workload's rounds: the median of each side's throughput and of the ratios of
    the rounds where both sides ran, the largest peak RSS of each side, and each round's ratio in the label."""
    complete = [r for r in rows if r["ratio"] is not None]

    def median(key, among):
        values = [r[key] for r in among if r[key] is not None]
        return statistics.median(values) if values else None

    def largest(key):
        values = [r[key] for r in rows if r[key] is not None]
        return max(values) if values else None

    ratios = [r["ratio"] for r in complete]
    shown = ", ".join(f"{x:.2f}" for x in ratios) if ratios else "none complete"
    unit = rows[0]["unit"]
    base = label[:-len(f" ({unit})")] if label.endswith(f" ({unit})") else label
    return {"workload": f"{base} ({unit}; median of {len(rows)} rounds, ratios {shown})", "unit": unit,
            "lora4j": median("lora4j", rows), "python": median("python", rows), "ratio": median("ratio", complete),
            "cpu_ratio": median("cpu_ratio", complete), "lora4j_rss": largest("lora4j_rss"),
            "python_rss": largest("python_rss"), "rss_source": rows[0]["rss_source"], "rounds": len(rows),
            "round_ratios": ratios, "round_cpu_ratios": [r["cpu_ratio"] for r in complete]}


def tail(log_path, lines=3):
    """The last lines a run printed (not the command line), for a failure's one-line reason."""
    with open(os.path.join(ROOT, log_path)) as f:
        text = [l for l in f.read().splitlines() if l.strip() and not l.startswith("$ ")]
    return " / ".join(text[-lines:])[-400:]


# The CPU features a training step's speed depends on (GEMM width, bfloat16 and int8 dot products, AMX
# tiles): reports from CPUs that differ here are different machines, whatever their model names say.
CPU_FEATURES = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16",
                "amx_tile", "amx_bf16", "amx_int8"]


def machine():
    info = {}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "Vendor ID", "CPU family", "Model", "CPU(s)", "Thread(s) per core",
                               "Core(s) per socket", "Socket(s)", "L2 cache", "L3 cache"):
                info[key.strip()] = value.strip()
            elif key.strip() == "Flags":
                flags = set(value.split())
                info["cpu_features"] = [f for f in CPU_FEATURES if f in flags]
    except (OSError, subprocess.CalledProcessError):
        pass
    info["nproc"] = os.cpu_count()
    try:
        with open("/proc/meminfo") as f:
            info["mem_total_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    return info


def versions(suite, java_cmd):
    java = subprocess.run([java_cmd, "-version"], capture_output=True, text=True).stderr.splitlines()
    out = {"java": " ".join(java[:1] + java[2:3]).strip()}
    probe = subprocess.run([suite.python, "-c", "import json, platform, torch, transformers, peft; print(json.dumps("
                            "{'torch': torch.__version__, 'transformers': transformers.__version__, "
                            "'peft': peft.__version__, 'python': platform.python_version(), "
                            "'aten_cpu_capability': torch.backends.cpu.get_cpu_capability()}))"],
                           capture_output=True, text=True)
    if probe.returncode == 0:
        out.update(json.loads(probe.stdout.strip().splitlines()[-1]))
    jmh_files = [f for f in os.listdir(suite.work) if f.endswith("-jmh.json")]
    if jmh_files:
        first = read_json(os.path.join(suite.work, sorted(jmh_files)[0]))
        if first:
            out["jmh"] = first[0].get("jmhVersion")
    out["liblora4j"] = suite.lib
    return out


# ---- the report --------------------------------------------------------------------------------

def fmt(value, unit):
    if value is None:
        return "—"
    if unit == "ms/call":
        return f"{value:,.1f}"
    if unit == "MB/s":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def mib(value):
    return "—" if value is None or value < 0 else f"{value / 2**20:,.0f}"


def ratio(value):
    return "—" if value is None else f"**{value:.2f}**"


def markdown(report):
    rows, d, cfg = report["rows"], report["details"], report["config"]
    lines = [
        "## Benchmark report: training step per method (issues 16, 17)" if cfg["only"] == ["methods"] else
        "## Benchmark report: training step, generation, LoRA linear, tokenizer (issue 7)",
        "",
        f"Generated by `{report['command']}` on {report['date']} ({'quick smoke run' if cfg['quick'] else 'full run'}; "
        f"took {report['seconds'] / 60:.0f} min). Everything between the `bench-report` markers is rewritten by the "
        f"script; raw numbers: `benchmarks/results/{report['json_name']}`.",
        "",
    ]
    if rows or d.get("compile"):
        lines += ["| workload | lora4j | transformers + PEFT | ratio | CPU ratio | peak RSS lora4j, MiB | peak RSS Python, MiB |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['workload']} | {fmt(r['lora4j'], r['unit'])} | {fmt(r['python'], r['unit'])} | "
                     f"{ratio(r['ratio'])} | {ratio(r['cpu_ratio'])} | {mib(r['lora4j_rss'])} | {mib(r['python_rss'])} |")
    comp = d.get("compile")
    if comp:
        eager = next((t for t in d["training"] if t["shape"] == comp["shape"]), None)
        if comp.get("tokens_per_s") and eager and eager["lora4j"].get("tokens_per_s"):
            j = eager["lora4j"]
            lines.append(f"| training step, flan-t5-{comp['shape']}: PEFT + `torch.compile` (inductor) as the anchor | "
                         f"{fmt(j['tokens_per_s'], 'tokens/s')} | {fmt(comp['tokens_per_s'], 'tokens/s')} | "
                         f"{ratio(j['tokens_per_s'] / comp['tokens_per_s'])} | "
                         f"{ratio(j['tokens_per_cpu_s'] / comp['tokens_per_cpu_s'])} | {mib(j.get('peak_rss_bytes'))} | "
                         f"{mib(comp.get('peak_rss_bytes'))} |")
        else:
            lines.append(f"| training step, flan-t5-{comp['shape']}: PEFT + `torch.compile` | — | not available | — | — | — | — |")
    lines += [
        "",
        "*Ratio* = lora4j throughput / Python throughput (for ms/call rows: Python time / lora4j time): > 1 means lora4j "
        "is faster. *CPU ratio* is the same from process CPU time (every thread of the process: JIT and GC included on "
        "the Java side), which a shared machine disturbs much less than wall time. *Peak RSS* is the resident set of the "
        "benchmark process (VmHWM of the JMH fork or the Python process, each workload in its own process: model, "
        "activations, runtime, for Java also the heap and the tokenized training set); for the LoRA-linear and tokenizer rows it is "
        "the largest process of the run from `wait4` (the JMH fork or its host).",
        "",
    ]
    lines += methods_markdown(report)
    tr = d["training"]
    if tr:
        t0 = tr[0]
        j0 = t0["lora4j"].get("record") or {}
        dtype = cfg.get("dtype", "float32")
        precision = "float32" if dtype == "float32" else f"{dtype} base weights, float32 LoRA weights and AdamW state"
        if cfg.get("peft_autocast"):
            precision += "; PEFT: float32 weights with the forward under bfloat16 autocast"
        lines += [
            f"**Training step.** Random weights of the FLAN-T5 config ({precision}; model dropout: "
            f"{cfg.get('model_dropout', 'config (0.1)')}), LoRA r "
            f"{LORA['r']}, alpha {LORA['alpha']:g}, dropout {LORA['dropout']} on `q` and `v` (PEFT's default targets for T5; "
            f"{j0.get('adapted_layers', '—')} adapted layers), AdamW (lr 1e-3, weight decay 0.01, PyTorch's default "
            "implementation choice) over the LoRA parameters, gradient clipping at 1.0. A step = forward with labels, "
            "`loss.item()`, backward, clip, optimizer step, zero grad; lora4j replicates `Trainer`'s step with the public API. "
            f"Batches: DialogSum train, default prompt, sources truncated to {MAX_SOURCE} tokens and summaries to "
            f"{MAX_TARGET}, tokenized by lora4j's T5 tokenizer (checked equal to transformers' on every row used), "
            "grouped by `BatchPlan` (seed 42, shuffled length buckets) and padded by `Batch`; both sides train on the "
            "same batches in the same order (per-step token counts and id sums checked equal). tokens/s = real source + "
            "label tokens of the measured steps / their time. Steps per shape (warm-up + measured): " +
            ", ".join(f"{t['shape']} {t['warmup_steps']} + {t['measured_steps']} at batch {t['batch_size']}"
                      for t in tr if t.get("round", 1) == 1) +
            (" (large: smaller batch and fewer steps to fit the time budget)." if any(t["shape"] == "large" for t in tr)
             else ".") +
            (f" Each shape ran in {cfg['rounds']} rounds of both sides, the side that starts alternating (ABBA); its row "
             "gives the median over rounds of each side's tokens/s and of the per-round ratios, each round's ratio in its "
             "label, and the largest peak RSS of each side." if cfg.get("rounds", 1) > 1 else ""),
            "",
        ]
        lines += ["| shape | side | tokens | forward s | backward s | optimizer s | step s | step CPU s |",
                  "|---|---|---:|---:|---:|---:|---:|---:|"]
        for t in tr:
            for side, name in (("lora4j", "lora4j"), ("peft", "PEFT")):
                s = t[side]
                if "phases" not in s:
                    continue
                ph = s["phases"]
                n = t["measured_steps"]
                shape = t["shape"] + (f" (round {t['round']})" if "round" in t else "")
                lines.append(f"| {shape} | {name} | {s['measured_tokens'] / n:,.0f} | {ph['forward']['wall_s']:.2f} "
                             f"({ph['forward']['cpu_s']:.2f}) | {ph['backward']['wall_s']:.2f} ({ph['backward']['cpu_s']:.2f}) | "
                             f"{ph['optimizer']['wall_s']:.3f} ({ph['optimizer']['cpu_s']:.3f}) | "
                             f"{sum(p['wall_s'] for p in ph.values()):.2f} | {sum(p['cpu_s'] for p in ph.values()):.2f} |")
        lines += ["", "Means per measured step, wall (CPU in brackets).", ""]
        prof = next((t["peft"]["record"].get("profile") for t in tr if t["peft"].get("record", {}).get("profile")), None)
        if prof:
            shape = next(t["shape"] for t in tr if t["peft"].get("record", {}).get("profile"))
            share = prof["ops_self_cpu_ns"] / prof["wall_ns"]
            lines += [f"PEFT step profile (`torch.profiler`, flan-t5-{shape}, {prof['steps']} step after the measured ones): "
                      f"{prof['op_calls']:,} op calls; the ops' self time covers {share:.0%} of the profiled wall time. "
                      "Top ops by self time:", "",
                      "| op | calls | self s |", "|---|---:|---:|"]
            for op in prof["top_ops"][:12]:
                lines.append(f"| `{op['name']}` | {op['calls']} | {op['self_cpu_ns'] / 1e9:.2f} |")
            lines.append("")
    if comp:
        if comp.get("tokens_per_s"):
            same = comp.get("same_batches_as_eager")
            lines += [f"**torch.compile anchor.** `torch.compile(peft_model)` (inductor, default options: a static graph for "
                      f"the first batch, one recompile with dynamic shapes at the second). Compiling happens in warm-up "
                      f"steps on batches no workload measures; its {comp['warmup_steps']} warm-up steps took "
                      f"{comp['warmup_wall_s']:.0f} s (inductor's on-disk caches from earlier runs shorten this), then "
                      f"{comp['measured_steps']} measured steps on "
                      + ("the same batches as the eager runs (checked)." if same else
                         "batches that could not be checked against the eager runs'." if same is None else
                         "**different batches from the eager runs'** (a bug: compare with care).")
                      + " The ratio column compares lora4j's eager step with it.", ""]
        else:
            lines += [f"**torch.compile anchor: not available** in this run: {compile_failure(comp, cfg)}", ""]
    if d["generation"]:
        lines += ["**Generation.** A LoRA-wrapped model (r 8, alpha 8, q and v, unmerged) of random weights in eval mode, "
                  f"one batch of the first {GENERATION_BATCH} DialogSum test dialogues in the prompt (padded to the longest), "
                  "`min_new_tokens = max_new_tokens` so both sides generate exactly batch x max_new_tokens tokens (random "
                  "weights would otherwise stop at random places); tokens/s counts those returned tokens (beam search's "
                  "extra beams are work, not output).", ""]
    m, v = report["machine"], report["versions"]
    loads = [w["load_before"] for w in report["runs"]] + [w["load_after"] for w in report["runs"]]
    first_minute = [float(x.split()[0]) for x in loads]
    lines += [
        f"**Machine:** {m.get('Model name', '?')} ({m.get('Vendor ID', '?')} family {m.get('CPU family', '?')} model "
        f"{m.get('Model', '?')}; features {', '.join(m.get('cpu_features') or ['?'])}; ATen dispatches "
        f"{report.get('versions', {}).get('aten_cpu_capability', '?')}; L2 {m.get('L2 cache', '?')}, L3 "
        f"{m.get('L3 cache', '?')}), {m.get('CPU(s)', m.get('nproc'))} CPUs "
        f"({m.get('Core(s) per socket', '?')} cores per socket, {m.get('Thread(s) per core', '?')} thread per core), "
        f"{m.get('mem_total_gib', '?')} GiB RAM; device `{cfg['device']}`, {cfg['threads']} intra-op thread(s) on both sides. "
        f"Load average (1 min) during the run: {min(first_minute):.1f}–{max(first_minute):.1f}"
        f"{' (shared machine: other jobs ran alongside)' if max(first_minute) > 1.5 * cfg['threads'] else ''}.",
        f"**Versions:** {v.get('java', '?')}; JMH {v.get('jmh', '?')}; Python {v.get('python', '?')}, torch {v.get('torch', '?')}, "
        f"transformers {v.get('transformers', '?')}, peft {v.get('peft', '?')}; liblora4j `{os.path.basename(v.get('liblora4j', '?'))}` "
        "(linked against the same libtorch).",
        f"**Command:** `{report['command']}`",
    ]
    return "\n".join(lines)


REFERENCE_NAMES = {"peft": "PEFT", "adapters": "AdapterHub adapters", "bitsandbytes": "PEFT + bitsandbytes", None: "none"}


def methods_markdown(report):
    """The methods table (issues 16 and 17) and what it measures; nothing when the workload did not run."""
    rows = report.get("method_rows") or []
    if not rows:
        return []
    details = report["details"]["methods"]
    versions = sorted({t["reference_version"] for t in details if t.get("reference_version")})
    lines = [
        "**Training step per method** (`--only methods`). One whole training step (forward with labels, `loss.item()`, "
        "backward, clip at 1.0, AdamW lr 1e-3 weight decay 0.01 over the method's trainable tensors) of a random "
        "FLAN-T5 (float32, model dropout "
        f"{report['config'].get('model_dropout', 'config (0.1)')}) on the same DialogSum batches as the LoRA rows, with each "
        "method's default options (`lora4j train --method NAME` and nothing else; dora and the adapter-* names are presets) "
        "on the lora4j side and the same settings in the reference library on the other (" + (", ".join(versions) or "—") +
        "). Steps (warm-up + measured): " + ", ".join(sorted({f"{t['shape']} {t['warmup_steps']} + {t['measured_steps']} at "
                                                              f"batch {t['batch_size']}" for t in details})) +
        ". The trainable-parameter column must agree on both sides (same adapter); adamix has no reference implementation, "
        "so its reference cells are empty.",
        "",
        "Peak RSS is the process's (model building included); step peak RSS is the peak of the measured steps alone "
        "(VmHWM reset once the model, adapter and optimizer exist).",
        "",
        "| method | shape | reference | lora4j tokens/s | reference tokens/s | ratio | CPU ratio | peak RSS lora4j, MiB "
        "| peak RSS reference, MiB | step peak RSS lora4j / reference, MiB | trainable params lora4j / reference |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        jt, pt = r["lora4j_trainable"], r["python_trainable"]
        params = "—" if jt is None else f"{jt:,}" + ("" if pt is None else f" / {pt:,}" + ("" if jt == pt else " **(differ)**"))
        lines.append(f"| {r['method']} | {r['shape']} | {REFERENCE_NAMES[r['reference']]} | {fmt(r['lora4j'], 'tokens/s')} | "
                     f"{fmt(r['python'], 'tokens/s')} | {ratio(r['ratio'])} | {ratio(r['cpu_ratio'])} | "
                     f"{mib(r['lora4j_rss'])} | {mib(r['python_rss'])} | {mib(r.get('lora4j_step_rss'))} / "
                     f"{mib(r.get('python_step_rss'))} | {params} |")
    return lines + [""] + qlora_markdown(rows)


def qlora_markdown(rows):
    """Issue 18's targets from the qlora rows: weight bytes, step peak against float32 LoRA's, speed."""
    qlora = [r for r in rows if r["method"] == "qlora"]
    if not qlora:
        return []
    lines = ["**QLoRA against its targets** (issue 18: quantized layers' weights ≤ 0.14× their float32 bytes, step peak "
             "RSS ≤ 0.4× float32 LoRA's at the same shape, tokens/s ≥ 1.5× PEFT + bitsandbytes):", "",
             "| shape | 4-bit weight bytes / float32, lora4j (reference) | step peak RSS qlora / lora, lora4j "
             "(reference) | tokens/s ratio to PEFT + bitsandbytes |", "|---|---:|---:|---:|"]
    for q in qlora:
        lora = next((r for r in rows if r["method"] == "lora" and r["shape"] == q["shape"]), None)

        def weight(side):
            quant = q.get(side + "_quantization")
            return f"{quant['weight_ratio']:.3f}" if quant else "—"

        def step_ratio(side):
            a, b = q.get(side + "_step_rss"), lora and lora.get(side + "_step_rss")
            return f"{a / b:.2f}" if a and b else "—"

        lines.append(f"| {q['shape']} | {weight('lora4j')} ({weight('python')}) | {step_ratio('lora4j')} "
                     f"({step_ratio('python')}) | {ratio(q['ratio'])} |")
    return lines + [""]


def compile_failure(comp, cfg):
    """Why the torch.compile run gave no number, in one sentence."""
    reason = comp.get("not_available", "")
    if "killed after" not in reason:
        return f"it failed after {comp['run']['seconds']:.0f} s: `{reason}`"
    steps = None
    log_path = os.path.join(ROOT, comp["run"]["log"])
    if os.path.exists(log_path):
        with open(log_path) as f:
            steps = sum(1 for line in f if line.startswith("step "))
    done = "" if steps is None else (" before its first step finished (dynamo and inductor were still compiling)"
                                     if steps == 0 else f" after {steps} step(s)")
    return f"killed at the {cfg['compile_timeout']} s limit{done}."


def update_docs(path, section):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    block = f"{BEGIN}\n{section}\n{END}"
    if BEGIN in text and END in text:
        start, end = text.index(BEGIN), text.index(END) + len(END)
        text = text[:start] + block + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n---\n\n" + block + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="tiny iteration counts, small shape only (smoke test)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N, for both sides")
    p.add_argument("--threads", type=int, default=1, help="intra-op threads on both sides (default 1)")
    p.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"), help="the shared data folder")
    p.add_argument("--only", help="comma-separated subset of: training, compile, generation, lora-linear, tokenizer, "
                                  "methods (default: all but methods; with --quick all but compile, whose compiling "
                                  "alone takes minutes, and methods)")
    p.add_argument("--shapes", help="training shapes to run, e.g. small,base (default: small,base,large; quick: small); "
                                    "for --only methods: small (default), base, large")
    p.add_argument("--methods", help="with --only methods: comma-separated subset of " + ",".join(METHODS) + " (default: all)")
    p.add_argument("--method-batch", type=int, help="with --only methods: this batch size at every shape instead of the "
                                                    "table's (e.g. 1 for the memory a 4-bit base saves where weights, "
                                                    "not activations, fill the step)")
    p.add_argument("--docs", dest="docs", action="store_true", default=None,
                   help="update docs/PERFORMANCE.md (the default for a full run; not for --quick, --only or --shapes)")
    p.add_argument("--no-docs", dest="docs", action="store_false", help="do not update docs/PERFORMANCE.md")
    p.add_argument("--lora-dropout", type=float, default=LORA["dropout"], help="LoRA dropout of the training step")
    p.add_argument("--model-dropout", type=float,
                   help="the model's dropout in the training step (default: the config's 0.1); for ablations")
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"],
                   help="the training step's base weights on both sides (LoRA weights and AdamW state stay float32)")
    p.add_argument("--peft-autocast", action="store_true",
                   help="with --dtype bfloat16: PEFT keeps float32 weights and runs the forward under bfloat16 autocast "
                        "(transformers' Trainer with bf16=True) instead of a bfloat16 base")
    p.add_argument("--rounds", type=int, default=1,
                   help="training: run each shape's two sides this many times, alternating which side starts, and "
                        "report the median (default 1); a shared machine's slow spells then move one round, not the row")
    p.add_argument("--timeout", type=int, default=1800, help="seconds allowed to one benchmark process")
    p.add_argument("--compile-timeout", type=int, default=900, help="seconds allowed to the torch.compile run")
    p.add_argument("--render", metavar="REPORT_JSON",
                   help="run nothing: print the table of a saved report (and with --docs write it into the docs)")
    p.add_argument("--command", default="bash scripts/bench-report.sh", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.render:
        text = markdown(read_json(args.render))
        print(text)
        if args.docs:
            update_docs(os.path.join(ROOT, "docs", "PERFORMANCE.md"), text)
        return
    partial = args.only is not None or args.shapes is not None
    if args.rounds < 1:
        p.error("--rounds takes a number of at least 1")
    LORA["dropout"] = args.lora_dropout
    if args.peft_autocast and args.dtype != "bfloat16":
        p.error("--peft-autocast compares against lora4j's bfloat16 base: it needs --dtype bfloat16")
    partial = partial or args.model_dropout is not None or args.lora_dropout != 0.05 or args.dtype != "float32"
    if args.docs is None:  # only a full run replaces the table in the docs, unless asked
        args.docs = not args.quick and not partial
    env = {k: os.environ[k] for k in ("JAVA", "JAR", "LORA4J_LIBRARY", "PYTHON")}
    if os.environ.get("ADAPTERHUB_PYTHON"):
        env["ADAPTERHUB_PYTHON"] = os.environ["ADAPTERHUB_PYTHON"]
    methods = args.methods.split(",") if args.methods else METHODS
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        p.error(f"--methods: unknown {', '.join(unknown)}; the methods are {', '.join(METHODS)}")
    only = set((args.only or "training,generation,lora-linear,tokenizer" + ("" if args.quick else ",compile")).split(","))
    if args.method_batch is not None and ("methods" not in only or args.method_batch < 1):
        p.error("--method-batch takes a batch size of at least 1, with --only methods")
    if args.methods and "methods" not in only:
        p.error("--methods chooses the methods of --only methods")
    started = time.monotonic()
    suite = Suite(args, env)
    log(f"work folder {os.path.relpath(suite.work, ROOT)}; load average {loadavg()}")

    training = TRAINING_QUICK if args.quick else TRAINING_FULL
    if args.shapes:
        wanted = args.shapes.split(",")
        training = [t for t in TRAINING_FULL if t[0] in wanted]
        if args.quick:
            training = [(s, b, 1, 1, pr and 1) for s, b, _, _, pr in training]
    if "training" in only:
        for i, (shape, batch, warmup, steps, prof) in enumerate(training):
            suite.training_rounds(shape, batch, warmup, steps, prof, java_first=i % 2 == 0, rounds=args.rounds)
    if "compile" in only:
        suite.compile_anchor(*(COMPILE_QUICK if args.quick else COMPILE_FULL))
    if "generation" in only:
        for i, (shape, beams, warmup, calls, new) in enumerate(GENERATION_QUICK if args.quick else GENERATION_FULL):
            suite.generation(shape, beams, warmup, calls, new, java_first=i % 2 == 1)
    if "lora-linear" in only:
        suite.lora_linear()
    if "tokenizer" in only:
        suite.tokenizer()
    if "methods" in only:
        method_steps = METHOD_STEPS_QUICK if args.quick else METHOD_STEPS_FULL
        method_shapes = args.shapes.split(",") if args.shapes else ["small"]
        for shape in method_shapes:
            if shape not in method_steps:
                p.error(f"the methods workload runs the shapes {', '.join(method_steps)}, not {shape}")
        for shape in method_shapes:
            batch, warmup, steps = method_steps[shape]
            for i, method in enumerate(methods):
                suite.method_step(method, shape, args.method_batch or batch, warmup, steps, java_first=i % 2 == 0)

    now = datetime.datetime.now(datetime.timezone.utc)
    json_name = f"bench-report-{now:%Y-%m-%d}{'-quick' if args.quick else ''}{'-partial' if partial else ''}.json"
    runs = []
    for group in ("training", "generation"):
        for t in suite.details[group]:
            runs += [t["lora4j"]["run"], t["peft"]["run"]]
    for t in suite.details["methods"]:
        runs += [r for r in (t["lora4j"]["run"], t["reference"]["run"]) if r]
    for key, sides in (("lora_linear", ("lora4j", "peft")), ("tokenizer", ("lora4j", "rust"))):
        if suite.details[key]:
            runs += [suite.details[key][s]["run"] for s in sides]
    if suite.details["compile"]:
        runs.append(suite.details["compile"]["run"])
    report = {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "command": args.command,
        "config": {"quick": args.quick, "device": args.device, "threads": args.threads, "only": sorted(only),
                   "compile_timeout": args.compile_timeout, "max_source_length": MAX_SOURCE,
                   "max_target_length": MAX_TARGET, "lora": LORA,
                   "model_dropout": "config (0.1)" if args.model_dropout is None else args.model_dropout,
                   "dtype": args.dtype, "peft_autocast": args.peft_autocast, "rounds": args.rounds},
        "seconds": time.monotonic() - started,
        "json_name": json_name,
        "machine": machine(),
        "versions": versions(suite, env["JAVA"]),
        "rows": suite.rows,
        "method_rows": suite.method_rows,
        "details": suite.details,
        "runs": runs,
        "failures": suite.failures,
    }
    text = markdown(report)
    results = os.path.join(ROOT, "benchmarks", "results")
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, json_name + ".tmp"), "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    os.replace(os.path.join(results, json_name + ".tmp"), os.path.join(results, json_name))
    print(text)
    log(f"wrote benchmarks/results/{json_name}")
    if args.docs:
        update_docs(os.path.join(ROOT, "docs", "PERFORMANCE.md"), text)
        log("updated docs/PERFORMANCE.md between the bench-report markers")
    if suite.failures:
        log("FAILED: " + ", ".join(suite.failures) + " (see their logs in " + os.path.relpath(suite.work, ROOT) + ")")
        sys.exit(1)


if __name__ == "__main__":
    main()
