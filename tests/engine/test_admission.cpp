// Node admission (engine/admission.hpp) without CAF: every refusal reason, joining in any
// order, a worker leaving before the start and its place taken again, "all joined" once.
#include "sgmc/engine/admission.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <string>

namespace e = sgmc::engine;
namespace p = sgmc::protocols;
using sgmc::errc;

namespace {

constexpr std::uint64_t kHash = 0x2a;
constexpr std::uint64_t kDim = 10;

e::admission two_workers() { return e::admission({2, 1, kDim, kHash, "async", "tcp://m:1"}); }

p::hello worker_hello(std::uint32_t index = e::kAnyWorker) {
  return {"worker", index, kHash, kDim, "tcp://w:2"};
}
p::hello collector_hello() { return {"collector", 0, kHash, kDim, ""}; }

// The reason of a hello's refusal (fails the test when it is welcomed).
e::refusal refused(const e::hello_decision& d) {
  REQUIRE(std::holds_alternative<e::refusal>(d));
  return std::get<e::refusal>(d);
}
e::node_slot welcomed(const e::hello_decision& d) {
  REQUIRE(std::holds_alternative<e::welcomed>(d));
  return std::get<e::welcomed>(d).slot;
}

}  // namespace

TEST_CASE("admission: role names come from one table and parse back") {
  for (auto r : {e::node_role::master, e::node_role::worker, e::node_role::collector})
    CHECK(e::parse_node_role(e::to_string(r)) == r);
  CHECK(e::to_string(e::node_role::collector) == "collector");
  CHECK_FALSE(e::parse_node_role("peer"));
  CHECK(e::describe({e::node_role::worker, 3}) == "worker 3");
  CHECK(e::describe({e::node_role::collector, 0}) == "the collector");
}

TEST_CASE("admission: a worker is welcomed into the first free place with the run's shape") {
  auto a = two_workers();
  auto d = a.on_hello(worker_hello(), "h (pid 1)");
  REQUIRE(std::holds_alternative<e::welcomed>(d));
  const auto& w = std::get<e::welcomed>(d);
  CHECK(w.slot == e::node_slot{e::node_role::worker, 0});
  CHECK(w.welcome.worker == 0);
  CHECK(w.welcome.dim == kDim);
  CHECK(w.welcome.workers == 2);
  CHECK(welcomed(a.on_hello(worker_hello(), "h (pid 2)")) == e::node_slot{e::node_role::worker, 1});
  CHECK(a.origin({e::node_role::worker, 1}) == "h (pid 2)");
  CHECK(a.data_endpoints() == std::vector<std::string>{"tcp://m:1", "tcp://w:2", "tcp://w:2", ""});
}

TEST_CASE("admission: each refusal reason, with its message and error code") {
  auto a = two_workers();
  auto r = refused(a.on_hello({"master", 0, kHash, kDim, ""}, "x"));
  CHECK(r.reason == e::refusal_reason::unknown_role);
  CHECK(r.message == "unknown role \"master\" (worker or collector)");
  CHECK(r.code() == errc::protocol);

  r = refused(a.on_hello({"worker", 0, 0x2b, kDim, ""}, "x (pid 9)"));
  CHECK(r.reason == e::refusal_reason::config_mismatch);
  CHECK(r.code() == errc::invalid_config);
  CHECK(r.message.starts_with("config mismatch: the worker's config hash is 000000000000002b"));
  // The refused node is not told the master's hash; the master's log has both.
  CHECK(r.message.find("000000000000002a") == std::string::npos);
  CHECK(r.log_line.starts_with("refused a worker from x (pid 9): config mismatch"));
  CHECK(r.log_line.find("the master's is 000000000000002a") != std::string::npos);

  r = refused(a.on_hello({"worker", 0, kHash, kDim + 1, ""}, "x"));
  CHECK(r.reason == e::refusal_reason::dim_mismatch);
  CHECK(r.message == "dimension mismatch: the worker's model has dim 11, the master's 10");

  r = refused(a.on_hello(worker_hello(2), "x"));
  CHECK(r.reason == e::refusal_reason::worker_out_of_range);
  CHECK(r.message == "worker index 2 is out of range (protocol.workers = 2)");

  welcomed(a.on_hello(worker_hello(1), "first"));
  r = refused(a.on_hello(worker_hello(1), "second"));
  CHECK(r.reason == e::refusal_reason::worker_taken);
  CHECK(r.message == "worker index 1 is already taken (by first)");

  welcomed(a.on_hello(worker_hello(), "third"));
  r = refused(a.on_hello(worker_hello(), "fourth"));
  CHECK(r.reason == e::refusal_reason::workers_full);
  CHECK(r.message == "all 2 worker places are taken");

  welcomed(a.on_hello(collector_hello(), "c1"));
  r = refused(a.on_hello(collector_hello(), "c2"));
  CHECK(r.reason == e::refusal_reason::collector_taken);
  CHECK(r.message == "a collector already joined from c1");
  CHECK(e::to_string(r.reason) == "collector already joined");
}

