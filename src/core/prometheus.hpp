// The one writer of the Prometheus text format (version 0.0.4) behind
// /metrics: the gateway's own families (core/metrics.cpp) and each
// backend's (FanoutAdapter::append_metrics, names signalmesh_{backend}_*).
#pragma once

#include <string>
#include <string_view>

namespace signalmesh::prometheus {

// "# HELP name help\n# TYPE name type\n"; type is "counter" or "gauge".
void header(std::string& out, std::string_view name, std::string_view type, std::string_view help);
// "name{labels} value\n"; labels is "" or like {code="4008"}. Integers up to
// 2^53 print exactly.
void sample(std::string& out, std::string_view name, std::string_view labels, double value);
// One family of one unlabelled sample.
void scalar(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            double value);
inline void counter(std::string& out, std::string_view name, std::string_view help, double value) {
  scalar(out, name, "counter", help, value);
}
inline void gauge(std::string& out, std::string_view name, std::string_view help, double value) {
  scalar(out, name, "gauge", help, value);
}

}  // namespace signalmesh::prometheus
