// The command line and the environment -> Settings, by the flag list of
// cli/flag_table.hpp; --help from the same list.
#include "cli/flags.hpp"

#include <algorithm>
#include <sstream>
#include <string_view>
#include <utility>

#include "cli/flag_table.hpp"
#include "core/values.hpp"

namespace signalmesh {
namespace {

using cli::all_flags;
using cli::env_name;
using cli::Flag;
using values::quote;

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string unknown_flag_message(std::string_view arg, std::string_view name) {
  std::string text = "unknown flag " + quote(arg);
  const Flag* best = nullptr;
  std::size_t best_distance = 3;  // suggest only close names
  for (const auto& flag : all_flags()) {
    const auto d = edit_distance(name, flag.name);
    if (d < best_distance) {
      best = &flag;
      best_distance = d;
    }
  }
  if (best != nullptr) text += "; did you mean --" + best->name + "?";
  return text + " (see --help for the accepted flags)";
}

FlagsResult error(std::string text) {
  FlagsResult result;
  result.kind = FlagsResult::kError;
  result.text = std::move(text);
  return result;
}

}  // namespace

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "info";
}

FlagsResult parse_flags(int argc, const char* const* argv, const GetenvFn& getenv_fn) {
  // Pass 1: the shape of the command line, so that --help and unknown flags
  // are reported before any value.
  std::vector<std::pair<const Flag*, std::string>> given;
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == nullptr) continue;
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      FlagsResult result;
      result.kind = FlagsResult::kHelp;
      result.text = flags_help();
      return result;
    }
    if (arg.size() <= 2 || arg.substr(0, 2) != "--") {
      return error("unexpected argument " + quote(arg) +
                   "; flags are --flag VALUE or --flag=VALUE (see --help)");
    }
    const auto eq = arg.find('=');
    const auto name = arg.substr(2, eq == std::string_view::npos ? arg.npos : eq - 2);
    const Flag* flag = cli::find_flag(name);
    if (flag == nullptr) {
      return error(unknown_flag_message(arg.substr(0, eq), name));
    }
    if (eq != std::string_view::npos) {
      given.emplace_back(flag, std::string(arg.substr(eq + 1)));
    } else if (i + 1 < argc && argv[i + 1] != nullptr) {
      given.emplace_back(flag, std::string(argv[++i]));
    } else {
      return error("--" + flag->name + " needs a value: " + flag->accepts);
    }
  }

  // Pass 2: defaults, then the environment for flags not on the command line,
  // then the command line in order (a repeated flag keeps its last value).
  // `sources` remembers where each flag that was given came from.
  cli::Settings settings;
  cli::Sources sources;
  for (const auto& flag : all_flags()) {
    const bool on_command_line =
        std::any_of(given.begin(), given.end(), [&](const auto& g) { return g.first == &flag; });
    if (on_command_line || !getenv_fn) continue;
    const std::string env = env_name(flag.name);
    const char* value = getenv_fn(env.c_str());
    if (value == nullptr) continue;
    if (!flag.set(settings, value)) {
      return error(env + "=" + quote(value) + " is not valid: expected " + flag.accepts);
    }
    sources[flag.name] = {env, value};
  }
  for (const auto& [flag, value] : given) {
    if (!flag->set(settings, value)) {
      return error("--" + flag->name + " " + quote(value) + " is not valid: expected " +
                   flag->accepts);
    }
    sources[flag->name] = {"--" + flag->name, value};
  }
  FlagsResult result;
  std::string contradiction = cli::check_combinations(settings, sources, result.warnings);
  if (!contradiction.empty()) return error(std::move(contradiction));
  result.kind = FlagsResult::kRun;
  result.config = settings.config;
  result.backend_settings = settings.backends.at(settings.config.backend);
  return result;
}

std::vector<FlagInfo> flag_infos() {
  const cli::Settings defaults;
  std::vector<FlagInfo> infos;
  for (const auto& flag : all_flags()) {
    infos.push_back({"--" + flag.name, env_name(flag.name), flag.value_name, flag.show(defaults),
                     flag.help, flag.accepts});
  }
  return infos;
}

std::string flags_help() {
  std::ostringstream out;
  out << "Usage: signalmesh [--flag VALUE | --flag=VALUE]...\n"
         "\n"
         "signalmesh is a WebRTC signaling server: browsers join rooms over a\n"
         "WebSocket at /signal/{roomId} and relay SDP and ICE to each other.\n"
         "Every flag can also be set by its environment variable; the command\n"
         "line beats the environment, which beats the default.\n"
         "\n"
         "Flags:\n"
         "  -h, --help\n"
         "      show this help and exit\n";
  for (const auto& info : flag_infos()) {
    out << "  " << info.name << ' ' << info.value_name << "  (env " << info.env << ", default "
        << info.default_value << ")\n"
        << "      " << info.help << "\n"
        << "      accepts " << info.accepts << "\n";
  }
  return out.str();
}

}  // namespace signalmesh
