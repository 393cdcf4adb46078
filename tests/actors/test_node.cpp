// Nodes of a run over the network (node.hpp): addresses and config hashes, and a master, two
// workers and a collector as four actor systems of this process talking over loopback. Every
// wait is on a future a node fulfils (its run's end), bounded by the nodes' own timeouts.
#include "fixture.hpp"

#include "sgmc/actors/node.hpp"
#include "sgmc/models/gaussian.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <future>
#include <mutex>
#include <thread>

namespace a = sgmc::actors;
namespace p = sgmc::protocols;
namespace t = sgmc::actors::test;
using sgmc::errc;

TEST_CASE("parse_address reads HOST:PORT and names the option when it cannot") {
  auto v4 = a::parse_address("127.0.0.1:7000", "--listen");
  REQUIRE(v4);
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 7000);
  CHECK(a::to_string(*v4) == "127.0.0.1:7000");
  auto any = a::parse_address("node-3.cluster:0", "--listen");
  REQUIRE(any);
  CHECK(any->host == "node-3.cluster");
  CHECK(any->port == 0);
  auto v6 = a::parse_address("[::1]:65535", "--connect");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(a::to_string(*v6) == "[::1]:65535");
  for (const char* bad :
       {"127.0.0.1", "127.0.0.1:", ":7000", "h:65536", "h:-1", "h:7e3", "::1:80", ""}) {
    auto r = a::parse_address(bad, "--connect");
    INFO(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::invalid_argument);
    CHECK(r.error().message.find("--connect") == 0);
    CHECK(r.error().message.find("HOST:PORT") != std::string::npos);
  }
}

TEST_CASE("config_hash tells configs apart and prints as 16 hex digits") {
  CHECK(a::config_hash("a = 1\n") == a::config_hash("a = 1\n"));
  CHECK(a::config_hash("a = 1\n") != a::config_hash("a = 2\n"));
  CHECK(a::hash_hex(a::config_hash("")) == "cbf29ce484222325");  // FNV-1a's offset basis
  CHECK(a::hash_hex(0x2a) == "000000000000002a");
}

namespace {

sgmc::engine::run_plan setup(p::protocol_kind kind, const sgmc::models::model& m) {
  sgmc::engine::run_plan s;
  s.protocol.kind = kind;
  s.protocol.workers = 2;
  s.protocol.elastic_period = 5;
  s.run.steps = 300;
  s.run.burnin = 100;
  s.run.thin = 10;
  s.run.seed = 5;
  s.model = &m;
  s.sampler.kind = sgmc::samplers::sampler_kind::sgld;
  s.sampler.step_size = 0.02;
  s.schedule = sgmc::samplers::schedule::constant(0.02);
  return s;
}

a::node_options options(std::uint64_t hash) {
  a::node_options o;
  o.address = {"127.0.0.1", 0};
  o.config_hash = hash;
  o.wait = std::chrono::milliseconds(20000);
  o.connect_timeout = std::chrono::milliseconds(5000);
  o.watchdog = std::chrono::milliseconds(20000);
  return o;
}

}  // namespace

TEST_CASE("nodes: a master with two workers and a collector runs async over loopback", "[actors]") {
  auto g = sgmc::models::gaussian::diagonal(Eigen::Vector3d(1.0, -1.0, 0.5),
                                            Eigen::Vector3d(0.5, 0.5, 0.5), 0.1);
  REQUIRE(g);
  const auto s = setup(p::protocol_kind::async, **g);
  std::promise<a::net_address> listening;
  auto mo = options(42);
  mo.on_listening = [&](const a::net_address& at) { listening.set_value(at); };
  auto master = std::async(std::launch::async, [&] { return a::run_master_node(s, mo); });
  auto at = listening.get_future();
  REQUIRE(at.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto po = options(42);
  po.address = at.get();
  // A node with another config is refused, naming its own hash but not the master's.
  auto stranger = options(43);
  stranger.address = po.address;
  auto refused = a::run_worker_node(s, stranger);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::invalid_config);
  CHECK(refused.error().message.find("refused this worker: config mismatch: the worker's config "
                                     "hash is 000000000000002b") != std::string::npos);
  CHECK(refused.error().message.find("000000000000002a") == std::string::npos);
  // A node of another build (another wire format) is refused before anything else is read,
  // naming both builds' versions.
  auto later = options(43);
  later.address = po.address;
  later.edit_hello = [](p::hello& h) {
    h.wire_version = p::kWireVersion + 1;
    h.sgmc_version = "9.9.9";
  };
  auto other_build = a::run_worker_node(s, later);
  REQUIRE_FALSE(other_build);
  CHECK(other_build.error().code == errc::invalid_config);
  CHECK(other_build.error().message.find(fmt::format(
            "version mismatch: the node runs sgmc 9.9.9 (wire format {}), the master sgmc {} "
            "(wire format {})",
            p::kWireVersion + 1, sgmc::core::version(), p::kWireVersion)) != std::string::npos);
  t::memory_sink sink;
  auto collector = std::async(std::launch::async, [&] {
    return a::run_collector_node(
        s, po,
        [&sink](const sgmc::protocols::welcome&) -> sgmc::expected<sgmc::engine::sample_sink*> {
          return &sink;
        });
  });
  auto w0 = std::async(std::launch::async, [&] { return a::run_worker_node(s, po); });
  auto w1 = std::async(std::launch::async, [&] { return a::run_worker_node(s, po); });
  auto summary = master.get();
  if (!summary) FAIL(summary.error().message);
  CHECK(summary->versions == std::vector<std::uint64_t>{300});
  for (auto* w : {&w0, &w1}) {
    auto r = w->get();
    if (!r) FAIL(r.error().message);
    CHECK(r->find("done: versions 300") == 0);
  }
  auto c = collector.get();
  if (!c) FAIL(c.error().message);
  CHECK(sink.draws.size() == 20);
  CHECK(sink.finished.has_value());
}

