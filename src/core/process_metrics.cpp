// process_* and signalmesh_build_info (process_metrics.hpp).
#include "core/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/build_info.hpp"
#include "core/prometheus.hpp"

namespace signalmesh::process_metrics {
namespace {

using prometheus::counter;
using prometheus::gauge;

// The seconds since the epoch at which the machine booted (/proc/stat btime).
double boot_time() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

// /proc/self/stat: utime (14), stime (15) and starttime (22) in clock ticks,
// vsize (23) in bytes, rss (24) in pages. The command name (2) is in
// parentheses and may hold spaces: fields are counted after its ')'.
void append_stat(std::string& out) {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return;
  const auto paren = line.rfind(')');
  if (paren == std::string::npos) return;
  std::istringstream fields(line.substr(paren + 2));
  std::string f;
  double utime = 0, stime = 0, start = 0, vsize = 0, rss = 0;
  for (int i = 3; i <= 24 && fields >> f; ++i) {
    if (i == 14) utime = std::strtod(f.c_str(), nullptr);
    if (i == 15) stime = std::strtod(f.c_str(), nullptr);
    if (i == 22) start = std::strtod(f.c_str(), nullptr);
    if (i == 23) vsize = std::strtod(f.c_str(), nullptr);
    if (i == 24) rss = std::strtod(f.c_str(), nullptr);
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  if (ticks <= 0 || page <= 0) return;
  counter(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
          (utime + stime) / ticks);
  gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes.", rss * page);
  gauge(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", vsize);
  if (const double boot = boot_time(); boot > 0) {
    gauge(out, "process_start_time_seconds",
          "Start time of the process since unix epoch in seconds.", boot + start / ticks);
  }
}

void append_fds(std::string& out) {
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    double open = 0;
    while (const dirent* e = ::readdir(dir)) {
      if (e->d_name[0] != '.') ++open;
    }
    ::closedir(dir);
    gauge(out, "process_open_fds", "Number of open file descriptors.", open - 1);  // the DIR's own
  }
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    gauge(out, "process_max_fds", "Maximum number of open file descriptors.",
          static_cast<double>(lim.rlim_cur));
  }
}

// Label values here are a version and a commit: [0-9A-Za-z.-], nothing to escape.
void append_build_info(std::string& out) {
  prometheus::header(out, "signalmesh_build_info", "gauge",
                     "Always 1; the labels name the version and git commit of this binary.");
  const std::string labels = std::string("{version=\"") + build_info::kVersion + "\",commit=\"" +
                             build_info::kCommit + "\"}";
  prometheus::sample(out, "signalmesh_build_info", labels, 1);
}

}  // namespace

void append(std::string& out) {
  append_build_info(out);
  append_stat(out);
  append_fds(out);
}

}  // namespace signalmesh::process_metrics
