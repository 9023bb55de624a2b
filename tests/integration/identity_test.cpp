// What a pod says about itself (issue 15 item 4): --version, the Server
// header and reason phrase of every HTTP answer (websocketpp's own parse
// errors included), signalmesh_build_info and the process_* families.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <regex>
#include <string>

#include "support/pods.hpp"
#include "support/raw_client.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {
namespace {

// Sends `request` as is over a fresh TCP connection and returns the answer's
// head (status line and headers), "" if none arrived within 5 s.
std::string answer_head(const std::string& base_url, const std::string& request) {
  const HostPort hp = parse_base_url(base_url);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(hp.port);
  ::inet_pton(AF_INET, hp.host.c_str(), &addr.sin_addr);
  std::string in;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    // The server may answer (and close) before it has read everything.
    for (std::size_t sent = 0; sent < request.size();) {
      const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    char buf[4096];
    while (in.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      in.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return in.substr(0, in.find("\r\n\r\n"));
}

std::string status_line(const std::string& head) {
  return head.substr(0, head.find("\r\n"));
}

bool names_signalmesh(const std::string& head) {
  return std::regex_search(
      head, std::regex("\r\nServer: signalmesh/[0-9]+\\.[0-9]+\\.[0-9]+(\r|$)", std::regex::icase));
}

TEST(Identity, VersionPrintsTheVersionAndTheCommitAndExits) {
  BinaryPod pod({"--version", "--port", "not-a-port"});  // --version wins over bad flags
  EXPECT_EQ(pod.wait_exit(), 0);
  const std::string out = pod.stdout_text();
  EXPECT_TRUE(std::regex_match(
      out, std::regex("signalmesh [0-9]+\\.[0-9]+\\.[0-9]+ \\(commit ([0-9a-f]{7,40}(-dirty)?|"
                      "unknown)\\)\n")))
      << out;
}

TEST(Identity, EveryAnswerNamesSignalmeshAndCarriesItsReasonPhrase) {
  const std::string base = PodSet::shared().next_url();
  struct Case {
    const char* what;
    std::string request;
    const char* status;
  };
  const std::string big_header(20000, 'a');
  const std::string big_body(100000, 'b');
  const Case cases[] = {
      {"a page that does not exist", "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n",
       "HTTP/1.1 404 Not Found"},
      {"a signal path without the upgrade", "GET /signal/r1 HTTP/1.1\r\nHost: x\r\n\r\n",
       "HTTP/1.1 426 Upgrade Required"},
      {"headers over websocketpp's limit",
       "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + big_header + "\r\n\r\n",
       "HTTP/1.1 431 Request Header Fields Too Large"},
      {"a body over the limit",
       "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(big_body.size()) +
           "\r\n\r\n" + big_body,
       "HTTP/1.1 413 Request Entity Too Large"},
      {"a request line that is not HTTP", "GARBAGE\r\n\r\n", "HTTP/1.1 400 Bad Request"},
  };
  for (const Case& c : cases) {
    const std::string head = answer_head(base, c.request);
    EXPECT_EQ(status_line(head), c.status) << c.what;
    EXPECT_TRUE(names_signalmesh(head)) << c.what << ":\n" << head;
    EXPECT_EQ(head.find("WebSocket++"), std::string::npos) << c.what << ":\n" << head;
  }
}

TEST(Identity, MetricsHaveTheBuildInfoAndTheProcessFamilies) {
  const std::string base = PodSet::shared().next_url();
  {
    // One admission at least, counted by signalmesh_admission_seconds.
    WsClient ws;
    ASSERT_TRUE(ws.connect(base + "/signal/" + random_id() + "?peerId=identity").open);
    ASSERT_TRUE(ws.expect_message_of_type("welcome"));
  }
  const HttpResponse r = http_get(base, "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(std::regex_search(
      r.body, std::regex("\nsignalmesh_build_info\\{version=\"[0-9]+\\.[0-9]+\\.[0-9]+\",commit=\""
                         "[0-9a-z-]+\"\\} 1\n")))
      << r.body;
  for (const char* family : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                             "process_virtual_memory_bytes", "process_start_time_seconds",
                             "process_open_fds", "process_max_fds"}) {
    const std::regex sample(std::string("\n# TYPE ") + family + " (counter|gauge)\n" + family +
                            " [0-9.e+]+\n");
    EXPECT_TRUE(std::regex_search(r.body, sample)) << family;
  }
  EXPECT_NE(r.body.find("\n# TYPE signalmesh_admission_seconds histogram\n"), std::string::npos);
  const auto admissions = r.body.find("\nsignalmesh_admission_seconds_count ");
  ASSERT_NE(admissions, std::string::npos);
  EXPECT_GE(std::stod(r.body.substr(admissions + 36)), 1.0);
  // The resident set of a running pod is more than a megabyte, and it holds
  // at least its listener and this request's socket.
  const auto value = [&](const std::string& name) {
    const auto at = r.body.find("\n" + name + " ");
    return at == std::string::npos ? -1.0 : std::stod(r.body.substr(at + name.size() + 2));
  };
  EXPECT_GT(value("process_resident_memory_bytes"), 1e6);
  EXPECT_GE(value("process_open_fds"), 2);
}

}  // namespace
}  // namespace signalmesh::test
