#include "torture/torture_pods.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "support/free_port.hpp"
#include "support/raw_client.hpp"

namespace signalmesh::test {

namespace {

using Clock = std::chrono::steady_clock;

// Until /readyz answers 200: a pod listens before its backend is connected.
bool wait_ready(const BinaryPod& pod, Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (http_get(pod.url(), "/readyz", {}, Ms(1000)).status == 200) return true;
    std::this_thread::sleep_for(Ms(20));  // polling a status, bounded above
  }
  return false;
}

std::string mesh_endpoint(std::uint16_t port) {
  return "tcp://127.0.0.1:" + std::to_string(port);
}

}  // namespace

std::unique_ptr<BinaryPod> start_pod(std::vector<std::string> flags, std::string& failure) {
  std::vector<std::string> args = {"--host", "127.0.0.1", "--port", "0", "--log-level", "error"};
  args.insert(args.end(), flags.begin(), flags.end());
  auto pod = std::make_unique<BinaryPod>(std::move(args));
  if (!pod->wait_listening(Ms(10000))) {
    failure = "the pod did not start listening: " + pod->stderr_text();
    return nullptr;
  }
  if (!wait_ready(*pod, Ms(10000))) {
    failure = "the pod never became ready: " + pod->stderr_text();
    return nullptr;
  }
  return pod;
}

std::vector<std::string> unlimited_rate_flags() {
  return {"--rate-per-second", "1000000000", "--rate-burst", "1000000000"};
}

SecretFile::SecretFile(const std::string& secret) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                        "/signalmesh-torture-secret-XXXXXX";
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed for " + pattern);
  const std::string line = secret + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  path_ = pattern;
  if (!written) throw std::runtime_error("cannot write the secret to " + path_);
}

SecretFile::~SecretFile() {
  std::remove(path_.c_str());
}

std::unique_ptr<PodTrio> PodTrio::over_redis(std::string& failure) {
  auto trio = std::unique_ptr<PodTrio>(new PodTrio());
  try {
    trio->redis_ = std::make_unique<RedisServer>();
  } catch (const std::exception& e) {
    failure = std::string("redis-server: ") + e.what();
    return nullptr;
  }
  std::vector<std::vector<std::string>> flags;
  for (int i = 0; i < kPods; ++i) {
    flags.push_back({"--backend", "redis", "--redis-url", trio->redis_->url()});
  }
  return trio->start(flags, failure) ? std::move(trio) : nullptr;
}

std::unique_ptr<PodTrio> PodTrio::over_zmq_mesh(std::string& failure) {
  auto trio = std::unique_ptr<PodTrio>(new PodTrio());
  // Picked up front: every pod must know the others' endpoints.
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < kPods; ++i) ports.push_back(free_loopback_port());
  std::vector<std::vector<std::string>> flags;
  for (int i = 0; i < kPods; ++i) {
    std::string peers;
    for (int j = 0; j < kPods; ++j) {
      if (j == i) continue;
      peers += (peers.empty() ? "" : ",") + mesh_endpoint(ports[j]);
    }
    flags.push_back(
        {"--backend", "zmq", "--zmq-bind", mesh_endpoint(ports[i]), "--zmq-peers", peers});
  }
  return trio->start(flags, failure) ? std::move(trio) : nullptr;
}

bool PodTrio::start(const std::vector<std::vector<std::string>>& backend_flags,
                    std::string& failure) {
  for (int i = 0; i < kPods; ++i) {
    std::vector<std::string> args = {
        "--host",      "127.0.0.1", "--port",   "0",
        "--log-level", "error",     "--pod-id", "torture" + std::to_string(i)};
    args.insert(args.end(), backend_flags[i].begin(), backend_flags[i].end());
    pods_.push_back(std::make_unique<BinaryPod>(std::move(args)));
  }
  for (int i = 0; i < kPods; ++i) {
    if (!pods_[i]->wait_listening(Ms(10000)) || !wait_ready(*pods_[i], Ms(10000))) {
      failure = "pod " + std::to_string(i) + " did not become ready: " + pods_[i]->stderr_text();
      return false;
    }
  }
  return true;
}

std::string PodTrio::logs() const {
  std::string out;
  for (int i = 0; i < kPods; ++i) {
    const std::string err = pods_[i]->stderr_text();
    if (!err.empty()) out += "pod " + std::to_string(i) + ": " + err;
  }
  return out;
}

}  // namespace signalmesh::test