TEST_CASE(
    "admission: nobody is taken into a live place once the run has started or the wait is over") {
  auto a = e::admission({1, 1, kDim, kHash, "sync", ""});
  welcomed(a.on_hello(worker_hello(), "w"));
  welcomed(a.on_hello(collector_hello(), "c"));
  a.on_join({e::node_role::worker, 0});
  REQUIRE(a.on_join({e::node_role::collector, 0}).all_joined);
  CHECK(refused(a.on_hello(worker_hello(), "late")).reason == e::refusal_reason::workers_full);
  CHECK(refused(a.on_hello(worker_hello(0), "late")).reason == e::refusal_reason::worker_taken);
  CHECK(refused(a.on_hello(collector_hello(), "late")).reason == e::refusal_reason::run_started);

  auto b = e::admission({1, 1, kDim, kHash, "sync", ""});
  auto err = b.on_wait_over(std::chrono::milliseconds(2000));
  REQUIRE(err);
  CHECK(err->code == errc::timeout);
  CHECK(err->message ==
        "waited 2 s for 1 worker and the collector; missing: worker 0, the "
        "collector");
  CHECK_FALSE(b.on_wait_over(std::chrono::milliseconds(2000)));
  CHECK(refused(b.on_hello(worker_hello(), "late")).reason == e::refusal_reason::wait_over);
}

TEST_CASE("admission: in any joining order, all joined fires once, on the last join") {
  const e::node_slot w0{e::node_role::worker, 0}, w1{e::node_role::worker, 1};
  const e::node_slot c{e::node_role::collector, 0};
  for (const auto& order :
       {std::vector{w0, w1, c}, std::vector{c, w1, w0}, std::vector{w1, c, w0}}) {
    auto a = two_workers();
    welcomed(a.on_hello(collector_hello(), "c"));
    welcomed(a.on_hello(worker_hello(), "a"));
    welcomed(a.on_hello(worker_hello(), "b"));
    int fired = 0;
    for (std::size_t k = 0; k < order.size(); ++k) {
      auto d = a.on_join(order[k]);
      CHECK(d.joined);
      CHECK(d.all_joined == (k + 1 == order.size()));
      fired += d.all_joined ? 1 : 0;
      CHECK_FALSE(a.on_join(order[k]).joined);  // a second join is ignored
    }
    CHECK(fired == 1);
    CHECK(a.started());
    CHECK_FALSE(a.on_wait_over(std::chrono::milliseconds(1)));
  }
}

TEST_CASE("admission: a join from a place nobody was welcomed into is ignored") {
  auto a = two_workers();
  CHECK_FALSE(a.on_join({e::node_role::worker, 0}).joined);
  CHECK_FALSE(a.on_join({e::node_role::worker, 7}).joined);
  CHECK_FALSE(a.on_join({e::node_role::master, 0}).joined);
}

TEST_CASE("admission: a worker leaving before the start frees its place for another node") {
  auto a = two_workers();
  const e::node_slot w0{e::node_role::worker, 0};
  welcomed(a.on_hello(worker_hello(0), "first"));
  a.on_join(w0);
  auto d = a.on_lost(w0, false, "connection lost");
  CHECK(d.what == e::loss_decision::kind::freed);
  CHECK(d.log_line ==
        "worker 0 from first left before the start (connection lost); waiting for "
        "another");
  CHECK_FALSE(a.taken(w0));
  CHECK(a.on_lost(w0, false, "again").what == e::loss_decision::kind::ignored);
  CHECK(welcomed(a.on_hello(worker_hello(0), "second")) == w0);
  CHECK(a.origin(w0) == "second");
  // The new node must join again: the old join does not count.
  welcomed(a.on_hello(worker_hello(1), "w1"));
  welcomed(a.on_hello(collector_hello(), "c"));
  CHECK_FALSE(a.on_join({e::node_role::worker, 1}).all_joined);
  CHECK_FALSE(a.on_join({e::node_role::collector, 0}).all_joined);
  CHECK(a.on_join(w0).all_joined);
}

