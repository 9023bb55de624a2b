// The fan-out backends a program is built with, and how each is set up.
// Every backend folder (backends/local, backends/redis, backends/zmq)
// describes its own flags, fills its own settings from them and builds its
// adapter; backends/factory.cpp lists them in the one table below. The
// gateway never sees a backend's settings: Config names the backend only.
//
// An embedding program links signalmesh_backends for the table, or only the
// backend library it uses (signalmesh_backend_redis, ...) and builds that
// adapter itself.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "signalmesh/config.hpp"
#include "signalmesh/fanout.hpp"

namespace signalmesh {

// One backend's settings: the values of its flags. Each backend derives its
// own type (RedisSettings, ZmqSettings, ...); only it looks inside.
struct BackendSettings {
  virtual ~BackendSettings() = default;
};

// One flag of a backend: `--{name} VALUE`, also SIGNALMESH_{NAME}. Names
// start with the backend's name and a dash ("redis-url").
struct BackendFlag {
  const char* name;        // without the leading dashes
  const char* value_name;  // "URL"
  const char* help;        // one line
  const char* accepts;     // what a valid value is, for error messages
  // Takes the value only when it is wholly valid; false leaves `settings`
  // as it was. `settings` is this backend's own type.
  bool (*set)(BackendSettings& settings, std::string_view value);
  // The value as --help shows it.
  std::string (*show)(const BackendSettings& settings);
};

struct Backend {
  const char* name;     // the value of --backend
  const char* summary;  // what it is for, one line
  std::vector<BackendFlag> flags;
  // Its settings at their defaults.
  std::unique_ptr<BackendSettings> (*defaults)();
  // Builds the adapter from `settings` (this backend's type) and the pod's
  // Config. Throws std::invalid_argument for settings that are wrong
  // together or name unreadable files, std::runtime_error when it cannot
  // start (an endpoint taken).
  FanoutPtr (*make)(const Config& config, const BackendSettings& settings);
  // Settings that are valid but have no effect, one line each; may be null.
  void (*warnings)(const BackendSettings& settings, std::vector<std::string>& out);
  // The `--store` used when none is given (app-integration.md §3).
  std::string (*default_store)(const BackendSettings& settings);
  // Whether pods of this backend share rooms (SQLite, one pod's file, is
  // refused then).
  bool is_cluster;
};

// Every backend this program has, in the order --help lists them.
const std::vector<Backend>& backend_table();
// nullptr for a name no backend has.
const Backend* find_backend(std::string_view name);
// "local|redis|zmq": the names, in the table's order.
std::string backend_names(std::string_view separator = "|");
// config.backend's adapter built from `settings`, which must be that
// backend's (its defaults() and flags). nullptr for an unknown backend;
// throws as Backend::make does.
FanoutPtr make_fanout(const Config& config, const BackendSettings& settings);

}  // namespace signalmesh
