// The demo page and browser client, embedded at build time (embed.cmake).
#pragma once

#include <cstddef>

namespace signalmesh::http {

struct DemoAsset {
  const char* path;  // "/index.html", "/signalmesh-client.js"
  const char* content_type;
  const char* data;
  std::size_t size;
};

extern const DemoAsset kDemoAssets[];
extern const std::size_t kDemoAssetCount;

}  // namespace signalmesh::http
