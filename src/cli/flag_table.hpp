// The flags of the signalmesh binary, as one list: the pod's own (Config,
// flag_table.cpp) then every backend's (signalmesh/backends.hpp). Parsing,
// the environment variables, the config file and --help all follow it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "signalmesh/backends.hpp"
#include "signalmesh/config.hpp"

namespace signalmesh::cli {

// What the flags fill: the pod's Config and every backend's settings, all at
// their defaults to begin with.
struct Settings {
  Settings();
  Config config;
  std::map<std::string, std::shared_ptr<BackendSettings>, std::less<>> backends;
};

struct Flag {
  std::string name;  // without the leading dashes
  std::string value_name;
  std::string help;
  std::string accepts;
  const Backend* backend = nullptr;  // the backend that owns it; nullptr: the pod's
  // Takes the value only when it is wholly valid.
  std::function<bool(Settings&, std::string_view)> set;
  std::function<std::string(const Settings&)> show;
};

// In --help order.
const std::vector<Flag>& all_flags();
const Flag* find_flag(std::string_view name);
// SIGNALMESH_NAME: upper case, dashes as underscores.
std::string env_name(std::string_view flag_name);
// The flag name (or "config") within two edits of `name`, for "did you
// mean"; "" when none is that close.
std::string closest_flag_name(std::string_view name);

// Where a flag's winning value came from ("--port", "SIGNALMESH_PORT", ...)
// and the value. Flags left at their default are absent: a default is not
// "given".
struct Source {
  std::string where;
  std::string value;
};
using Sources = std::map<std::string, Source, std::less<>>;

// One setting of a config file: the flag, its value (a list joined with
// commas), and where it is: `at` "FILE:LINE", `where` "KEY in FILE:LINE".
struct FileSetting {
  std::string name;
  std::string value;
  std::string where;
  std::string at;
};
// Reads --config FILE (config_file.cpp): "" and the settings in file order,
// or a one-line error (unreadable file, unknown key, a list for a single
// value, a comment character CLI11 would cut a value at).
std::string read_config_file(const std::string& path, std::vector<FileSetting>& out);

// Values that are each valid but do nothing or contradict each other: the
// one-line error for a pod that would be silently wrong, warnings (one line
// each) for flags that merely have no effect. flag_checks.cpp.
std::string check_combinations(const Settings& settings, const Sources& sources,
                               std::vector<std::string>& warnings);

}  // namespace signalmesh::cli
