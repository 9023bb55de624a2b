// What the generator reads about processes: CPU seconds (utime + stime from
// /proc/PID/stat), resident memory (VmRSS from /proc/PID/status), its own
// CPU (getrusage), and the open-files limit it raises at start.
#pragma once

#include <string>

namespace sm_bench {

// CPU seconds used so far by process `pid` (all threads); negative when the
// process cannot be read.
double process_cpu_seconds(int pid);
// Resident set size of `pid` in KiB; negative when unreadable.
long process_rss_kib(int pid);
// Seconds the threads of `pid` spent runnable but waiting for a CPU (the
// second field of /proc/PID/task/*/schedstat): high when the machine is
// busy with something else. Negative when unreadable.
double process_runq_wait_seconds(int pid);
// CPU seconds (user + system) of this process, all threads.
double self_cpu_seconds();
// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
long raise_fd_limit();

}  // namespace sm_bench
