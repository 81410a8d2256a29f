// The SCIM poller against a real third-party SCIM service provider: the
// in-memory reference server of ../shared/scim-peers (scimmy, under node),
// started on loopback for each test. Faults (429, 5xx) come from a small
// proxy in front of it, OAuth2 tokens from a small token endpoint.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "connectors/signing/crypto.h"
#include "scim/poller.h"
#include "state/store.h"
#include "tests/cloud/harness.h"
#include "tests/cloud/servers/loopback.h"
#include "tests/poller/ref_server.h"

namespace idb::scim {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using test::cloud::Fault;
using test::cloud::Loopback;

using test::RefServer;
constexpr const char* kToken = test::RefServer::kToken;

class PollerRef : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("idb-poller-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store_ = state::Store::open(dir_ / "state");
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  void start_ref(int seed_users) { ref_ = std::make_unique<RefServer>(dir_, seed_users); }

  config::ScimSource source(const std::string& base_url) {
    config::ScimSource s;
    s.name = "hr";
    s.base_url = base_url;
    s.bearer = {"${env:HR_TOKEN}", kToken};
    s.page_size = 2;  // several pages even for a handful of users
    s.timeout_ms = 5000;
    return s;
  }
  std::unique_ptr<Poller> poller(const config::ScimSource& s) {
    return std::make_unique<Poller>(s, *store_, std::vector<std::string>{"ldap", "cloud"}, Catalog::builtin(),
                                    [this] { return std::chrono::system_clock::now() + clock_offset_.load(); });
  }

  // Our live user whose userName is `name`, or nullopt.
  std::optional<state::User> ours(const std::string& name) { return store_->find_by_user_name(name); }

  fs::path dir_;
  std::unique_ptr<state::Store> store_;
  std::unique_ptr<RefServer> ref_;
  std::atomic<std::chrono::seconds> clock_offset_{std::chrono::seconds(0)};
};

TEST_F(PollerRef, a_first_poll_loads_every_user_like_a_push_would) {
  start_ref(5);
  const auto summary = poller(source(ref_->url()))->poll_once();
  EXPECT_FALSE(summary.failure) << summary.failure->message;
  EXPECT_FALSE(summary.incremental);
  EXPECT_EQ(summary.fetched, 5);
  EXPECT_EQ(summary.created, 5);
  EXPECT_EQ(store_->count_users(), 5);
  // Enqueued for every target in the same write, as the SCIM endpoint does.
  EXPECT_EQ(store_->outbox_size("ldap"), 5);
  EXPECT_EQ(store_->outbox_size("cloud"), 5);
  const auto user = ours("seed.user3@example.com");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->external_id, "hr-1003");
  EXPECT_EQ(user->resource["name"]["familyName"], "User3");
  EXPECT_EQ(user->resource["emails"][0]["value"], "seed.user3@example.com");
  EXPECT_EQ(user->resource["meta"]["location"], "/scim/v2/Users/" + user->id);
  EXPECT_EQ(store_->polled_users("hr").size(), 5u);
  EXPECT_TRUE(store_->poll_watermark("hr"));
  // Paged: 5 users at 2 a page.
  EXPECT_TRUE(ref_->logged("startIndex=5&count=2")) << ref_->requests();
}

TEST_F(PollerRef, later_polls_ask_only_for_what_changed_since_the_watermark) {
  start_ref(4);
  auto p = poller(source(ref_->url()));
  ASSERT_FALSE(p->poll_once().failure);
  const auto watermark = store_->poll_watermark("hr");
  const std::string changed = ref_->users()[1]["id"];
  ref_->set_display_name(changed, "Renamed At Source");
  ref_->create("new.hire@example.com");

  const auto summary = p->poll_once();
  EXPECT_FALSE(summary.failure);
  EXPECT_TRUE(summary.incremental);
  EXPECT_EQ(summary.fetched, 2);
  EXPECT_EQ(summary.created, 1);
  EXPECT_EQ(summary.updated, 1);
  EXPECT_EQ(store_->count_users(), 5);
  EXPECT_EQ(ours("seed.user2@example.com")->resource["displayName"], "Renamed At Source");
  EXPECT_EQ(ours("seed.user2@example.com")->version, 2);
  ASSERT_TRUE(ours("new.hire@example.com"));
  EXPECT_NE(store_->poll_watermark("hr"), watermark);
  EXPECT_TRUE(ref_->logged(connectors::signing::uri_encode("meta.lastModified gt \"" + *watermark + "\"")))
      << ref_->requests();

  // Nothing changed: nothing fetched, nothing written.
  const auto quiet = p->poll_once();
  EXPECT_EQ(quiet.fetched, 0);
  EXPECT_FALSE(quiet.changed());
}

