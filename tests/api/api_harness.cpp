#include "api/api_harness.hpp"

#include <asio/io_context.hpp>
#include <stdexcept>

namespace signalmesh::api::testing {
namespace {

constexpr auto kBound = std::chrono::seconds(10);

}  // namespace

std::string Reply::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

std::string Reply::code() const {
  if (!json.IsObject() || !json.HasMember("error")) return "";
  return json["error"]["code"].GetString();
}

std::string Reply::message() const {
  if (!json.IsObject() || !json.HasMember("error")) return "";
  return json["error"]["message"].GetString();
}

store::StorePtr make_test_store(const std::string& kind) {
  if (kind == "fake" || kind == "down") {
    auto fake = std::make_unique<FakeStore>();
    fake->down = kind == "down";
    return fake;
  }
  store::Settings settings;
  settings.url = kind == "sqlite" ? "sqlite::memory:" : kind;
  try {
    return store::make_store(settings);
  } catch (const std::invalid_argument&) {
    return nullptr;  // the SQLite store is not built yet
  }
}

ApiSettings ApiHarness::default_settings() {
  ApiSettings settings;
  settings.keys = {kKey, kOtherKey};
  settings.max_body_bytes = 65536;
  settings.max_room_members = 50;
  return settings;
}

ApiHarness::ApiHarness(store::StorePtr store, ApiSettings settings)
    : work_(asio::make_work_guard(loop_)), store_(std::move(store)) {
  bool started = false;
  store_->start(loop_, [&started](bool) { started = true; });
  run_until([&] { return started; });
  api_ = std::make_unique<DataApi>(*store_, live, std::move(settings), [this] { return now; });
}

ApiHarness::~ApiHarness() {
  store_->stop();
  api_.reset();
}

void ApiHarness::run_until(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    loop_.run_one_for(std::chrono::milliseconds(50));
  }
}

Reply ApiHarness::send(HttpRequest request) {
  struct Answers {
    int count = 0;
    HttpResponse response;
  };
  auto answers = std::make_shared<Answers>();
  api_->handle(std::move(request), [answers](HttpResponse response) {
    ++answers->count;
    answers->response = std::move(response);
  });
  run_until([&] { return answers->count > 0; });
  loop_.poll();  // a second answer would come now
  EXPECT_EQ(answers->count, 1) << "respond must be called exactly once";
  Reply reply;
  reply.status = answers->response.status;
  reply.body = answers->response.body;
  reply.headers = answers->response.headers;
  if (!reply.body.empty()) {
    reply.json.Parse(reply.body.c_str());
    EXPECT_FALSE(reply.json.HasParseError()) << reply.body;
    EXPECT_EQ(reply.header("Content-Type"), "application/json");
  }
  return reply;
}

Reply ApiHarness::call(const std::string& method, const std::string& path, const std::string& body,
                       const std::string& query, const std::string& if_match) {
  HttpRequest request;
  request.method = method;
  request.path = path;
  request.query = query;
  request.authorization = "Bearer " + kKey;
  request.if_match = if_match;
  if (!body.empty()) request.content_type = "application/json";
  request.body = body;
  return send(std::move(request));
}

void ApiHarness::put_hash(const std::string& room, std::uint32_t round, std::uint64_t tick,
                          const std::string& peer, const std::string& hash) {
  store::HashRecord record{room, round, tick, peer, hash, now};
  const auto r = await<store::Empty>(
      [&](store::Done<store::Empty> done) { store_->put_hash(record, std::move(done)); });
  ASSERT_TRUE(r.ok()) << r.message;
}

void ApiHarness::add_player(const std::string& room, const std::string& uid, std::uint64_t order) {
  const auto r = await<store::Empty>([&](store::Done<store::Empty> done) {
    store_->add_player(room, store::Player{uid, order}, now, std::move(done));
  });
  ASSERT_TRUE(r.ok()) << r.message;
}

void StoreApiTest::SetUp() {
  auto store = make_test_store(GetParam());
  if (!store) GTEST_SKIP() << "the " << GetParam() << " store is not built yet";
  api = std::make_unique<ApiHarness>(std::move(store));
}

}  // namespace signalmesh::api::testing
