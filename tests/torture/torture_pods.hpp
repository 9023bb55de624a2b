// The signalmesh binaries the torture cases run against: one pod with the
// flags a case needs, or three pods sharing rooms over a real redis-server
// or a ZeroMQ mesh, all on free loopback ports.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/pods.hpp"
#include "support/redis_server.hpp"

namespace signalmesh::test {

// Starts the binary on 127.0.0.1 with a free port, errors-only logging and
// `flags`, and waits until it listens and /readyz answers 200. nullptr (and
// the reason in `failure`) when it does not come up.
std::unique_ptr<BinaryPod> start_pod(std::vector<std::string> flags, std::string& failure);

// Flags that keep the rate limit out of the way of clients that write as
// fast as they can while their close happens (cases that test something else).
std::vector<std::string> unlimited_rate_flags();

// A file holding a JWT secret for --jwt-secret-file (argv is visible to
// other users); removed with the object.
class SecretFile {
 public:
  explicit SecretFile(const std::string& secret);
  ~SecretFile();
  SecretFile(const SecretFile&) = delete;
  SecretFile& operator=(const SecretFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Three pods with the default limits, sharing rooms through one backend.
class PodTrio {
 public:
  static constexpr int kPods = 3;

  // Over a redis-server of its own; nullptr (reason in `failure`) on error.
  static std::unique_ptr<PodTrio> over_redis(std::string& failure);
  // Over a ZeroMQ PUB/SUB full mesh on free loopback ports.
  static std::unique_ptr<PodTrio> over_zmq_mesh(std::string& failure);

  std::string url(int pod) const { return pods_[pod]->url(); }
  // The pods' stderr, for a failure message.
  std::string logs() const;

 private:
  // Launches every pod at once (each joins the others quickly, as an
  // orchestrator would start them), then waits for each to be ready.
  bool start(const std::vector<std::vector<std::string>>& backend_flags, std::string& failure);

  std::unique_ptr<RedisServer> redis_;
  std::vector<std::unique_ptr<BinaryPod>> pods_;
};

}  // namespace signalmesh::test