TEST_CASE("admission: a worker lost during the run is lost once and the collector is told") {
  auto a = e::admission({1, 1, kDim, kHash, "async", ""});
  const e::node_slot w0{e::node_role::worker, 0}, c{e::node_role::collector, 0};
  welcomed(a.on_hello(worker_hello(), "w"));
  welcomed(a.on_hello(collector_hello(), "c"));
  a.on_join(w0);
  a.on_join(c);
  // The supervisor shutting the worker's actor down is no loss.
  CHECK(a.on_lost(w0, true, "user_shutdown").what == e::loss_decision::kind::ignored);
  auto d = a.on_lost(w0, false, "connection lost");
  CHECK(d.what == e::loss_decision::kind::lost);
  CHECK(d.tell_collector);
  CHECK(a.on_lost(w0, false, "again").what == e::loss_decision::kind::ignored);
  // No goodbye for the lost worker; the collector still gets one. Losses after the end are
  // not told to the collector.
  CHECK(a.on_end() == std::vector<e::node_slot>{c});
  auto late = a.on_lost(c, false, "gone");
  CHECK(late.what == e::loss_decision::kind::lost);
  CHECK_FALSE(late.tell_collector);
}

TEST_CASE("admission: a node of another wire format is refused first, naming both versions") {
  auto a = two_workers();
  p::hello h = worker_hello(0);
  h.wire_version = p::kWireVersion + 1;
  h.sgmc_version = "9.9.9";
  h.config_hash = 0x2b;  // would be refused for its config too: the version comes first
  auto r = refused(a.on_hello(h, "x (pid 9)"));
  CHECK(r.reason == e::refusal_reason::version_mismatch);
  CHECK(r.code() == errc::invalid_config);
  const auto want = fmt::format(
      "version mismatch: the node runs sgmc 9.9.9 (wire format {}), the master sgmc {} (wire "
      "format {}); start every node from the same build",
      p::kWireVersion + 1, sgmc::core::version(), p::kWireVersion);
  CHECK(r.message == want);
  CHECK(r.log_line == "refused a worker from x (pid 9): " + want);
  CHECK(e::to_string(r.reason) == "version mismatch");
  // The same build is let in.
  welcomed(a.on_hello(worker_hello(0), "y"));
  CHECK(worker_hello().sgmc_version == sgmc::core::version());
}

TEST_CASE("admission: a node reading other data is refused naming both files and digests") {
  const p::data_file train{"train", "/m/train.csv", std::string(64, 'a')};
  const p::data_file test{"test", "/m/test.csv", std::string(64, 'b')};
  e::admission_params ap{2, 1, kDim, kHash, "async", ""};
  ap.data_files = {train, test};
  e::admission a(ap);

  auto h = worker_hello();
  h.data_files = {{"train", "/w/train.csv", std::string(64, 'c')}, test};
  auto r = refused(a.on_hello(h, "w (pid 3)"));
  CHECK(r.reason == e::refusal_reason::data_mismatch);
  CHECK(r.code() == errc::invalid_config);
  CHECK(r.message == fmt::format("data mismatch: the worker's data.train is /w/train.csv (sha256 "
                                 "{}), the master's is /m/train.csv (sha256 {}); every node must "
                                 "read the same data",
                                 std::string(64, 'c'), std::string(64, 'a')));
  CHECK(r.log_line == "refused a worker from w (pid 3): " + r.message);
  CHECK(r.message.find("00000000000002a") == std::string::npos);  // never the config hash

  // No digest at all is refused too (a node of a build that sends none, or one that hides it).
  h.data_files.clear();
  r = refused(a.on_hello(h, "w"));
  CHECK(r.reason == e::refusal_reason::data_mismatch);
  CHECK(
      r.message.starts_with("data mismatch: the worker sent no digest of data.train (the "
                            "master reads /m/train.csv, sha256 aaaa"));

  // Workers read only the training set: another test file does not matter to them, the same
  // file under another path is fine; the collector must match every file.
  h.data_files = {{"train", "/elsewhere/train.csv", train.sha256},
                  {"test", "/w/test.csv", std::string(64, 'd')}};
  CHECK(welcomed(a.on_hello(h, "w")) == e::node_slot{e::node_role::worker, 0});
  auto c = collector_hello();
  c.data_files = h.data_files;
  r = refused(a.on_hello(c, "c"));
  CHECK(r.message.starts_with("data mismatch: the collector's data.test is /w/test.csv"));
  c.data_files = {train, test};
  CHECK(welcomed(a.on_hello(c, "c")) == e::node_slot{e::node_role::collector, 0});
}

