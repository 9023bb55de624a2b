// Command-line flags (parsed by CLI11), environment variables and the
// --config file -> Config and the chosen backend's settings. One list drives
// all three and --help: the pod's flags (cli/flag_table.cpp) and every
// backend's (signalmesh/backends.hpp). Every flag `--name` has the variable
// SIGNALMESH_NAME (upper case, dashes as underscores) and the file key
// `name`. The command line beats the environment, which beats the file,
// which beats the default. Values are parsed strictly: the whole string must
// be valid.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "signalmesh/backends.hpp"
#include "signalmesh/config.hpp"

namespace signalmesh {

struct FlagsResult {
  enum Kind { kRun, kHelp, kError };
  Kind kind = kRun;
  // Valid when kind == kRun.
  Config config;
  // kRun: the settings of config.backend (its defaults and its flags), for
  // make_fanout(config, *backend_settings).
  std::shared_ptr<const BackendSettings> backend_settings;
  // kHelp: the help text. kError: a one-line message (no trailing newline)
  // naming the flag or variable and the values it accepts, or the flags that
  // contradict each other.
  std::string text;
  // kRun: one line each (no trailing newline) about flags that were given but
  // have no effect; the binary logs them as warnings at start.
  std::vector<std::string> warnings;
};

// Looks up an environment variable: nullptr when unset. Pass ::getenv in the
// binary, a map in tests.
using GetenvFn = std::function<const char*(const char*)>;

// argv[0] is the program name and is skipped. Accepts `--flag value` and
// `--flag=value`; a flag given twice keeps its last value. `--help` or `-h`
// wins over unknown flags and over errors in the environment or the file;
// only the value that wins for a flag is checked. Flags that are each
// valid but contradict each other, or would leave the pod silently doing
// something else than asked (a backend's flag with another backend, TURN
// URIs without a secret, ...), are errors too; flags that only have no
// effect are warnings. "Given" means set on the command line, in the
// environment or in the file, with a non-empty value: a default is never
// given. Never throws on bad input.
FlagsResult parse_flags(int argc, const char* const* argv, const GetenvFn& getenv_fn);

// The --help text: usage, then every flag with its value, help line,
// environment variable and default.
std::string flags_help();

// One row of the flag table, for tests and documentation.
struct FlagInfo {
  std::string name;           // "--port"
  std::string env;            // "SIGNALMESH_PORT"
  std::string value_name;     // "PORT"
  std::string default_value;  // as shown by --help: the default
  std::string help;           // one line
  std::string accepts;        // "an integer 0-65535", "one of local|redis|zmq"
};
std::vector<FlagInfo> flag_infos();

// "error" | "warn" | "info" | "debug".
const char* log_level_name(LogLevel level);

}  // namespace signalmesh
