#include "store/none/none_store.hpp"

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <utility>

namespace signalmesh::store {
namespace {

class NoneStore final : public Store {
 public:
  void start(asio::io_context& loop, std::function<void(bool)> on_state) override {
    loop_ = &loop;
    // Always "up": there is nothing to be down.
    asio::post(loop, [cb = std::move(on_state)] { cb(true); });
  }
  void stop() override { loop_ = nullptr; }
  bool is_up() const override { return true; }
  std::string_view name() const override { return "none"; }

  void create_user(User, Done<User> done) override { unsupported(std::move(done)); }
  void get_user(std::string, Done<User> done) override { unsupported(std::move(done)); }
  void list_users(PageRequest, Done<Page<User>> done) override { unsupported(std::move(done)); }
  void patch_user(std::string, UserPatch, Done<User> done) override {
    unsupported(std::move(done));
  }
  void delete_user(std::string, Done<Empty> done) override { unsupported(std::move(done)); }
  void touch_user(std::string, std::int64_t, Done<Empty> done) override { ok(std::move(done)); }
  void create_room(RoomRecord, Done<RoomRecord> done) override { unsupported(std::move(done)); }
  void open_room(std::string, bool, std::int64_t, Done<RoomRecord> done) override {
    unsupported(std::move(done));
  }
  void get_room(std::string, Done<RoomRecord> done) override { unsupported(std::move(done)); }
  void list_rooms(std::optional<RoomStatus>, PageRequest, Done<Page<RoomRecord>> done) override {
    unsupported(std::move(done));
  }
  void patch_room(std::string, RoomPatch, std::optional<std::uint64_t>, std::int64_t,
                  Done<RoomRecord> done) override {
    unsupported(std::move(done));
  }
  void delete_room(std::string, Done<Empty> done) override { unsupported(std::move(done)); }
  void add_player(std::string, Player, std::int64_t, Done<Empty> done) override {
    ok(std::move(done));
  }
  void remove_player(std::string, std::string, std::int64_t, Done<Empty> done) override {
    ok(std::move(done));
  }
  void set_host(std::string, std::string, std::int64_t, Done<Empty> done) override {
    ok(std::move(done));
  }
  void advance_status(std::string, RoomStatus, std::uint32_t, std::int64_t,
                      Done<Empty> done) override {
    ok(std::move(done));
  }
  void replace_players(std::string, std::vector<Player>, std::string, std::int64_t,
                       Done<Empty> done) override {
    ok(std::move(done));
  }
  void put_hash(HashRecord, Done<Empty> done) override { ok(std::move(done)); }
  void list_hashes(std::string, std::uint32_t, std::uint64_t, std::uint64_t, PageRequest,
                   Done<Page<HashRecord>> done) override {
    unsupported(std::move(done));
  }

 private:
  template <typename T>
  void unsupported(Done<T> done) {
    if (!loop_ || !done) return;
    asio::post(*loop_, [done = std::move(done)] {
      Result<T> r;
      r.status = Status::kUnsupported;
      r.message = "this server keeps no records (--store none)";
      done(std::move(r));
    });
  }
  void ok(Done<Empty> done) {
    if (!loop_ || !done) return;
    asio::post(*loop_, [done = std::move(done)] { done(Result<Empty>{}); });
  }

  asio::io_context* loop_ = nullptr;
};

}  // namespace

StorePtr make_none_store() { return std::make_unique<NoneStore>(); }

}  // namespace signalmesh::store
