// The local backend's entry in the backend table: no flags, no settings.
#pragma once

#include <memory>
#include <vector>

#include "signalmesh/backends.hpp"

namespace signalmesh::backends::local {

std::vector<BackendFlag> flags();
std::unique_ptr<BackendSettings> defaults();
FanoutPtr make(const Config& config, const BackendSettings& settings);

}  // namespace signalmesh::backends::local
