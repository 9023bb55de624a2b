#include "torture/torture_report.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "support/json.hpp"

namespace signalmesh::test {

namespace {

constexpr std::size_t kFailuresShown = 5;

double scale_from_environment() {
  const char* env = std::getenv("SIGNALMESH_TORTURE_SCALE");
  if (env == nullptr || *env == '\0') return 1.0;
  char* end = nullptr;
  const double scale = std::strtod(env, &end);
  if (end == env || *end != '\0' || !(scale > 0)) {
    ADD_FAILURE() << "SIGNALMESH_TORTURE_SCALE must be a positive number, not '" << env << "'";
    return 1.0;
  }
  return scale;
}

std::string seen_messages(const std::vector<std::string>& messages) {
  std::string out;
  for (std::size_t i = 0; i < messages.size() && i < 4; ++i) {
    out += (i == 0 ? "" : ",") + describe(messages[i]);
  }
  if (messages.size() > 4) out += ",... (" + std::to_string(messages.size()) + " messages)";
  return "[" + out + "]";
}

}  // namespace

void TrialResult::add(Flaw flaw, const std::string& what) {
  if (std::find(flaws.begin(), flaws.end(), flaw) == flaws.end()) flaws.push_back(flaw);
  detail += (detail.empty() ? "" : "; ") + what;
}

void TrialResult::merge(const TrialResult& other, const std::string& who) {
  if (other.passed()) return;
  for (Flaw flaw : other.flaws) {
    if (std::find(flaws.begin(), flaws.end(), flaw) == flaws.end()) flaws.push_back(flaw);
  }
  detail += (detail.empty() ? "" : "; ") + who + ": " + other.detail;
}

void judge_stream_end(const CloseObservation& seen, TrialResult& result) {
  if (seen.reset_before_close) result.add(Flaw::kResetBeforeClose, "ECONNRESET before the close");
  if (seen.eof_before_close) result.add(Flaw::kEofWithoutClose, "EOF without a close frame");
  if (seen.timed_out) result.add(Flaw::kTimeout, "no close frame in time");
  if (seen.reset_after_close) result.add(Flaw::kResetAfterClose, "ECONNRESET after the close");
  if (seen.reset_after_fin) result.add(Flaw::kResetAfterFin, "RST after the server's FIN");
  if (seen.no_eof_after_close) result.add(Flaw::kTimeout, "no end of stream after the close");
  if (seen.data_after_close > 0) {
    result.add(Flaw::kUnexpected,
               std::to_string(seen.data_after_close) + " data frames after the close frame");
  }
}

TrialResult judge(const CloseObservation& seen, const ClosePromise& promise) {
  TrialResult result;
  judge_stream_end(seen, result);
  if (seen.close_code && *seen.close_code != promise.close_code) {
    result.add(Flaw::kWrongCode, "close " + std::to_string(*seen.close_code) + ", not " +
                                     std::to_string(promise.close_code));
  }
  int errors = 0;
  bool foreign_error = false;
  for (const std::string& message : seen.messages) {
    std::optional<Json> json = Json::parse(message);
    if (!json || json->type() != "error") continue;
    ++errors;
    if (json->str("code") != promise.error_code) foreign_error = true;
  }
  if (errors != promise.errors || foreign_error) {
    result.add(Flaw::kWrongErrors, std::to_string(errors) + " errors where " +
                                       std::to_string(promise.errors) + " '" + promise.error_code +
                                       "' were promised");
  }
  if (!promise.last_message_type.empty() &&
      (seen.messages.empty() || describe(seen.messages.back()) != promise.last_message_type)) {
    result.add(Flaw::kUnexpected, "no '" + promise.last_message_type + "' just before the close");
  }
  if (!result.passed()) result.detail += " " + seen_messages(seen.messages);
  return result;
}

void CaseTally::add(const TrialResult& result) {
  ++trials_;
  if (result.passed()) {
    ++passes_;
    return;
  }
  for (Flaw flaw : result.flaws) ++counts_[flaw];
  if (first_failures_.size() < kFailuresShown) {
    first_failures_.push_back("trial " + std::to_string(trials_) + ": " + result.detail);
  }
}

int CaseTally::count(Flaw flaw) const {
  auto it = counts_.find(flaw);
  return it == counts_.end() ? 0 : it->second;
}

int CaseTally::resets() const {
  return count(Flaw::kResetBeforeClose) + count(Flaw::kEofWithoutClose) +
         count(Flaw::kResetAfterClose) + count(Flaw::kResetAfterFin);
}

std::string CaseTally::summary() const {
  std::ostringstream out;
  out << name_ << ": " << trials_ << " trials, " << passes_ << " passed; resets " << resets()
      << " (ECONNRESET before the close frame " << count(Flaw::kResetBeforeClose)
      << ", EOF without a close frame " << count(Flaw::kEofWithoutClose)
      << ", ECONNRESET after the close frame " << count(Flaw::kResetAfterClose)
      << ", RST after the FIN " << count(Flaw::kResetAfterFin) << "); wrong codes "
      << count(Flaw::kWrongCode) << "; missing or extra errors " << count(Flaw::kWrongErrors)
      << "; timeouts " << count(Flaw::kTimeout) << "; unexpected messages "
      << count(Flaw::kUnexpected) << "; lost or reordered " << count(Flaw::kLost)
      << "; setup failures " << count(Flaw::kSetup);
  for (const std::string& failure : first_failures_) out << "\n  " << failure;
  return out.str();
}

void CaseTally::report() const {
  const std::string text = summary();
  // The counts on stdout, passing or not; the failed trials go with the
  // test failure below.
  std::printf("[ torture  ] %s\n", text.substr(0, text.find('\n')).c_str());
  std::fflush(stdout);
  EXPECT_GT(trials_, 0) << name_ << ": no trial ran";
  EXPECT_EQ(passes_, trials_) << text;
}

int trial_count(int normal, int minimum) {
  static const double scale = scale_from_environment();
  const double sanitized = kSanitizedBuild ? normal / 3.0 : normal;
  return std::max(minimum, static_cast<int>(std::lround(sanitized * scale)));
}

}  // namespace signalmesh::test
