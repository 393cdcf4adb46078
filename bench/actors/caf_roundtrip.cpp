// CAF round trips in one process, across processes, and the hybrid (CAF control, ZeroMQ data),
// plus the child servers of the last two. See roundtrips.hpp for what each one measures.
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
  std::unique_ptr<sgmc::actors::trace_writer> writer;

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
  auto w = sgmc::actors::trace_writer::open(t.path, "bench");
  if (!w) return unexpected(w.error());
  t.writer = std::move(*w);
  return t;
}

// What a child server runs: payloads over CAF or over the data channel, the settings of both
// ends, and whether both ends trace.
using remote_kind = std::tuple<bool, caf_settings, bool>;

// A client actor system connected to a child server, kept for the whole run (one per kind of
// server) so that repetitions do not pay for process start-up.
struct remote_fixture {
  std::unique_ptr<child_process> server;
  std::unique_ptr<caf::actor_system_config> cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor echo;                       ///< proxy of the child's echo actor
  std::unique_ptr<zmq::context_t> zctx;  ///< hybrid only
  std::unique_ptr<zmq::socket_t> data;   ///< hybrid only: the client end of the data channel
  temp_trace trace;

  ~remote_fixture() {
    echo = nullptr;
    sys.reset();  // before the child goes: the connection closes from this side
    data.reset();
    zctx.reset();
    server.reset();
  }
};

std::map<remote_kind, std::unique_ptr<remote_fixture>> fixtures;

std::unique_ptr<zmq::socket_t> data_socket(zmq::context_t& ctx) {
  auto s = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::pair);
  s->set(zmq::sockopt::rcvtimeo, 30000);
  s->set(zmq::sockopt::sndtimeo, 30000);
  s->set(zmq::sockopt::linger, 0);
  return s;
}

std::vector<std::string> server_args(const remote_kind& k) {
  const auto& [hybrid, s, traced] = k;
  std::vector<std::string> args{hybrid ? "--serve=hybrid" : "--serve=caf",
                                std::string("--settings=") + to_string(s)};
  if (traced) args.emplace_back("--traced");
  return args;
}

expected<remote_fixture*> fixture(const remote_kind& k) {
  auto& slot = fixtures[k];
  if (slot) return slot.get();
  const auto& [hybrid, s, traced] = k;
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
    f->zctx = std::make_unique<zmq::context_t>();
    f->data = data_socket(*f->zctx);
    f->data->connect(endpoint);
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
  ch.trace = (*f)->trace.writer.get();
  auto pinger = (*f)->sys->spawn(ping, (*f)->echo, n, ch);
  run_batches(state, *(*f)->sys, pinger, n);
  caf::anon_send_exit(pinger, caf::exit_reason::user_shutdown);
}

// Serves `echo` on 127.0.0.1 (and the data channel in hybrid mode) until stdin closes.
int serve(caf_settings s, bool hybrid, bool traced) {
  auto trace = open_trace(traced);
  if (!trace) {
    std::fprintf(stderr, "serve: %s\n", trace.error().message.c_str());
    return 1;
  }
  caf::actor_system_config cfg;
  configure(cfg, s, true);
  caf::actor_system sys{cfg};
  zmq::context_t zctx;
  std::unique_ptr<zmq::socket_t> data;
  std::string endpoint;
  if (hybrid) {
    data = data_socket(zctx);
    data->bind("tcp://127.0.0.1:*");
    endpoint = data->get(zmq::sockopt::last_endpoint);
  }
  auto actor = sys.spawn(echo, channel{data.get(), trace->writer.get()});
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
  remote_roundtrips(state, n, {false, s, traced});
}

void caf_hybrid(benchmark::State& state, std::size_t n, caf_settings s) {
  remote_roundtrips(state, n, {true, s, false});
}

int serve_caf(caf_settings s, bool traced) { return serve(s, false, traced); }
int serve_hybrid(caf_settings s) { return serve(s, true, false); }

void release_caf_fixtures() { fixtures.clear(); }

}  // namespace sgmc::bench
