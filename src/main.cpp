// The signalmesh binary: flags -> Config -> one Gateway on one io_context.
// Exit codes: 0 after a clean stop or --help, 1 when the gateway cannot
// start or fails while running, 2 for a bad command line, environment or
// config file.
#include <sys/resource.h>

#include <asio.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "cli/flags.hpp"
#include "core/build_info.hpp"
#include "core/log.hpp"
#include "signalmesh/backends.hpp"
#include "signalmesh/gateway.hpp"
#include "signalmesh/protocol.hpp"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// One line on stderr; a json line once --log-format json is in force (a bad
// command line is reported before it is, as text).
int fail(int code, const std::string& message) {
  if (signalmesh::log::format() == signalmesh::LogFormat::kJson) {
    signalmesh::log::write(signalmesh::LogLevel::kError, "signalmesh: " + message);
  } else {
    std::fprintf(stderr, "signalmesh: %s\n", message.c_str());
  }
  return code;
}

// Every connection is a file descriptor: raise the soft limit to the hard one
// and say what we got, warning when it is below --max-connections.
void raise_open_files_limit(std::size_t max_connections) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    SM_WARN("open files: cannot read the limit");
    return;
  }
  const rlim_t before = lim.rlim_cur;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    // An unlimited hard limit is still capped by fs.nr_open: try a large
    // finite value then.
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0 && lim.rlim_max == RLIM_INFINITY) {
      raised.rlim_cur = 1 << 20;
      setrlimit(RLIMIT_NOFILE, &raised);
    }
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  if (lim.rlim_cur != before) {
    SM_INFO("open files: soft limit raised from " << before << " to " << lim.rlim_cur
                                                  << " (hard limit " << lim.rlim_max << ")");
  } else {
    SM_INFO("open files: limit " << lim.rlim_cur << " (hard limit " << lim.rlim_max << ")");
  }
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < max_connections + 64) {
    SM_WARN("open files: limit " << lim.rlim_cur << " is below --max-connections "
                                 << max_connections << " plus headroom; "
                                 << "connections beyond it will be refused by the kernel");
  }
}

std::string url_host(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

int run(int argc, char** argv) {
  // Like --help, --version wins over everything else on the command line.
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--version") {
      std::cout << "signalmesh " << signalmesh::build_info::kVersion << " (commit "
                << signalmesh::build_info::kCommit << ")\n"
                << std::flush;
      return 0;
    }
  }
  const auto flags = signalmesh::parse_flags(
      argc, argv, [](const char* name) -> const char* { return std::getenv(name); });
  if (flags.kind == signalmesh::FlagsResult::kHelp) {
    std::cout << flags.text << std::flush;
    return 0;
  }
  if (flags.kind == signalmesh::FlagsResult::kError) return fail(kExitUsage, flags.text);
  signalmesh::Config config = flags.config;
  // The pod id is chosen here rather than by the gateway, so that every log
  // line, the first included, names its pod.
  if (config.pod_id.empty()) config.pod_id = signalmesh::protocol::random_peer_id();
  signalmesh::log::set_level(config.log_level);
  signalmesh::log::set_format(config.log_format);
  signalmesh::log::set_pod(config.pod_id);

  // The backend checks its own settings before anything is logged, so that
  // a bad one is still a single line (exit 2); one that cannot start (the
  // mesh's endpoint taken) is exit 1.
  signalmesh::FanoutPtr fanout;
  try {
    fanout = signalmesh::make_fanout(config, *flags.backend_settings);
  } catch (const std::invalid_argument& e) {
    return fail(kExitUsage, "backend " + config.backend + ": " + e.what());
  } catch (const std::exception& e) {
    return fail(kExitFailure, "backend " + config.backend + ": " + e.what());
  }
  if (!fanout) return fail(kExitUsage, "unknown backend '" + config.backend + "'");
  const std::string backend_name(fanout->name());
  signalmesh::store::StorePtr store;
  try {
    store = signalmesh::store::make_store(config.store);
  } catch (const std::exception& e) {
    return fail(kExitUsage, "--store " + config.store.url + ": " + e.what());
  }
  for (const auto& warning : flags.warnings) SM_WARN(warning);

  // Writes to a closed socket must be errors, not a fatal signal.
  std::signal(SIGPIPE, SIG_IGN);
  raise_open_files_limit(config.limits.max_connections);

  asio::io_context loop(1);

  signalmesh::Gateway gateway(loop, config, std::move(fanout), std::move(store));
  try {
    gateway.start();
  } catch (const std::exception& e) {
    return fail(kExitFailure, e.what());
  }

  // First SIGINT/SIGTERM drains; a second one stops at once.
  asio::signal_set signals(loop, SIGINT, SIGTERM);
  bool draining = false;
  std::function<void(const asio::error_code&, int)> on_signal = [&](const asio::error_code& ec,
                                                                    int signo) {
    if (ec) return;
    if (!draining) {
      draining = true;
      SM_INFO("signal " << signo << ": draining (at most " << config.drain_timeout_ms
                        << " ms; signal again to stop at once)");
      gateway.drain([&] {
        signals.cancel();
        loop.stop();
      });
      signals.async_wait(on_signal);
    } else {
      SM_WARN("signal " << signo << ": stopping at once");
      gateway.stop();
      loop.stop();
    }
  };
  signals.async_wait(on_signal);
  // SIGHUP: the TLS certificate is read again (systemctl reload, a renewal
  // hook); never a stop.
  asio::signal_set hangups(loop, SIGHUP);
  std::function<void(const asio::error_code&, int)> on_hangup = [&](const asio::error_code& ec,
                                                                    int) {
    if (ec) return;
    const std::string why = gateway.reload_tls();
    if (!why.empty() && !config.tls.enabled()) SM_INFO("SIGHUP: " << why);
    hangups.async_wait(on_hangup);
  };
  hangups.async_wait(on_hangup);

  std::cout << "signalmesh listening on " << (config.tls.enabled() ? "https://" : "http://")
            << url_host(config.host) << ":" << gateway.port() << " (backend " << backend_name
            << ", pod " << gateway.config().pod_id << ")" << std::endl;
  if (gateway.internal_port() != 0) {
    std::cout << "signalmesh internal endpoints on http://" << url_host(config.internal_host) << ":"
              << gateway.internal_port() << " (metrics, health, API, admin)" << std::endl;
  }

  loop.run();
  SM_INFO("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    return fail(kExitFailure, e.what());
  } catch (...) {
    return fail(kExitFailure, "unexpected error");
  }
}
