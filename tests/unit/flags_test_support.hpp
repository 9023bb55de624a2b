// What the flag tests share: parsing an argument list with a made-up
// environment, a file holding a token secret, the chosen backend's settings.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cli/flags.hpp"
#include "redis/redis_backend.hpp"
#include "zmq/zmq_backend.hpp"

namespace signalmesh::flags_test {

using Env = std::map<std::string, std::string>;
using backends::redis::RedisSettings;
using backends::zmq::ZmqSettings;

// parse_flags over {"signalmesh", args...} with `env` as the environment.
FlagsResult parse(const std::vector<std::string>& args, const Env& env = {});
// SIGNALMESH_NAME of a flag name without dashes.
std::string env_of(const std::string& flag);
// A file (one per test process) holding the token secret "from-a-file".
std::string secret_file();
// A new file holding `text`, named NAME (default "settings-N.toml") in a
// directory of this test process.
std::string config_file(const std::string& text, const std::string& name = "");
// The settings of the backend a parse chose (it must be that backend's).
const RedisSettings& redis_of(const FlagsResult& r);
const ZmqSettings& zmq_of(const FlagsResult& r);

}  // namespace signalmesh::flags_test
