// Declaration only (see ../../README.md): held by pointer in ProcessGroupGloo.hpp.
#pragma once

namespace gloo {
namespace transport {
class Device;
class UnboundBuffer;
}  // namespace transport
}  // namespace gloo
