// The operator status page (docs/api.md, "Operator page") as the signalmesh
// binary serves it: a 404 without an API key, like any unknown path; with a
// key, the page itself (not the key) as text/html, never cached, under a CSP
// that lets only its own inline script and style run and talk to its own
// origin. What the page shows is tested in Chromium (tests/e2e/admin.test.mjs).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "support/pods.hpp"
#include "support/raw_client.hpp"

namespace signalmesh::test {
namespace {

constexpr const char* kKey = "admin-page-test-key-5f2c9e";

std::vector<std::string> pod_flags(std::vector<std::string> extra) {
  std::vector<std::string> flags = {"--host",      "127.0.0.1", "--port",  "0",
                                    "--log-level", "error",     "--store", "none"};
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

// "'sha256-BASE64'" of `text`, computed here rather than by the server's code.
std::string sha256_source(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  std::string b64(4 * ((size + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), digest, static_cast<int>(size));
  b64.resize(static_cast<std::size_t>(n));
  return "'sha256-" + b64 + "'";
}

// The text of the first <tag>...</tag> of `html` (the page's elements carry
// no attributes), or "" when it has none.
std::string element_text(const std::string& html, const std::string& tag) {
  const std::string open = "<" + tag + ">";
  const std::size_t begin = html.find(open);
  if (begin == std::string::npos) return {};
  const std::size_t from = begin + open.size();
  const std::size_t end = html.find("</" + tag + ">", from);
  return end == std::string::npos ? std::string() : html.substr(from, end - from);
}

// The directives of a CSP header: "name value..." without the separators.
std::vector<std::string> directives(const std::string& csp) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= csp.size()) {
    std::size_t end = csp.find(';', pos);
    if (end == std::string::npos) end = csp.size();
    std::string d = csp.substr(pos, end - pos);
    const auto first = d.find_first_not_of(' ');
    const auto last = d.find_last_not_of(' ');
    if (first != std::string::npos) out.push_back(d.substr(first, last - first + 1));
    pos = end + 1;
  }
  return out;
}

void expect_page(const HttpResponse& r) {
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.header("cache-control"), "no-store");
  EXPECT_EQ(r.header("x-frame-options"), "DENY");
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  EXPECT_NE(r.body.find("<title>signalmesh status</title>"), std::string::npos);
  // The elements the browser test and operators rely on.
  for (const char* id : {"id=\"key\"", "id=\"pods\"", "id=\"rooms\"", "id=\"events\""}) {
    EXPECT_NE(r.body.find(id), std::string::npos) << id;
  }

  const std::string script = element_text(r.body, "script");
  const std::string style = element_text(r.body, "style");
  ASSERT_FALSE(script.empty());
  ASSERT_FALSE(style.empty());
  EXPECT_EQ(
      directives(r.header("content-security-policy")),
      (std::vector<std::string>{"default-src 'none'", "script-src " + sha256_source(script),
                                "style-src " + sha256_source(style), "connect-src 'self'",
                                "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"}))
      << r.header("content-security-policy");
  // The key is asked for in the page and kept in sessionStorage, never in
  // the URL or in the page.
  EXPECT_EQ(r.body.find(kKey), std::string::npos);
  EXPECT_NE(script.find("sessionStorage"), std::string::npos);
  EXPECT_EQ(script.find("localStorage"), std::string::npos);
  EXPECT_EQ(script.find("innerHTML"), std::string::npos) << "text goes in with textContent";
}

TEST(AdminPage, IsA404WithoutAnApiKeyLikeAnyUnknownPath) {
  BinaryPod pod(pod_flags({}));
  ASSERT_TRUE(pod.wait_listening()) << pod.stderr_text();
  for (const char* path : {"/admin", "/admin/", "/admin.html"}) {
    const HttpResponse r = http_get(pod.url(), path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body, "not found\n") << path;
    EXPECT_EQ(r.header("content-security-policy"), "") << path;
  }
  EXPECT_EQ(http_get(pod.url(), "/").status, 200) << "the demo is still served";
}

TEST(AdminPage, WithAnApiKeyIsServedAsHtmlUnderAStrictCspWithoutTheKey) {
  BinaryPod pod(pod_flags({"--api-key", kKey}));
  ASSERT_TRUE(pod.wait_listening()) << pod.stderr_text();
  const HttpResponse admin = http_get(pod.url(), "/admin");
  expect_page(admin);
  const HttpResponse slash = http_get(pod.url(), "/admin/");
  expect_page(slash);
  EXPECT_EQ(slash.body, admin.body);
  // The page is not secret; the data behind it is.
  EXPECT_EQ(http_get(pod.url(), "/admin", {{"Authorization", "Bearer wrong"}}).status, 200);
  EXPECT_EQ(http_get(pod.url(), "/api/v1/pods", {{"Authorization", "Bearer wrong"}}).status, 401);
  // Only those two paths.
  for (const char* path : {"/admin.html", "/admin/x", "/admin//", "/administrator"}) {
    EXPECT_EQ(http_get(pod.url(), path).status, 404) << path;
  }
  EXPECT_EQ(http_request(pod.url(), "POST", "/admin").status, 405);
}

TEST(AdminPage, IsServedWhenTheKeysComeFromAKeyFile) {
  char path[] = "/tmp/signalmesh-admin-keys.XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << "# operators\n" << kKey << "\n";
  BinaryPod pod(pod_flags({"--api-key-file", path}));
  ASSERT_TRUE(pod.wait_listening()) << pod.stderr_text();
  expect_page(http_get(pod.url(), "/admin"));
  std::remove(path);
}

}  // namespace
}  // namespace signalmesh::test
