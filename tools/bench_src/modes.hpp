// Runs the mode chosen on the command line; returns the exit code.
#pragma once

#include "options.hpp"

namespace sm_bench {

int run_mode(const Options& options);
int run_echo_server(int port);

}  // namespace sm_bench
