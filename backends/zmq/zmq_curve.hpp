// CURVE for the mesh: key files, and the ZAP handler (ZeroMQ RFC 27) that
// lets only the mesh's own keys connect to a pod's PUB socket.
//
// With CURVE on, each pod has a key pair. Its PUB is a CURVE server with the
// secret key; its SUB connects to each peer as a CURVE client with the same
// pair and checks that the peer proves the public key configured for it. So
// a process without a mesh secret key can neither pose as a peer (our SUB
// refuses its handshake: nothing it publishes reaches us) nor connect to
// our PUB (the ZAP handler refuses its key: it can neither listen nor send
// us subscriptions).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "zmq/zmq_watch.hpp"

namespace asio {
class io_context;
}

namespace signalmesh::backends::zmq {

inline constexpr std::size_t kZ85KeySize = 40;

// This pod's keys, Z85-encoded; both empty = CURVE off.
struct CurveKeys {
  std::string secret_key;
  std::string public_key;
  bool enabled() const { return !secret_key.empty(); }
};

// Whether this libzmq was built with CURVE (libsodium).
bool curve_available();
// Reads a key file as written by signalmesh-zmq-keygen: blank lines and
// lines starting with '#' are skipped, the first other line (trimmed) is
// the Z85 key. Throws std::invalid_argument naming the file and the fault.
std::string read_key_file(const std::string& path);
// The public key that belongs to a Z85 secret key; throws
// std::invalid_argument when `secret_key` is not one.
std::string public_key_of(const std::string& secret_key);
// A fresh key pair (Z85); throws std::runtime_error without CURVE.
CurveKeys generate_keys();

// Answers the ZAP requests of one ZeroMQ context on the gateway's loop:
// CURVE clients whose public key is allowed pass, all others are refused
// and counted. ZeroMQ holds every handshake on a CURVE server until the
// handler answers, so the loop must run for peers to connect.
class ZapHandler {
 public:
  // Binds the context's ZAP endpoint; create it before any CURVE server
  // socket binds, or early handshakes would not be checked. Throws
  // ::zmq::error_t when the endpoint cannot be bound.
  ZapHandler(::zmq::context_t& context, const std::set<std::string>& allowed_z85);
  // Admits one more public key (Z85) from now on.
  void allow(const std::string& key_z85);
  // Starts answering on `loop` (loop thread only from then on).
  void attach(asio::io_context& loop);
  void detach();

  std::uint64_t admitted() const { return admitted_; }
  std::uint64_t refused() const { return refused_; }

 private:
  void on_input();

  ::zmq::socket_t socket_;
  std::set<std::string> allowed_;  // 32-byte binary public keys
  std::unique_ptr<SocketWatch> watch_;
  std::vector<::zmq::message_t> frames_;
  std::uint64_t admitted_ = 0;
  std::uint64_t refused_ = 0;
};

}  // namespace signalmesh::backends::zmq
