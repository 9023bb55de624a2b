// signalmesh-zmq-keygen: CURVE key pairs for the zmq mesh (docs/zmq-mesh.md).
//   signalmesh-zmq-keygen [--force] NAME   writes NAME.key (secret, mode 0600)
//                                          and NAME.pub (public)
//   signalmesh-zmq-keygen --public FILE    prints the public key of a secret
//                                          key file
// Exit codes: 0 done, 1 could not write or read, 2 bad command line.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "zmq/zmq_curve.hpp"

namespace {

namespace zmq = signalmesh::backends::zmq;

constexpr const char* kUsage =
    "usage: signalmesh-zmq-keygen [--force] NAME   (writes NAME.key and NAME.pub)\n"
    "       signalmesh-zmq-keygen --public FILE    (prints the public key of a secret key file)\n";

// Creates `path` with `mode` (refusing an existing file unless `force`).
bool write_file(const std::string& path, const std::string& text, mode_t mode, bool force) {
  const int flags = O_WRONLY | O_CREAT | (force ? O_TRUNC : O_EXCL);
  const int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) {
    std::fprintf(stderr, "signalmesh-zmq-keygen: %s: %s%s\n", path.c_str(), std::strerror(errno),
                 errno == EEXIST ? " (use --force to replace it)" : "");
    return false;
  }
  const bool ok = ::fchmod(fd, mode) == 0 &&
                  ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (::close(fd) != 0 || !ok) {
    std::fprintf(stderr, "signalmesh-zmq-keygen: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

int generate(const std::string& name, bool force) {
  if (!zmq::curve_available()) {
    std::fprintf(stderr, "signalmesh-zmq-keygen: this libzmq has no CURVE support\n");
    return 1;
  }
  const zmq::CurveKeys keys = zmq::generate_keys();
  const std::string base = name.substr(name.find_last_of('/') + 1);
  const std::string secret = "# signalmesh zmq mesh: CURVE secret key of " + base +
                             ". Keep it private: --zmq-curve-secret-key-file on that pod only.\n" +
                             keys.secret_key + "\n";
  const std::string pub = "# signalmesh zmq mesh: CURVE public key of " + base +
                          ". Give it to the other pods (--zmq-curve-peer-keys).\n" +
                          keys.public_key + "\n";
  if (!write_file(name + ".key", secret, 0600, force)) return 1;
  if (!write_file(name + ".pub", pub, 0644, force)) return 1;
  std::printf("%s.key (secret) and %s.pub (public %s)\n", name.c_str(), name.c_str(),
              keys.public_key.c_str());
  return 0;
}

int print_public(const std::string& file) {
  try {
    std::printf("%s\n", zmq::public_key_of(zmq::read_key_file(file)).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "signalmesh-zmq-keygen: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool force = false;
  bool show_public = false;
  std::string target;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--force") {
      force = true;
    } else if (arg == "--public") {
      show_public = true;
    } else if (!arg.empty() && arg[0] != '-' && target.empty()) {
      target = arg;
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (target.empty() || (show_public && force)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  return show_public ? print_public(target) : generate(target, force);
}
