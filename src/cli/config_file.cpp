// --config FILE: settings as `name = value` lines, TOML (or INI when the
// file name ends in .ini), read by CLI11's config parser. A key is a flag
// name without dashes (`port`, `redis-url`; `pod_id` works too), or a key in
// a [section] named after the flag's first word (`[zmq]` then `bind`).
// Arrays, and INI's space-separated values, become comma-separated lists.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/flag_table.hpp"
#include "core/values.hpp"

namespace signalmesh::cli {
namespace {

std::string normalized(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return key;
}

// The line of each `key = value` line (the last one for a repeated key), and
// the one thing CLI11 2.1 reads differently from the file's author: its
// comment character cuts a value wherever it appears, quoted or not.
std::string scan_lines(const std::string& text, const std::string& path, char comment,
                       std::map<std::string, int>& line_of) {
  std::istringstream in(text);
  std::string line;
  std::string section;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string_view t = values::trim(line);
    if (t.empty() || t.front() == '#' || t.front() == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      section = std::string(values::trim(t.substr(1, t.size() - 2)));
      if (section.size() > 1 && section.front() == '[' && section.back() == ']') {
        section = section.substr(1, section.size() - 2);
      }
      if (section == "default") section.clear();
      std::replace(section.begin(), section.end(), '.', '-');
      continue;
    }
    const auto eq = t.find('=');
    std::string key(values::trim(t.substr(0, eq)));
    key.erase(std::remove(key.begin(), key.end(), '"'), key.end());
    std::replace(key.begin(), key.end(), '.', '-');
    line_of[normalized(section.empty() ? key : section + "-" + key)] = number;
    if (eq == std::string_view::npos) continue;
    char quote = 0;
    const std::string_view value = t.substr(eq + 1);
    for (std::size_t i = 0; i < value.size(); ++i) {
      const char c = value[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
        if (c == comment) {
          return path + ":" + std::to_string(number) + ": a '" + comment +
                 "' inside a quoted value would be read as a comment; set such a value by "
                 "the command line or the environment";
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == comment && i > 0 && value[i - 1] != ' ' && value[i - 1] != '\t') {
        return path + ":" + std::to_string(number) + ": a '" + comment +
               "' inside a value would be read as a comment; put a space before a comment";
      }
    }
  }
  return {};
}

}  // namespace

std::string read_config_file(const std::string& path, std::vector<FileSetting>& out) {
  std::ifstream file(path);
  std::stringstream buffer;
  if (file) buffer << file.rdbuf();  // an empty file sets buffer's failbit: fine
  if (!file || file.bad()) return "cannot read the config file " + values::quote(path);
  const std::string text = buffer.str();
  const bool ini = path.size() > 4 && path.compare(path.size() - 4, 4, ".ini") == 0;
  std::map<std::string, int> line_of;
  if (std::string bad = scan_lines(text, path, ini ? ';' : '#', line_of); !bad.empty()) {
    return bad;
  }
  std::istringstream in(text);
  std::vector<CLI::ConfigItem> items;
  try {
    items = ini ? CLI::ConfigINI().from_config(in) : CLI::ConfigTOML().from_config(in);
  } catch (const std::exception& e) {
    return path + ": " + e.what();
  }
  for (const auto& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // CLI11's section marks
    std::string key;
    for (const auto& parent : item.parents) key += parent + "-";
    key = normalized(key + item.name);
    const auto line = line_of.find(key);
    const std::string at = path + (line == line_of.end() ? "" : ":" + std::to_string(line->second));
    const Flag* flag = find_flag(key);
    if (flag == nullptr) {
      if (key == "config") return at + ": a config file cannot name another one";
      if (!key.empty() && key.front() == '[') {
        return at + ": a section is a line of its own, '[name]' with nothing after it";
      }
      std::string text = at + ": unknown setting " + values::quote(key);
      if (const std::string close = closest_flag_name(key); !close.empty()) {
        text += "; did you mean " + close + "?";
      }
      return text + " (the settings are the flags of --help, without the dashes)";
    }
    if (item.inputs.size() > 1 && flag->value_name != "LIST") {
      return at + ": " + key + " takes one value, not a list";
    }
    out.push_back({flag->name, values::join(item.inputs), key + " in " + at, at});
  }
  return {};
}

}  // namespace signalmesh::cli