TEST_F(PollerRef, a_restart_resumes_from_the_stored_watermark) {
  start_ref(3);
  ASSERT_FALSE(poller(source(ref_->url()))->poll_once().failure);
  const auto watermark = store_->poll_watermark("hr");
  ASSERT_TRUE(watermark);
  // The daemon stops; a user changes meanwhile; it starts again on the same state.
  store_.reset();
  ref_->set_display_name(ref_->users()[0]["id"], "Changed While Down");
  store_ = state::Store::open(dir_ / "state");
  EXPECT_EQ(store_->poll_watermark("hr"), watermark);

  const auto summary = poller(source(ref_->url()))->poll_once();
  EXPECT_FALSE(summary.failure);
  EXPECT_TRUE(summary.incremental);
  EXPECT_EQ(summary.fetched, 1);
  EXPECT_EQ(summary.updated, 1);
  EXPECT_EQ(summary.created, 0);
  EXPECT_EQ(store_->count_users(), 3);
  EXPECT_EQ(ours("seed.user1@example.com")->resource["displayName"], "Changed While Down");
}

TEST_F(PollerRef, a_user_gone_from_the_source_is_disabled_on_the_targets) {
  start_ref(4);
  auto p = poller(source(ref_->url()));
  ASSERT_FALSE(p->poll_once().failure);
  const std::string leaver = ref_->users()[2]["id"];
  const std::string ours_id = ours("seed.user3@example.com")->id;
  store_->complete({.target = "ldap", .user_id = ours_id, .generation = 1, .attempts = 0, .next_try_ms = 0, .last_error = ""}, std::nullopt);  // the targets caught up
  ref_->remove(leaver);

  const auto summary = p->poll_once();
  EXPECT_FALSE(summary.failure);
  EXPECT_EQ(summary.deleted, 1);
  EXPECT_FALSE(summary.held);
  EXPECT_FALSE(ours("seed.user3@example.com"));
  const auto tombstone = store_->get_user(ours_id, true);
  ASSERT_TRUE(tombstone);
  EXPECT_TRUE(tombstone->deleted);
  EXPECT_EQ(store_->outbox_size("ldap"), 4);  // enqueued again, to be disabled
  EXPECT_EQ(store_->polled_users("hr").count(leaver), 0u);
  EXPECT_EQ(store_->count_users(), 3);
}

TEST_F(PollerRef, a_full_listing_source_finds_changes_and_deletions_too) {
  start_ref(3);
  auto s = source(ref_->url());
  s.incremental = "never";
  auto p = poller(s);
  ASSERT_FALSE(p->poll_once().failure);
  ref_->set_display_name(ref_->users()[0]["id"], "Full Listing");
  const std::string leaver = ref_->users()[1]["id"];
  ref_->remove(leaver);
  const auto summary = p->poll_once();
  EXPECT_FALSE(summary.failure);
  EXPECT_FALSE(summary.incremental);
  EXPECT_EQ(summary.fetched, 2);
  EXPECT_EQ(summary.updated, 1);
  EXPECT_EQ(summary.unchanged, 1);
  EXPECT_EQ(summary.deleted, 1);
  EXPECT_EQ(ours("seed.user1@example.com")->resource["displayName"], "Full Listing");
  // Its last request confirmed the absence; none before asked with a filter.
  ASSERT_TRUE(ref_->logged("/scim/v2/Users/" + leaver + "?attributes=id"));
  EXPECT_THAT(ref_->requests(), Not(HasSubstr("filter=")));
}

