// The operator status page (GET /admin, docs/api.md "Operator page"):
// admin.html, embedded at build time by src/demo/embed.cmake, and the
// Content-Security-Policy it is served with. The gateway serves it only when
// the server API has a key; the page asks the operator for one.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "demo/demo_assets.hpp"

namespace signalmesh::http {

// Generated (embed.cmake): one row, "/admin.html".
extern const DemoAsset kAdminAssets[];
extern const std::size_t kAdminAssetCount;

struct AdminPage {
  std::string_view html;
  // default-src 'none', connect-src 'self', and script-src / style-src that
  // allow only the page's one inline <script> and <style>, by their SHA-256.
  std::string content_security_policy;
};

// Built on first use, then immutable (safe from any thread).
const AdminPage& admin_page();

// The SHA-256 source expression of `text`: "'sha256-BASE64'".
std::string csp_hash(std::string_view text);

}  // namespace signalmesh::http
