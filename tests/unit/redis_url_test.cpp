// redis:// URL parsing as a table: what is accepted and what each part
// becomes, and what is refused with which reason.
#include "redis/redis_url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace signalmesh::backends::redis {
namespace {

struct Good {
  const char* url;
  const char* host;
  std::uint16_t port;
  const char* user;
  const char* password;
  int db;
};

TEST(RedisUrl, ValidUrlsParseIntoTheirParts) {
  const Good table[] = {
      {"redis://127.0.0.1:6379", "127.0.0.1", 6379, "", "", 0},
      {"redis://redis.internal:7000/2", "redis.internal", 7000, "", "", 2},
      {"redis://localhost", "localhost", 6379, "", "", 0},
      {"redis://localhost/", "localhost", 6379, "", "", 0},
      {"REDIS://Host-1_a:1", "Host-1_a", 1, "", "", 0},
      {"redis://:pw@h:6380", "h", 6380, "", "pw", 0},
      {"redis://:pw@h:6380/15", "h", 6380, "", "pw", 15},
      {"redis://alice:pw@h:1", "h", 1, "alice", "pw", 0},
      {"redis://:p%40ss%3Aw%2Frd@h:2", "h", 2, "", "p@ss:w/rd", 0},
      {"redis://:a@b@h:3", "h", 3, "", "a@b", 0},
      {"redis://:a/b@h:4/1", "h", 4, "", "a/b", 1},
      {"redis://[::1]:6379", "::1", 6379, "", "", 0},
      {"redis://[fe80::1]", "fe80::1", 6379, "", "", 0},
      {"redis://h:65535/0", "h", 65535, "", "", 0},
  };
  for (const Good& row : table) {
    SCOPED_TRACE(row.url);
    std::string error;
    const auto parsed = parse_redis_url(row.url, &error);
    ASSERT_TRUE(parsed.has_value()) << error;
    EXPECT_EQ(parsed->host, row.host);
    EXPECT_EQ(parsed->port, row.port);
    EXPECT_EQ(parsed->user, row.user);
    EXPECT_EQ(parsed->password, row.password);
    EXPECT_EQ(parsed->db, row.db);
  }
}

struct Bad {
  const char* url;
  const char* reason;  // a part of the error text
};

TEST(RedisUrl, InvalidUrlsAreRefusedWithTheReason) {
  const Bad table[] = {
      {"", "must start with redis://"},
      {"127.0.0.1:6379", "must start with redis://"},
      {"http://h:1", "must start with redis://"},
      {"rediss://h:1", "TLS"},
      {"redis://", "missing host"},
      {"redis://:6379", "missing host"},
      {"redis://h:", "port"},
      {"redis://h:0", "port"},
      {"redis://h:65536", "port"},
      {"redis://h:12a", "port"},
      {"redis://h:-1", "port"},
      {"redis://h:1/x", "db"},
      {"redis://h:1/1/2", "db"},
      {"redis://h:1/-1", "db"},
      {"redis://pw@h:1", "[user]:password@"},
      {"redis://:@h:1", "empty password"},
      {"redis://:p%4@h:1", "%-escape"},
      {"redis://:p%zz@h:1", "%-escape"},
      {"redis://h:1?db=2", "query"},
      {"redis://h:1#x", "query"},
      {"redis://::1:6379", "IPv6"},
      {"redis://[::1", "unterminated"},
      {"redis://[::1]x", "after [IPv6]"},
      {"redis://[]:1", "invalid IPv6"},
      {"redis://[zz]:1", "invalid IPv6"},
      {"redis://h st:1", "invalid character"},
  };
  for (const Bad& row : table) {
    SCOPED_TRACE(row.url);
    std::string error;
    EXPECT_FALSE(parse_redis_url(row.url, &error).has_value());
    EXPECT_NE(error.find(row.reason), std::string::npos) << error;
    EXPECT_NE(error.find("expected redis://"), std::string::npos) << error;
  }
}

TEST(RedisUrl, TheErrorNeverRepeatsThePassword) {
  std::string error;
  EXPECT_FALSE(parse_redis_url("redis://:hunter2@h:99999", &error).has_value());
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
}

TEST(RedisUrl, TheErrorTextIsOptional) {
  EXPECT_FALSE(parse_redis_url("nope").has_value());
}

}  // namespace
}  // namespace signalmesh::backends::redis