TEST_F(PollerRef, the_deletion_guard_holds_a_mass_absence) {
  start_ref(12);
  auto p = poller(source(ref_->url()));
  ASSERT_FALSE(p->poll_once().failure);
  const json users = ref_->users();
  for (size_t i = 1; i < users.size(); ++i) ref_->remove(users[i]["id"]);
  test::cloud::LogCapture log;

  const auto summary = p->poll_once();
  EXPECT_FALSE(summary.failure);
  ASSERT_TRUE(summary.held);
  EXPECT_THAT(*summary.held, HasSubstr("11 of 12"));
  EXPECT_EQ(summary.deleted, 0);
  EXPECT_EQ(store_->count_users(), 12);  // nobody disabled
  EXPECT_THAT(log.text(), HasSubstr("source hr: 11 of 12 users are no longer listed; none is disabled"));
  // Still held on the next run: nothing was forgotten.
  EXPECT_TRUE(p->poll_once().held);
  EXPECT_EQ(store_->polled_users("hr").size(), 12u);
}

TEST_F(PollerRef, a_user_whose_user_name_is_taken_is_asked_for_again) {
  start_ref(2);
  // A user pushed over SCIM already holds this userName.
  state::User pushed{"pushed-1", "seed.user2@example.com", std::nullopt,
                     json{{"userName", "seed.user2@example.com"}, {"id", "pushed-1"}}, 1, false};
  ASSERT_EQ(store_->insert_user(pushed, {"ldap"}, 0), state::WriteStatus::ok);
  auto p = poller(source(ref_->url()));
  test::cloud::LogCapture log;
  const auto first = p->poll_once();
  EXPECT_EQ(first.created, 1);
  EXPECT_EQ(first.rejected, 1);
  EXPECT_THAT(log.text(), HasSubstr("userName 'seed.user2@example.com' belongs to another user"));
  // The watermark stayed before the refused user, so it comes again.
  const auto second = p->poll_once();
  EXPECT_EQ(second.rejected, 1);
}

// A proxy in front of the reference server that can be told to fail.
class FaultyProxy {
 public:
  explicit FaultyProxy(int ref_port, std::string ref_token = kToken)
      : loopback_([](int status) { return R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":")" +
                                          std::to_string(status) + R"(","detail":"injected"})"; }),
        upstream_("127.0.0.1", ref_port),
        ref_token_(std::move(ref_token)) {
    loopback_.route("GET", "/scim/v2/.*", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mutex_);
        authorizations_.push_back(req.get_header_value("Authorization"));
        if (!accepted_.empty() && req.get_header_value("Authorization") != "Bearer " + accepted_) {
          res.status = 401;
          return;
        }
      }
      upstream_.set_bearer_token_auth(ref_token_);
      auto up = upstream_.Get(req.target);
      res.status = up ? up->status : 502;
      if (up) res.set_content(up->body, "application/scim+json");
    });
    loopback_.start();
  }
  Loopback& loopback() { return loopback_; }
  std::string url() const { return loopback_.base_url() + "/scim/v2"; }
  // Only this bearer token passes (the rest get 401); "" lets all through.
  void accept_only(const std::string& token) {
    std::lock_guard lock(mutex_);
    accepted_ = token;
  }
  std::vector<std::string> authorizations() {
    std::lock_guard lock(mutex_);
    return authorizations_;
  }

 private:
  Loopback loopback_;
  httplib::Client upstream_;
  std::string ref_token_;
  std::mutex mutex_;
  std::string accepted_;
  std::vector<std::string> authorizations_;
};

TEST_F(PollerRef, server_errors_are_retried_with_backoff) {
  start_ref(3);
  FaultyProxy proxy(ref_->port());
  proxy.loopback().inject(Fault::status_code(503), 2);
  proxy.loopback().inject(Fault::status_code(500), 1);
  const auto summary = poller(source(proxy.url()))->poll_once();
  EXPECT_FALSE(summary.failure) << summary.failure->message;
  EXPECT_EQ(summary.created, 3);
}

TEST_F(PollerRef, a_429_is_waited_out_as_its_retry_after_says) {
  start_ref(2);
  FaultyProxy proxy(ref_->port());
  proxy.loopback().inject(Fault::status_code(429, "1"), 1);
  const auto started = std::chrono::steady_clock::now();
  const auto summary = poller(source(proxy.url()))->poll_once();
  EXPECT_FALSE(summary.failure);
  EXPECT_EQ(summary.created, 2);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(950));
}