namespace {

// Two workers and the collector joined: the run has started.
e::admission started(e::admission_params params) {
  e::admission a(std::move(params));
  for (std::uint32_t i = 0; i < params.workers; ++i) {
    welcomed(a.on_hello(worker_hello(i), fmt::format("w{}", i)));
    a.on_join({e::node_role::worker, i});
  }
  welcomed(a.on_hello(collector_hello(), "c"));
  REQUIRE(a.on_join({e::node_role::collector, 0}).all_joined);
  return a;
}

}  // namespace

TEST_CASE(
    "admission: a worker lost during the run rejoins under its index, checked as at the start") {
  auto a = started({2, 1, kDim, kHash, "async", ""});
  const e::node_slot w1{e::node_role::worker, 1};
  // Live: its index is refused.
  CHECK(refused(a.on_hello(worker_hello(1), "again")).reason == e::refusal_reason::worker_taken);
  REQUIRE(a.on_lost(w1, false, "connection timeout").what == e::loss_decision::kind::lost);
  auto other = worker_hello(1);
  other.config_hash = kHash + 1;
  CHECK(refused(a.on_hello(other, "back")).reason == e::refusal_reason::config_mismatch);
  CHECK(refused(a.on_hello(worker_hello(0), "w0 again")).reason == e::refusal_reason::worker_taken);
  CHECK(welcomed(a.on_hello(worker_hello(1), "back (pid 7)")) == w1);
  auto d = a.on_join(w1);
  CHECK(d.joined);
  CHECK(d.mid_run);
  CHECK(d.rejoined);
  CHECK_FALSE(d.all_joined);
  CHECK(d.log_line == "worker 1 rejoined the run from back (pid 7)");
  CHECK(a.origin(w1) == "back (pid 7)");
  // Live again: a second node asking for index 1 is refused; the end says goodbye to it.
  CHECK(refused(a.on_hello(worker_hello(1), "twice")).reason == e::refusal_reason::worker_taken);
  CHECK(a.on_end().size() == 3);
}

TEST_CASE("admission: a rejoining worker that reads other data is refused as at the start") {
  const std::vector<p::data_file> files{{"train", "/a/train.csv", std::string(64, 'a')}};
  auto a = e::admission({1, 1, kDim, kHash, "async", "", files});
  auto hello = worker_hello(0);
  hello.data_files = files;
  auto col = collector_hello();
  col.data_files = files;
  welcomed(a.on_hello(hello, "w"));
  welcomed(a.on_hello(col, "c"));
  a.on_join({e::node_role::worker, 0});
  REQUIRE(a.on_join({e::node_role::collector, 0}).all_joined);
  a.on_lost({e::node_role::worker, 0}, false, "gone");
  auto other = hello;
  other.data_files[0].sha256 = std::string(64, 'b');
  CHECK(refused(a.on_hello(other, "back")).reason == e::refusal_reason::data_mismatch);
  CHECK(welcomed(a.on_hello(hello, "back")) == e::node_slot{e::node_role::worker, 0});
}

TEST_CASE("admission: with min_workers the run starts without the others, who join later") {
  e::admission_params params{3, 1, kDim, kHash, "sync", ""};
  params.min_workers = 1;
  e::admission a(params);
  welcomed(a.on_hello(worker_hello(1), "w1"));
  welcomed(a.on_hello(collector_hello(), "c"));
  CHECK_FALSE(a.on_join({e::node_role::collector, 0}).all_joined);
  auto d = a.on_join({e::node_role::worker, 1});
  REQUIRE(d.all_joined);
  CHECK(d.start_line ==
        "1 of 3 workers (cluster.min_workers = 1) and the collector joined; starting sync; "
        "workers 0, 2 may join later");
  CHECK_FALSE(a.on_wait_over(std::chrono::milliseconds(1)));
  // Any index: the lowest never taken.
  CHECK(welcomed(a.on_hello(worker_hello(), "late")) == e::node_slot{e::node_role::worker, 0});
  auto j = a.on_join({e::node_role::worker, 0});
  CHECK(j.mid_run);
  CHECK_FALSE(j.rejoined);
  CHECK(j.log_line == "worker 0 joined the run under way from late");
  CHECK(welcomed(a.on_hello(worker_hello(2), "later")) == e::node_slot{e::node_role::worker, 2});
  CHECK(refused(a.on_hello(worker_hello(), "more")).reason == e::refusal_reason::workers_full);
}

