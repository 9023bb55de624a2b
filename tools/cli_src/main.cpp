// signalmesh-cli: a scriptable client for one room.
//   signalmesh-cli ws://HOST:PORT ROOM [--peer-id X] [--token T] [--grace-ms MS]
// Prints every message it receives on stdout, one per line, as received.
// Sends each line of stdin as one text message (one JSON per line; empty
// lines are skipped). On end of input it waits --grace-ms (500) for late
// messages, then closes with 1000. When the connection ends it prints
// "closed CODE REASON" (or why it failed) on stderr.
// Exit codes: 0 after a close with 1000, 1 when it cannot connect or is
// refused the upgrade, 2 for a bad command line, 3 after any other close.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "ws_conn.hpp"

namespace {

constexpr const char* kUsage =
    "usage: signalmesh-cli ws://HOST:PORT ROOM [--peer-id X] [--token T] [--grace-ms MS]\n";
constexpr int kCloseTimeoutMs = 3000;

struct Cli final : sm_bench::WsHandler {
  sm_bench::Loop loop;
  sm_bench::WsConn conn{loop, *this};
  asio::steady_timer timer{loop.io};
  int grace_ms = 500;
  int exit_code = 1;

  void on_open(sm_bench::WsConn&) override {
    std::thread([this] { read_stdin(); }).detach();
  }

  void on_message(sm_bench::WsConn&, std::string_view payload, bool) override {
    std::fwrite(payload.data(), 1, payload.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }

  void on_closed(sm_bench::WsConn&, bool was_open, int code, std::string_view reason,
                 std::string_view error) override {
    if (!was_open) {
      std::cerr << "signalmesh-cli: cannot connect: " << error << "\n";
      exit_code = 1;
    } else if (!error.empty()) {
      std::cerr << "signalmesh-cli: connection lost (1006): " << error << "\n";
      exit_code = 3;
    } else {
      std::cerr << "closed " << code << (reason.empty() ? "" : " ") << reason << "\n";
      exit_code = code == 1000 ? 0 : 3;
    }
    timer.cancel();
    loop.io.stop();
  }

  void read_stdin() {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      asio::post(loop.io, [this, line] {
        if (conn.state() == sm_bench::WsConn::State::kOpen) conn.send_text(line);
      });
    }
    asio::post(loop.io, [this] { end_of_input(); });
  }

  void end_of_input() {
    timer.expires_after(std::chrono::milliseconds(grace_ms));
    timer.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      conn.close(1000, "");
      timer.expires_after(std::chrono::milliseconds(kCloseTimeoutMs));
      timer.async_wait([this](const asio::error_code& e) {
        if (!e) conn.abort("no close from the server");
      });
    });
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> positional;
  std::string peer_id, token;
  int grace_ms = 500;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if ((arg == "--peer-id" || arg == "--token" || arg == "--grace-ms") && i + 1 < argc) {
      const std::string value = argv[++i];
      if (arg == "--peer-id") peer_id = value;
      if (arg == "--token") token = value;
      if (arg == "--grace-ms") grace_ms = std::atoi(value.c_str());
    } else if (arg.rfind("--", 0) == 0) {
      std::cerr << "signalmesh-cli: unknown option or missing value: " << arg << "\n" << kUsage;
      return 2;
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 2 || positional[0].rfind("ws://", 0) != 0) {
    std::cerr << kUsage;
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  std::string authority = positional[0].substr(5);
  authority = authority.substr(0, authority.find('/'));
  const auto colon = authority.rfind(':');
  const bool has_port =
      colon != std::string::npos && authority.find(']', colon) == std::string::npos;
  std::string host = has_port ? authority.substr(0, colon) : authority;
  const std::string port = has_port ? authority.substr(colon + 1) : "80";
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);

  std::string target = "/signal/" + positional[1];
  std::string query;
  if (!peer_id.empty()) query += "peerId=" + peer_id;
  if (!token.empty()) query += (query.empty() ? "" : "&") + std::string("token=") + token;
  if (!query.empty()) target += "?" + query;

  Cli cli;
  cli.grace_ms = grace_ms;
  asio::ip::tcp::resolver resolver(cli.loop.io);
  asio::error_code ec;
  const auto results = resolver.resolve(host, port, ec);
  if (ec || results.empty()) {
    std::cerr << "signalmesh-cli: cannot resolve " << host << ":" << port << ": " << ec.message()
              << "\n";
    return 1;
  }
  auto endpoint = results.begin()->endpoint();
  for (const auto& r : results) {
    if (r.endpoint().address().is_v4()) endpoint = r.endpoint();  // as the bench does
  }
  cli.conn.start(endpoint, asio::ip::address(), authority, target);
  cli.loop.io.run();
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(cli.exit_code);  // the stdin reader may still be blocked in read()
}
