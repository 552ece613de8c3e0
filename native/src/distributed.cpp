// Data parallel over libtorch's own c10d: a TCPStore for rendezvous and a ProcessGroupGloo for the
// collectives (docs/DISTRIBUTED.md). Every collective goes through one flat bucket per dtype and is
// waited for with the group's timeout, so a dead or silent peer becomes an error, never a hang.
#define USE_C10D_GLOO 1

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdlib>
#include <map>

#include "shim.h"

struct l4j_process_group_s {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> backend;
  int32_t rank;
  int32_t world_size;
  std::chrono::milliseconds timeout;
  // Set once a collective failed: the peers' sequence of calls is then out of step, so the group
  // refuses further work instead of matching the wrong messages.
  std::string broken;
};

namespace l4j {
std::atomic<int64_t> live_process_groups{0};
}

namespace {

using l4j::ArgumentError;

l4j_process_group_s &get_group(l4j_process_group pg) {
  if (pg == nullptr) throw ArgumentError("null process group handle");
  if (!pg->broken.empty()) {
    throw std::runtime_error("the process group is unusable after an earlier failure (" + pg->broken + ")");
  }
  return *pg;
}

// A c10d error's message without its C++ stack trace.
std::string message_of(const std::exception &e) {
  if (auto *c10_error = dynamic_cast<const c10::Error *>(&e)) return c10_error->what_without_backtrace();
  return e.what();
}

bool is_loopback(const std::string &host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// The address Gloo's sockets bind to. Like torch.distributed: GLOO_SOCKET_IFNAME names an interface;
// otherwise a loopback master means a single-machine run, which stays on 127.0.0.1; otherwise the
// machine's own hostname (Gloo's default device).
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string &master_addr) {
  const char *ifname = std::getenv("GLOO_SOCKET_IFNAME");
  if (ifname != nullptr && *ifname != '\0') {
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  }
  if (is_loopback(master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

// Waits for a collective with the group's timeout; a failure marks the group broken.
void finish(l4j_process_group_s &group, const char *what, const c10::intrusive_ptr<c10d::Work> &work) {
  try {
    work->wait(group.timeout);
  } catch (const std::exception &e) {
    group.broken = std::string(what) + " failed on rank " + std::to_string(group.rank);
    throw std::runtime_error(std::string(what) + " on rank " + std::to_string(group.rank) + " of " +
                             std::to_string(group.world_size) + " failed (a peer exited or did not answer within " +
                             std::to_string(group.timeout.count()) + " ms): " + message_of(e));
  }
}

// Tensors grouped by dtype, keeping each group's order: one flat bucket per group.
std::map<at::ScalarType, std::vector<at::Tensor>> by_dtype(const std::vector<at::Tensor> &tensors) {
  std::map<at::ScalarType, std::vector<at::Tensor>> groups;
  for (const at::Tensor &t : tensors) groups[t.scalar_type()].push_back(t);
  return groups;
}

at::Tensor flatten(const std::vector<at::Tensor> &tensors) {
  std::vector<at::Tensor> flat;
  flat.reserve(tensors.size());
  for (const at::Tensor &t : tensors) flat.push_back(t.detach().reshape({-1}));
  return at::cat(flat);
}

// Copies the bucket's slices back into the tensors, in place.
void unflatten(const at::Tensor &bucket, const std::vector<at::Tensor> &tensors) {
  int64_t offset = 0;
  for (const at::Tensor &t : tensors) {
    int64_t n = t.numel();
    t.detach().copy_(bucket.narrow(0, offset, n).view(t.sizes()));
    offset += n;
  }
}

void all_reduce_in_place(l4j_process_group_s &group, const std::vector<at::Tensor> &tensors, int32_t op) {
  if (op != L4J_REDUCE_SUM && op != L4J_REDUCE_AVG) throw ArgumentError("unknown reduce op " + std::to_string(op));
  at::NoGradGuard no_grad;
  for (auto &[dtype, list] : by_dtype(tensors)) {
    std::vector<at::Tensor> bucket{flatten(list)};
    c10d::AllreduceOptions options;
    options.reduceOp = c10d::ReduceOp::SUM;  // Gloo has no AVG: sum, then divide (as DDP's bucket does)
    options.timeout = group.timeout;
    finish(group, "all-reduce", group.backend->allreduce(bucket, options));
    if (op == L4J_REDUCE_AVG) bucket[0].div_(group.world_size);
    unflatten(bucket[0], list);
  }
}

}  // namespace

extern "C" {

int64_t l4j_live_process_groups(void) { return l4j::live_process_groups.load(); }

int l4j_process_group_new(int32_t backend, int32_t rank, int32_t world_size, const char *master_addr,
                          int32_t master_port, int64_t timeout_ms, l4j_process_group *out) {
  return l4j::guarded("l4j_process_group_new", [&] {
    l4j::require_out(out, "out");
    if (backend == L4J_BACKEND_NCCL) {
      throw ArgumentError("the NCCL backend is not built into this liblora4j (docs/DISTRIBUTED.md); use gloo");
    }
    if (backend != L4J_BACKEND_GLOO) throw ArgumentError("unknown backend " + std::to_string(backend));
    if (world_size < 1) throw ArgumentError("world size must be at least 1, got " + std::to_string(world_size));
    if (rank < 0 || rank >= world_size) {
      throw ArgumentError("rank " + std::to_string(rank) + " is outside [0, " + std::to_string(world_size) + ")");
    }
    if (master_addr == nullptr || *master_addr == '\0') throw ArgumentError("no master address");
    if (master_port < 1 || master_port > 65535) throw ArgumentError("master port out of range: " + std::to_string(master_port));
    if (timeout_ms < 1) throw ArgumentError("timeout must be positive");
    std::chrono::milliseconds timeout(timeout_ms);

    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(master_port);
    store_options.isServer = rank == 0;
    store_options.numWorkers = static_cast<size_t>(world_size);
    store_options.waitWorkers = true;  // rank 0 returns once every rank has connected, or throws at timeout
    store_options.timeout = timeout;
    c10::intrusive_ptr<c10d::Store> store;
    try {
      store = c10::make_intrusive<c10d::TCPStore>(master_addr, store_options);
    } catch (const std::exception &e) {
      throw std::runtime_error(std::string("rendezvous at ") + master_addr + ":" + std::to_string(master_port) +
                               " failed for rank " + std::to_string(rank) + " of " + std::to_string(world_size) +
                               (rank == 0 ? " (is the port in use, or did a rank not start?)"
                                          : " (is the master up and reachable?)") +
                               ": " + message_of(e));
    }
    store->setTimeout(timeout);

    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(gloo_device(master_addr));
    options->threads = 1;  // one collective at a time: the trainer waits for each
    c10::intrusive_ptr<c10d::Backend> group;
    try {
      group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world_size, options);
    } catch (const std::exception &e) {
      throw std::runtime_error("Gloo connection of rank " + std::to_string(rank) + " of " + std::to_string(world_size) +
                               " failed: " + message_of(e));
    }
    *out = new l4j_process_group_s{store, group, rank, world_size, timeout, ""};
    l4j::live_process_groups.fetch_add(1);
  });
}

int l4j_all_reduce(l4j_process_group pg, const l4j_tensor *tensors, int64_t n, int32_t op) {
  return l4j::guarded("l4j_all_reduce", [&] {
    auto &group = get_group(pg);
    all_reduce_in_place(group, l4j::to_tensor_list(tensors, n), op);
  });
}

int l4j_all_reduce_grads(l4j_process_group pg, const l4j_tensor *params, int64_t n, int32_t op) {
  return l4j::guarded("l4j_all_reduce_grads", [&] {
    auto &group = get_group(pg);
    if (op != L4J_REDUCE_SUM && op != L4J_REDUCE_AVG) throw ArgumentError("unknown reduce op " + std::to_string(op));
    std::vector<at::Tensor> list = l4j::to_tensor_list(params, n);
    std::vector<at::Tensor> grads;
    // How many ranks have a gradient for each parameter, reduced in the same bucket as the float32
    // gradients: a parameter no rank has a gradient for stays without one (AdamW then skips it, as it
    // would in one process); one that only some ranks have joins with zeros from the others.
    at::Tensor present = at::zeros({n}, at::kFloat);
    for (int64_t i = 0; i < n; i++) {
      const at::Tensor &p = list[i];
      if (p.grad().defined()) {
        present[i] = 1.0;
      } else {
        p.mutable_grad() = at::zeros_like(p);
      }
      grads.push_back(p.grad());
    }
    grads.push_back(present);
    // AVG would divide the counts too: sum, then divide the gradients alone.
    all_reduce_in_place(group, grads, L4J_REDUCE_SUM);
    at::NoGradGuard no_grad;
    for (int64_t i = 0; i < n; i++) {
      if (present[i].item<float>() == 0) {
        list[i].mutable_grad().reset();
      } else if (op == L4J_REDUCE_AVG) {
        list[i].mutable_grad().div_(group.world_size);
      }
    }
  });
}

int l4j_broadcast(l4j_process_group pg, const l4j_tensor *tensors, int64_t n, int32_t root) {
  return l4j::guarded("l4j_broadcast", [&] {
    auto &group = get_group(pg);
    if (root < 0 || root >= group.world_size) throw ArgumentError("root rank " + std::to_string(root) + " out of range");
    at::NoGradGuard no_grad;
    for (auto &[dtype, list] : by_dtype(l4j::to_tensor_list(tensors, n))) {
      std::vector<at::Tensor> bucket{flatten(list)};
      c10d::BroadcastOptions options;
      options.rootRank = root;
      options.timeout = group.timeout;
      finish(group, "broadcast", group.backend->broadcast(bucket, options));
      unflatten(bucket[0], list);
    }
  });
}

int l4j_barrier(l4j_process_group pg) {
  return l4j::guarded("l4j_barrier", [&] {
    auto &group = get_group(pg);
    c10d::BarrierOptions options;
    options.timeout = group.timeout;
    finish(group, "barrier", group.backend->barrier(options));
  });
}

int l4j_process_group_free(l4j_process_group pg) {
  return l4j::guarded("l4j_process_group_free", [&] {
    if (pg == nullptr) return;
    delete pg;
    l4j::live_process_groups.fetch_sub(1);
  });
}

}  // extern "C"