TEST_CASE("admission: without joins mid-run (elastic) nobody joins a run under way") {
  e::admission_params params{2, 1, kDim, kHash, "elastic", ""};
  params.joins_mid_run = false;
  auto a = started(params);
  a.on_lost({e::node_role::worker, 1}, false, "gone");
  auto r = refused(a.on_hello(worker_hello(1), "back"));
  CHECK(r.reason == e::refusal_reason::run_started);
  CHECK(r.message == "the run has already started (a worker cannot join an elastic run under way)");
}

TEST_CASE("admission: with collector_rejoin a collector lost during the run may rejoin once away") {
  e::admission_params params{2, 1, kDim, kHash, "sync", "tcp://m:1"};
  params.collector_rejoin = true;
  e::admission a(params);
  const auto w0 = welcomed(a.on_hello(worker_hello(0), "h (pid 1)"));
  const auto w1 = welcomed(a.on_hello(worker_hello(1), "h (pid 2)"));
  const auto c = welcomed(a.on_hello(collector_hello(), "h (pid 3)"));
  a.on_join(w0);
  a.on_join(w1);
  REQUIRE(a.on_join(c).all_joined);
  // Not away: a second collector is refused as the run has started.
  CHECK(refused(a.on_hello(collector_hello(), "h (pid 4)")).reason ==
        e::refusal_reason::run_started);
  auto lost = a.on_lost(c, false, "connection lost");
  CHECK(lost.what == e::loss_decision::kind::lost);
  CHECK(a.collector_away());
  CHECK(a.on_lost(c, false, "again").what == e::loss_decision::kind::ignored);
  // A live worker's index is still refused; a collector of another config is still refused.
  CHECK(refused(a.on_hello(worker_hello(0), "h (pid 5)")).reason ==
        e::refusal_reason::worker_taken);
  auto other = collector_hello();
  other.config_hash = kHash + 1;
  CHECK(refused(a.on_hello(other, "h (pid 6)")).reason == e::refusal_reason::config_mismatch);
  auto back = collector_hello();
  back.data = "tcp://c:9";
  auto d = a.on_hello(back, "h (pid 7)");
  REQUIRE(std::holds_alternative<e::welcomed>(d));
  CHECK(std::get<e::welcomed>(d).welcome.rejoin);
  auto j = a.on_join(c);
  CHECK(j.joined);
  CHECK(j.collector_rejoined);
  CHECK_FALSE(j.rejoined);
  CHECK_FALSE(j.mid_run);
  CHECK_FALSE(j.all_joined);
  CHECK(j.log_line == "the collector rejoined from h (pid 7)");
  CHECK_FALSE(a.collector_away());
  CHECK(a.data_endpoints().back() == "tcp://c:9");
  CHECK(a.on_end().size() == 3);  // both workers and the collector that rejoined
}

TEST_CASE("admission: without collector_rejoin a lost collector stays lost and none rejoins") {
  auto a = two_workers();
  const auto w0 = welcomed(a.on_hello(worker_hello(0), "h (pid 1)"));
  const auto w1 = welcomed(a.on_hello(worker_hello(1), "h (pid 2)"));
  const auto c = welcomed(a.on_hello(collector_hello(), "h (pid 3)"));
  a.on_join(w0);
  a.on_join(w1);
  a.on_join(c);
  CHECK(a.on_lost(c, false, "gone").what == e::loss_decision::kind::lost);
  CHECK_FALSE(a.collector_away());
  CHECK(refused(a.on_hello(collector_hello(), "h (pid 4)")).reason ==
        e::refusal_reason::run_started);
  // A collector welcomed before the start never takes the rejoin path.
  auto b = two_workers();
  CHECK_FALSE(std::get<e::welcomed>(b.on_hello(collector_hello(), "h")).welcome.rejoin);
}
