// CAF round trips in one process, across processes, and the hybrid (CAF control, sgmc's data
// channel for payloads of 64 KiB and more, as `sgmc node` runs), plus the child servers of the
// last two. See roundtrips.hpp for what each one measures.
#include "caf_actors.hpp"
#include "child_process.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <tuple>
#include <utility>

namespace sgmc::bench {
namespace {

// A trace file in the temporary directory, removed when done.
struct temp_trace {
  std::filesystem::path path;
  std::unique_ptr<sgmc::engine::trace_writer> writer;

  temp_trace() = default;
  temp_trace(temp_trace&& o) noexcept
      : path(std::exchange(o.path, {})), writer(std::move(o.writer)) {}
  temp_trace& operator=(temp_trace&& o) noexcept {
    std::swap(path, o.path);
    std::swap(writer, o.writer);
    return *this;
  }
  ~temp_trace() {
    writer.reset();
    if (!path.empty()) std::filesystem::remove(path);
  }
};

expected<temp_trace> open_trace(bool traced) {
  temp_trace t;
  if (!traced) return t;
  static std::atomic<int> counter{0};
  t.path = std::filesystem::temp_directory_path() / ("sgmc-bench-" + std::to_string(::getpid()) +
                                                     "-" + std::to_string(counter++) + ".trace");
  auto w = sgmc::engine::trace_writer::open(t.path, "bench");
  if (!w) return unexpected(w.error());
  t.writer = std::move(*w);
  return t;
}

// What a child server runs: payloads over CAF or over the data channel, the settings of both
// ends, whether both ends trace, and whether the data channel runs CURVE.
using remote_kind = std::tuple<bool, caf_settings, bool, bool>;

// A client actor system connected to a child server, kept for the whole run (one per kind of
// server) so that repetitions do not pay for process start-up.
struct remote_fixture {
  std::unique_ptr<child_process> server;
  std::unique_ptr<sgmc::actors::data_channel> data;  ///< hybrid only: this side's data channel
  std::shared_ptr<std::string> peer = std::make_shared<std::string>();  ///< the child's
  std::unique_ptr<caf::actor_system_config> cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor echo;  ///< proxy of the child's echo actor
  temp_trace trace;

