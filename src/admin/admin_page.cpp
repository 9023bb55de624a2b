// The operator page's CSP: hashes of its inline element contents, so that
// nothing but the page's own script and style can run, without a per-response
// nonce (the page is static).
#include "admin/admin_page.hpp"

#include <openssl/evp.h>

#include <cassert>

#include "auth/crypto.hpp"

namespace signalmesh::http {
namespace {

// The text between `open` and the next `close`; empty when absent (the page
// would then be blocked by its CSP, which its tests catch).
std::string_view element_text(std::string_view html, std::string_view open,
                              std::string_view close) {
  const std::size_t begin = html.find(open);
  if (begin == std::string_view::npos) return {};
  const std::size_t from = begin + open.size();
  const std::size_t end = html.find(close, from);
  if (end == std::string_view::npos) return {};
  return html.substr(from, end - from);
}

AdminPage build() {
  assert(kAdminAssetCount == 1);
  AdminPage page;
  page.html = std::string_view(kAdminAssets[0].data, kAdminAssets[0].size);
  page.content_security_policy =
      "default-src 'none'; script-src " +
      csp_hash(element_text(page.html, "<script>", "</script>")) + "; style-src " +
      csp_hash(element_text(page.html, "<style>", "</style>")) +
      "; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  return page;
}

}  // namespace

std::string csp_hash(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  return "'sha256-" + auth::base64(std::string_view(reinterpret_cast<const char*>(digest), size)) +
         "'";
}

const AdminPage& admin_page() {
  static const AdminPage page = build();
  return page;
}

}  // namespace signalmesh::http
