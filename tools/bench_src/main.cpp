// signalmesh-bench: the load generator (see --help and docs/benchmarks.md).
// Exit codes: 0 when every connection was admitted, 1 when some failed,
// 2 for a bad command line or an unreachable URL.
#include <csignal>
#include <iostream>

#include "modes.hpp"
#include "options.hpp"
#include "proc_stats.hpp"

int main(int argc, char** argv) {
  sm_bench::Options options;
  std::string message;
  int exit_code = 0;
  if (!sm_bench::parse_options(argc, argv, options, message, exit_code)) {
    (exit_code == 0 ? std::cout : std::cerr) << message << (exit_code == 0 ? "" : "\n");
    return exit_code;
  }
  std::signal(SIGPIPE, SIG_IGN);
  if (options.mode == "echo-server") return sm_bench::run_echo_server(options.port);
  const long limit = sm_bench::raise_fd_limit();
  const long needed =
      options.mode == "relay"
          ? static_cast<long>(options.main.rooms) * options.main.peers + options.hot_room
          : options.connections;
  if (limit >= 0 && limit < needed + 64) {
    std::cerr << "signalmesh-bench: warning: open-files limit " << limit << " is below the "
              << needed << " connections asked for\n";
  }
  try {
    return sm_bench::run_mode(options);
  } catch (const std::exception& e) {
    std::cerr << "signalmesh-bench: " << e.what() << "\n";
    return 2;
  }
}
