// The command line (CLI11), the environment and --config FILE -> Settings,
// by the flag list of cli/flag_table.hpp; --help from the same list.
// Precedence per flag: command line, environment, config file, default;
// only the value that wins is checked.
#include "cli/flags.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <optional>
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

constexpr const char* kConfigFlag = "config";
constexpr const char* kConfigAccepts = "a readable TOML (or .ini) file of settings";

std::string unknown_flag_message(std::string_view arg) {
  const auto name =
      arg.substr(2, arg.find('=') == std::string_view::npos ? arg.npos : arg.find('=') - 2);
  std::string text = "unknown flag " + quote(arg.substr(0, arg.find('=')));
  if (const std::string close = cli::closest_flag_name(name); !close.empty()) {
    text += "; did you mean --" + close + "?";
  }
  return text + " (see --help for the accepted flags)";
}

FlagsResult error(std::string text) {
  FlagsResult result;
  result.kind = FlagsResult::kError;
  result.text = std::move(text);
  return result;
}

// A value and where it came from, as error messages name it.
struct Given {
  std::string value;
  std::string where;    // "--port", "SIGNALMESH_PORT", "port in FILE:3"
  std::string invalid;  // the start of the message when the value is refused
};

// The command line through CLI11: every flag `--name VALUE` or
// `--name=VALUE`, the last of a repeated flag. Returns the values given, or
// sets `failure` (help or an error).
std::map<std::string, std::string> parse_command_line(int argc, const char* const* argv,
                                                      std::optional<FlagsResult>& failure) {
  CLI::App app{"signalmesh"};
  app.allow_extras();
  app.set_help_flag("-h,--help");
  std::vector<std::pair<std::string, CLI::Option*>> options;
  auto add = [&](const std::string& name) {
    options.emplace_back(name, app.add_option("--" + name)
                                   ->expected(1)
                                   ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast));
  };
  add(kConfigFlag);
  for (const auto& flag : all_flags()) add(flag.name);

  // CLI11 reads `--name=` as `--name` with the next argument for its value:
  // split it so that an empty value stays empty. Its vector form wants the
  // arguments last first.
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == nullptr) continue;
    const std::string_view arg = argv[i];
    if (arg.size() > 3 && arg.substr(0, 2) == "--" && arg.back() == '=' &&
        arg.find('=') == arg.size() - 1) {
      args.emplace_back(arg.substr(0, arg.size() - 1));
      args.emplace_back();
    } else {
      args.emplace_back(arg);
    }
  }
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    failure = FlagsResult{};
    failure->kind = FlagsResult::kHelp;
    failure->text = flags_help();
    return {};
  } catch (const CLI::ArgumentMismatch& e) {
    // Only the last argument can lack its value: CLI11 takes whatever
    // follows a flag as its value.
    const std::string what = e.what();
    const std::string name = what.substr(2, what.find(':') - 2);
    const Flag* flag = cli::find_flag(name);
    failure = error("--" + name + " needs a value: " + (flag ? flag->accepts : kConfigAccepts));
    return {};
  } catch (const CLI::ParseError& e) {
    failure = error(std::string(e.what()).substr(0, std::string(e.what()).find('\n')));
    return {};
  }
  for (const auto& extra : app.remaining()) {
    if (extra.size() > 2 && extra.compare(0, 2, "--") == 0) {
      failure = error(unknown_flag_message(extra));
    } else {
      failure = error("unexpected argument " + quote(extra) +
                      "; flags are --flag VALUE or --flag=VALUE (see --help)");
    }
    return {};
  }
  std::map<std::string, std::string> given;
  for (const auto& [name, option] : options) {
    if (option->count() > 0) given[name] = option->results().back();
  }
  return given;
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
  std::optional<FlagsResult> failure;
  const auto command_line = parse_command_line(argc, argv, failure);
  if (failure) return std::move(*failure);
  auto from_env = [&](const std::string& name) -> const char* {
    return getenv_fn ? getenv_fn(env_name(name).c_str()) : nullptr;
  };

  // The file first (lowest precedence), then the environment, then the
  // command line: each replaces what the one before gave.
  std::map<std::string, Given> winners;
  std::string config_path;
  if (const auto it = command_line.find(kConfigFlag); it != command_line.end()) {
    config_path = it->second;  // empty: no file, as with every path flag
  } else if (const char* env = from_env(kConfigFlag); env != nullptr) {
    config_path = env;
  }
  if (!config_path.empty()) {
    std::vector<cli::FileSetting> file;
    std::string bad = cli::read_config_file(config_path, file);
    if (!bad.empty()) return error(std::move(bad));
    for (auto& s : file) {
      winners[s.name] = {s.value, s.where, s.at + ": " + s.name + " " + quote(s.value)};
    }
  }
  for (const auto& flag : all_flags()) {
    if (const char* env = from_env(flag.name); env != nullptr) {
      const std::string var = env_name(flag.name);
      winners[flag.name] = {env, var, var + "=" + quote(env)};
    }
  }
  for (const auto& [name, value] : command_line) {
    if (name != kConfigFlag) winners[name] = {value, "--" + name, "--" + name + " " + quote(value)};
  }

  // Values in the order of the flag list, so that the first bad one is
  // reported whatever the sources.
  cli::Settings settings;
  cli::Sources sources;
  for (const auto& flag : all_flags()) {
    const auto it = winners.find(flag.name);
    if (it == winners.end()) continue;
    if (!flag.set(settings, it->second.value)) {
      return error(it->second.invalid + " is not valid: expected " + flag.accepts);
    }
    sources[flag.name] = {it->second.where, it->second.value};
  }
  FlagsResult result;
  if (settings.config.store.url.empty()) {
    const Backend* backend = find_backend(settings.config.backend);
    settings.config.store.url = backend->default_store(*settings.backends.at(backend->name));
  }
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
  infos.push_back({"--config", env_name(kConfigFlag), "FILE", "\"\"",
                   "read settings from this file (TOML, or INI for a .ini name); the command "
                   "line and the environment beat it",
                   kConfigAccepts});
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
         "Every flag can also be set by its environment variable, or as\n"
         "`name = value` in the --config file; the command line beats the\n"
         "environment, which beats the file, which beats the default.\n"
         "\n"
         "Flags:\n"
         "  -h, --help\n"
         "      show this help and exit\n"
         "  --version\n"
         "      print the version and the git commit it was built from, and exit\n";
  for (const auto& info : flag_infos()) {
    out << "  " << info.name << ' ' << info.value_name << "  (env " << info.env << ", default "
        << info.default_value << ")\n"
        << "      " << info.help << "\n"
        << "      accepts " << info.accepts << "\n";
  }
  return out.str();
}

}  // namespace signalmesh
