// Declaration only (see ../README.md): torch's ProcessGroupGloo.hpp holds gloo::Context by shared_ptr
// and calls setTimeout on it in an inline function lora4j never calls.
#pragma once
#include <chrono>

namespace gloo {
class Context {
 public:
  void setTimeout(std::chrono::milliseconds timeout);
};
}  // namespace gloo
