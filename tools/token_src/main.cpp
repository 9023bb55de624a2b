// signalmesh-token: mints one admission token (protocol.md §6) for trying
// auth or for a test.
//   signalmesh-token --peer-id ID --room ROOM [--ttl SECONDS]
// prints the HS256 JWT {"sub":ID,"room":ROOM,"iat":NOW,"exp":NOW+TTL} and a
// newline on stdout, nothing else. The secret comes from --jwt-secret-file
// FILE (its first line, as the server reads it) or SIGNALMESH_JWT_SECRET,
// never from an argument: argv is visible to every user of the machine.
// Exit codes: 0 printed, 1 the secret file cannot be read, 2 bad usage.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <string_view>

#include "auth/token.hpp"
#include "core/values.hpp"
#include "signalmesh/protocol.hpp"

namespace {

constexpr std::int64_t kMaxTtlSeconds = 366LL * 24 * 3600;

int usage_error(const std::string& text) {
  std::fprintf(stderr, "signalmesh-token: %s (see --help)\n", text.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Mints one signalmesh admission token (HS256 JWT) and prints it on stdout.\n"
      "The secret: --jwt-secret-file FILE or the SIGNALMESH_JWT_SECRET variable."};
  std::string peer_id, room, secret_file;
  std::int64_t ttl = 3600;
  app.add_option("--peer-id", peer_id, "the peerId the token grants (its sub claim)")->required();
  app.add_option("--room", room, "the roomId it grants, or * for any room")->required();
  app.add_option("--ttl", ttl, "seconds until it expires")->capture_default_str();
  app.add_option("--jwt-secret-file", secret_file, "read the secret from this file (first line)");
  // Accepted only to refuse it with the reason, rather than "unknown option".
  std::string secret_argument;
  app.add_option("--jwt-secret", secret_argument)->group("");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (app.count("--jwt-secret") > 0) {
    return usage_error(
        "--jwt-secret is not taken on the command line (other users can read argv): use "
        "--jwt-secret-file FILE or SIGNALMESH_JWT_SECRET");
  }
  if (!signalmesh::protocol::is_valid_id(peer_id)) {
    return usage_error("--peer-id must be 1 to 64 characters of [A-Za-z0-9_-]");
  }
  if (room != "*" && !signalmesh::protocol::is_valid_id(room)) {
    return usage_error("--room must be * or 1 to 64 characters of [A-Za-z0-9_-]");
  }
  if (ttl < 1 || ttl > kMaxTtlSeconds) {
    return usage_error("--ttl must be 1 to " + std::to_string(kMaxTtlSeconds) + " seconds");
  }

  const char* env = std::getenv("SIGNALMESH_JWT_SECRET");
  const bool env_set = env != nullptr && env[0] != '\0';
  std::string secret;
  if (!secret_file.empty()) {
    if (env_set) {
      return usage_error("both --jwt-secret-file and SIGNALMESH_JWT_SECRET are set: keep one");
    }
    std::ifstream in(secret_file);
    if (!in || !std::getline(in, secret)) {
      std::fprintf(stderr, "signalmesh-token: cannot read a line from %s\n", secret_file.c_str());
      return 1;
    }
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  } else if (env_set) {
    secret = env;
  }
  if (secret.empty()) {
    return usage_error("no secret: give --jwt-secret-file FILE or set SIGNALMESH_JWT_SECRET");
  }
  // The server refuses such a secret at start; a token signed with it would
  // match no server.
  if (signalmesh::values::has_space_or_control(secret)) {
    return usage_error("the secret holds a space or a control character (signalmesh refuses it)");
  }

  // Ids are [A-Za-z0-9_-] or "*": nothing in them needs JSON escaping.
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  const std::string payload = "{\"sub\":\"" + peer_id + "\",\"room\":\"" + room +
                              "\",\"iat\":" + std::to_string(now) +
                              ",\"exp\":" + std::to_string(now + ttl) + "}";
  const std::string token = signalmesh::auth::sign_token(payload, secret);
  std::printf("%s\n", token.c_str());
  return std::fflush(stdout) == 0 ? 0 : 1;
}