TEST_CASE("nodes: every payload takes the data channel when its threshold is 0", "[actors]") {
  auto g = sgmc::models::gaussian::diagonal(Eigen::Vector3d(1.0, -1.0, 0.5),
                                            Eigen::Vector3d(0.5, 0.5, 0.5), 0.1);
  REQUIRE(g);
  // Elastic: params and exchanges between master and workers, samples from every worker
  // straight to the collector's node.
  const auto s = setup(p::protocol_kind::elastic, **g);
  // The receiving nodes adopt ZeroMQ's messages: not one payload is copied out of one.
  const auto copies = p::float_values::copies();
  std::mutex mutex;
  std::vector<std::string> lines;
  auto log = [&](const std::string& l) {
    std::lock_guard<std::mutex> lock(mutex);
    lines.push_back(l);
  };
  std::promise<a::net_address> listening;
  auto mo = options(42);
  mo.channel.min_bytes = 0;
  mo.log = log;
  mo.on_listening = [&](const a::net_address& at) { listening.set_value(at); };
  auto master = std::async(std::launch::async, [&] { return a::run_master_node(s, mo); });
  auto at = listening.get_future();
  REQUIRE(at.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto po = options(42);
  po.address = at.get();
  po.channel.min_bytes = 0;
  po.log = log;
  t::memory_sink sink;
  auto collector = std::async(std::launch::async, [&] {
    return a::run_collector_node(
        s, po,
        [&sink](const sgmc::protocols::welcome&) -> sgmc::expected<sgmc::engine::sample_sink*> {
          return &sink;
        });
  });
  auto w0 = std::async(std::launch::async, [&] { return a::run_worker_node(s, po); });
  auto w1 = std::async(std::launch::async, [&] { return a::run_worker_node(s, po); });
  auto summary = master.get();
  if (!summary) FAIL(summary.error().message);
  for (auto* w : {&w0, &w1}) {
    auto r = w->get();
    if (!r) FAIL(r.error().message);
  }
  auto c = collector.get();
  if (!c) FAIL(c.error().message);
  CHECK(sink.draws.size() == 2 * 20);
  // Each node says what its channel carried: the master sent params and received exchanges,
  // the workers sent exchanges and samples, the collector received samples.
  std::lock_guard<std::mutex> lock(mutex);
  INFO(Catch::Detail::stringify(lines));
  auto line_of = [&](const std::string& prefix) -> std::string {
    for (const auto& l : lines)
      if (l.rfind(prefix, 0) == 0) return l;
    return "";
  };
  const auto m = line_of("data channel tcp://127.0.0.1:");
  const auto w = line_of("worker 0: data channel tcp://127.0.0.1:");
  const auto col = line_of("collector: data channel tcp://127.0.0.1:");
  REQUIRE_FALSE(m.empty());
  REQUIRE_FALSE(w.empty());
  CHECK(m.find(": sent 0 ") == std::string::npos);
  CHECK(m.find(", received 0 ") == std::string::npos);
  CHECK(w.find(": sent 0 ") == std::string::npos);
  CHECK(col.find(": sent 0 payloads (0.0 MB), received 40 (0.0 MB)") != std::string::npos);
  CHECK(p::float_values::copies() == copies);
}
