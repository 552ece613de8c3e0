"""A PyTorch rank in a Gloo group with a lora4j rank (ProcessGroupTest): torch.distributed's own
TCPStore and ProcessGroupGloo, on 127.0.0.1. It all-reduces the flat bucket the Java rank builds from
its tensors a (3) and b (2x2), then takes part in a broadcast from itself, and prints what it got."""
import datetime
import sys

import torch
import torch.distributed as dist

rank, world, port, timeout_s = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
timeout = datetime.timedelta(seconds=timeout_s)
store = dist.TCPStore("127.0.0.1", port, world, rank == 0, timeout=timeout)
options = dist.ProcessGroupGloo._Options()
options._timeout = timeout
options._devices = [dist.ProcessGroupGloo.create_device(hostname="127.0.0.1")]
options._threads = 1
group = dist.ProcessGroupGloo(store, rank, world, options)

# The same values the Java worker's "interop" scenario holds on this rank.
a = torch.tensor([1.0, 2.0, 3.0]) * (rank + 1) / 8
b = torch.tensor([[0.5, 1.5], [2.5, 3.5]]) + rank
bucket = torch.cat([a.flatten(), b.flatten()])
group.allreduce([bucket]).wait()
print("sum a", [float(x) for x in bucket[:3]])
print("sum b", [float(x) for x in bucket[3:]])
x = torch.full((3,), float(rank + 5))
opts = dist.BroadcastOptions()
opts.rootRank = 1
group.broadcast([x], opts).wait()
print("broadcast", [float(v) for v in x])
sys.stdout.flush()