  ~remote_fixture() {
    echo = nullptr;
    sys.reset();  // before the child goes: the connection closes from this side
    data.reset();
    server.reset();
  }
};

std::map<remote_kind, std::unique_ptr<remote_fixture>> fixtures;

expected<std::unique_ptr<sgmc::actors::data_channel>> open_channel(bool curve) {
  sgmc::actors::data_channel_params params;
  params.curve = curve;
  return sgmc::actors::data_channel::open("127.0.0.1", params, [](const std::string& line) {
    std::fprintf(stderr, "sgmc_bench_messaging: %s\n", line.c_str());
  });
}

// Tells the child's echo where this side's data channel is, bounded by kTimeout.
expected<void> introduce(caf::actor_system& sys, const caf::actor& echo,
                         const std::string& endpoint) {
  caf::scoped_actor self{sys};
  expected<void> result = make_error(errc::timeout, "the echo did not take the data endpoint");
  self->request(echo, kTimeout, endpoint)
      .receive([&](bool) { result = {}; },
               [&](caf::error& err) {
                 result = make_error(errc::io, "introducing the data channel: " + sys.render(err));
               });
  return result;
}

std::vector<std::string> server_args(const remote_kind& k) {
  const auto& [hybrid, s, traced, curve] = k;
  std::vector<std::string> args{hybrid ? "--serve=hybrid" : "--serve=caf",
                                std::string("--settings=") + to_string(s)};
  if (traced) args.emplace_back("--traced");
  if (curve) args.emplace_back("--curve");
  return args;
}

expected<remote_fixture*> fixture(const remote_kind& k) {
  auto& slot = fixtures[k];
  if (slot) return slot.get();
  const auto& [hybrid, s, traced, curve] = k;
  auto f = std::make_unique<remote_fixture>();
  auto trace = open_trace(traced);
  if (!trace) return unexpected(trace.error());
  f->trace = std::move(*trace);
  auto child = child_process::spawn(server_args(k));
  if (!child) return unexpected(child.error());
  f->server = std::make_unique<child_process>(std::move(*child));
  std::istringstream ready(f->server->ready_line());
  unsigned port = 0;
  std::string endpoint;
  ready >> port >> endpoint;
  f->cfg = std::make_unique<caf::actor_system_config>();
  configure(*f->cfg, s, true);
  f->sys = std::make_unique<caf::actor_system>(*f->cfg);
  auto echo = connect(*f->sys, static_cast<std::uint16_t>(port));
  if (!echo) return unexpected(echo.error());
  f->echo = *echo;
  if (hybrid) {
    auto ch = open_channel(curve);
    if (!ch) return unexpected(ch.error());
    f->data = std::move(*ch);
    f->data->admit({endpoint});  // with CURVE: the server's key may send here
    *f->peer = endpoint;
    if (auto r = introduce(*f->sys, f->echo, f->data->endpoint()); !r) return unexpected(r.error());
  }
  slot = std::move(f);
  return slot.get();
}

void remote_roundtrips(benchmark::State& state, std::size_t n, const remote_kind& k) {
  auto f = fixture(k);
  if (!f) {
    fail(state, f.error().message);
    return;
  }
  channel ch;
  ch.data = (*f)->data.get();
  ch.peer = (*f)->peer;
  ch.trace = (*f)->trace.writer.get();
  auto pinger = (*f)->sys->spawn(ping, (*f)->echo, n, ch);
  run_batches(state, *(*f)->sys, pinger, n);
  caf::anon_send_exit(pinger, caf::exit_reason::user_shutdown);
}

// Serves `echo` on 127.0.0.1 (and the data channel in hybrid mode) until stdin closes.
int serve(caf_settings s, bool hybrid, bool traced, bool curve) {
  auto trace = open_trace(traced);
  if (!trace) {
    std::fprintf(stderr, "serve: %s\n", trace.error().message.c_str());
    return 1;
  }
  // Declared before the actor system: it outlives the echo.
  std::unique_ptr<sgmc::actors::data_channel> data;
  std::string endpoint;
  if (hybrid) {
    auto ch = open_channel(curve);
    if (!ch) {
      std::fprintf(stderr, "serve: %s\n", ch.error().message.c_str());
      return 1;
    }
    data = std::move(*ch);
    endpoint = data->endpoint();
  }
  caf::actor_system_config cfg;
  configure(cfg, s, true);
  caf::actor_system sys{cfg};
  channel ch;
  ch.data = data.get();
  ch.trace = trace->writer.get();
  auto actor = sys.spawn(echo, ch);
  auto port = sys.middleman().publish(actor, 0, "127.0.0.1");
  if (!port) {
    std::fprintf(stderr, "serve: publish failed: %s\n", sys.render(port.error()).c_str());
    return 1;
  }
  std::printf("%u %s\n", static_cast<unsigned>(*port), endpoint.c_str());
  std::fflush(stdout);
  wait_for_parent_eof();
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  return 0;
}

}  // namespace

const char* to_string(caf_settings s) {
  switch (s) {
    case caf_settings::defaults:
      return "default";
    case caf_settings::one_thread:
      return "1thread";
    case caf_settings::sharing:
      return "sharing";
    case caf_settings::sharing_one_thread:
      return "sharing_1thread";
  }
  return "unknown";
}

void caf_inproc(benchmark::State& state, std::size_t n, caf_settings s, bool traced) {
  auto trace = open_trace(traced);
  if (!trace) {
    fail(state, trace.error().message);
    return;
  }
  caf::actor_system_config cfg;
  configure(cfg, s, false);
  caf::actor_system sys{cfg};
  channel ch;
  ch.trace = trace->writer.get();
  auto e = sys.spawn(echo, ch);
  auto pinger = sys.spawn(ping, e, n, ch);
  run_batches(state, sys, pinger, n);
  caf::anon_send_exit(pinger, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(e, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  if (ch.trace != nullptr) {
    if (auto ok = ch.trace->flush(); !ok) fail(state, ok.error().message);
  }
}

void caf_remote(benchmark::State& state, std::size_t n, caf_settings s, bool traced) {
  remote_roundtrips(state, n, {false, s, traced, false});
}

void caf_hybrid(benchmark::State& state, std::size_t n, caf_settings s, bool curve) {
  remote_roundtrips(state, n, {true, s, false, curve});
}

int serve_caf(caf_settings s, bool traced) { return serve(s, false, traced, false); }
int serve_hybrid(caf_settings s, bool curve) { return serve(s, true, false, curve); }

void release_caf_fixtures() { fixtures.clear(); }

}  // namespace sgmc::bench