TEST_F(PollerRef, a_long_retry_after_ends_the_run_without_touching_anything) {
  start_ref(3);
  auto p = poller(source(ref_->url()));
  ASSERT_FALSE(p->poll_once().failure);
  const auto watermark = store_->poll_watermark("hr");
  ref_->remove(ref_->users()[0]["id"]);
  FaultyProxy proxy(ref_->port());
  auto s = source(proxy.url());
  auto through_proxy = poller(s);
  // The source asks for a minute of quiet before the first listing.
  proxy.loopback().inject(Fault::status_code(429, "60").on("/scim/v2/Users"), 1);
  const auto summary = through_proxy->poll_once();
  ASSERT_TRUE(summary.failure);
  EXPECT_EQ(summary.failure->kind, connectors::FailureKind::retry);
  EXPECT_EQ(summary.retry_after_ms, 60000);
  EXPECT_EQ(summary.deleted, 0);
  EXPECT_EQ(store_->count_users(), 3);
  EXPECT_EQ(store_->poll_watermark("hr"), watermark);
}

// An OAuth2 token endpoint (RFC 6749 §4.4) handing out numbered tokens.
class TokenEndpoint {
 public:
  TokenEndpoint() : loopback_([](int) { return std::string(R"({"error":"temporarily_unavailable"})"); }) {
    loopback_.route("POST", "/oauth/token", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string expected = "Basic " + connectors::signing::base64("idbridge:client-s3cret");
      if (req.get_header_value("Authorization") != expected || req.body.find("grant_type=client_credentials") != 0) {
        res.status = 401;
        res.set_content(R"({"error":"invalid_client"})", "application/json");
        return;
      }
      const std::string token = "access-" + std::to_string(++issued_);
      res.set_content(json{{"access_token", token}, {"token_type", "Bearer"}, {"expires_in", 600}}.dump(),
                      "application/json");
    });
    loopback_.start();
  }
  std::string url() const { return loopback_.base_url() + "/oauth/token"; }
  int issued() const { return issued_; }

 private:
  Loopback loopback_;
  std::atomic<int> issued_ = 0;
};

TEST_F(PollerRef, oauth2_tokens_are_fetched_cached_and_renewed) {
  start_ref(2);
  FaultyProxy proxy(ref_->port());
  TokenEndpoint tokens;
  auto s = source(proxy.url());
  s.bearer = {};
  s.oauth2 = {tokens.url(), "idbridge", {"${file:secret}", "client-s3cret"}, "scim.read"};
  auto p = poller(s);
  test::cloud::LogCapture log;

  proxy.accept_only("access-1");
  ASSERT_FALSE(p->poll_once().failure);
  ASSERT_FALSE(p->poll_once().failure);
  EXPECT_EQ(tokens.issued(), 1);  // one token served both polls

  // Shortly before it expires, a new one is asked for.
  clock_offset_ = std::chrono::seconds(600 - 30);
  proxy.accept_only("access-2");
  ASSERT_FALSE(p->poll_once().failure);
  EXPECT_EQ(tokens.issued(), 2);

  // Revoked early: the source's 401 gets one fresh token.
  proxy.accept_only("access-3");
  const auto summary = p->poll_once();
  EXPECT_FALSE(summary.failure) << summary.failure->message;
  EXPECT_EQ(tokens.issued(), 3);
  for (const auto& a : proxy.authorizations()) EXPECT_TRUE(a.starts_with("Bearer access-")) << a;
  for (const char* secret : {"client-s3cret", "access-1", "access-2", "access-3", kToken}) {
    EXPECT_THAT(log.text(), Not(HasSubstr(secret)));
  }
}

TEST_F(PollerRef, a_refused_client_secret_fails_the_run_clearly) {
  start_ref(1);
  TokenEndpoint tokens;
  auto s = source(ref_->url());
  s.bearer = {};
  s.oauth2 = {tokens.url(), "idbridge", {"${file:secret}", "wrong-secret"}, ""};
  test::cloud::LogCapture log;
  const auto summary = poller(s)->poll_once();
  ASSERT_TRUE(summary.failure);
  EXPECT_EQ(summary.failure->kind, connectors::FailureKind::permanent);
  EXPECT_THAT(summary.failure->message, HasSubstr("HTTP 401 invalid_client"));
  EXPECT_THAT(log.text(), Not(HasSubstr("wrong-secret")));
  EXPECT_EQ(store_->count_users(), 0);
}

}  // namespace
}  // namespace idb::scim
