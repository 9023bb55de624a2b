// The standard process_* families of Prometheus client libraries (CPU, RSS,
// open and maximum fds, start time) and signalmesh_build_info, read from
// /proc/self at each scrape. Linux only; a file that cannot be read leaves
// its families out rather than reporting zeros.
#pragma once

#include <string>

namespace signalmesh::process_metrics {

// Appends the families to `out` (Prometheus text format 0.0.4).
void append(std::string& out);

}  // namespace signalmesh::process_metrics
