// The reference: raw ZeroMQ REQ/REP round trips over tcp://127.0.0.1 with a child server.
#include "child_process.hpp"
#include "roundtrips.hpp"

#include <unistd.h>
#include <zmq.hpp>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace sgmc::bench {
namespace {

constexpr int kTimeoutMs = 30000;

struct zmq_fixture {
  std::unique_ptr<child_process> server;
  zmq::context_t ctx;
  std::unique_ptr<zmq::socket_t> req;

  ~zmq_fixture() {
    req.reset();
    ctx.close();
    server.reset();
  }
};

std::unique_ptr<zmq_fixture> clients[2];  // plain, CURVE

expected<zmq_fixture*> fixture(bool curve) {
  auto& client = clients[curve ? 1 : 0];
  if (client) return client.get();
  auto f = std::make_unique<zmq_fixture>();
  std::vector<std::string> args{"--serve=zmq"};
  if (curve) args.emplace_back("--curve");
  auto child = child_process::spawn(args);
  if (!child) return unexpected(child.error());
  f->server = std::make_unique<child_process>(std::move(*child));
  f->req = std::make_unique<zmq::socket_t>(f->ctx, zmq::socket_type::req);
  f->req->set(zmq::sockopt::rcvtimeo, kTimeoutMs);
  f->req->set(zmq::sockopt::sndtimeo, kTimeoutMs);
  f->req->set(zmq::sockopt::linger, 0);
  // The ready line: the endpoint, then with CURVE the server's public key (Z85).
  const auto line = f->server->ready_line();
  const auto space = line.find(' ');
  if (curve) {
    if (space == std::string::npos) return make_error(errc::io, "zmq: no server key");
    char pub[41], sec[41];
    if (zmq_curve_keypair(pub, sec) != 0) return make_error(errc::io, "zmq: no CURVE here");
    f->req->set(zmq::sockopt::curve_serverkey, line.substr(space + 1));
    f->req->set(zmq::sockopt::curve_publickey, std::string(pub));
    f->req->set(zmq::sockopt::curve_secretkey, std::string(sec));
  }
  f->req->connect(line.substr(0, space));
  client = std::move(f);
  return client.get();
}

}  // namespace

void zmq_reqrep(benchmark::State& state, std::size_t n, bool curve) {
  auto& client = clients[curve ? 1 : 0];
  auto f = fixture(curve);
  if (!f) {
    fail(state, f.error().message);
    return;
  }
  zmq::socket_t& req = *(*f)->req;
  const std::vector<float> theta(n, 0.25f);
  std::vector<float> back(n);
  const std::size_t bytes = n * sizeof(float);
  for (auto _ : state) {
    zmq::message_t reply;
    if (!req.send(zmq::buffer(theta.data(), bytes), zmq::send_flags::none) ||
        !req.recv(reply, zmq::recv_flags::none)) {
      fail(state, "zmq: no reply within 30 s");
      client.reset();  // a REQ socket that missed its reply cannot be used again
      break;
    }
    if (reply.size() != bytes) {
      fail(state, "zmq: a reply carried the wrong payload");
      break;
    }
    std::memcpy(back.data(), reply.data(), bytes);
    benchmark::DoNotOptimize(back.data());
  }
  const auto trips = static_cast<std::int64_t>(state.iterations());
  state.SetItemsProcessed(trips);
  state.SetBytesProcessed(trips * static_cast<std::int64_t>(2 * bytes));
}

int serve_zmq(bool curve) {
  zmq::context_t ctx;
  zmq::socket_t rep(ctx, zmq::socket_type::rep);
  rep.set(zmq::sockopt::linger, 0);
  char pub[41] = {}, sec[41] = {};
  if (curve) {
    if (zmq_curve_keypair(pub, sec) != 0) return 1;
    rep.set(zmq::sockopt::curve_server, 1);
    rep.set(zmq::sockopt::curve_secretkey, std::string(sec));
  }
  rep.bind("tcp://127.0.0.1:*");
  std::printf("%s%s%s\n", rep.get(zmq::sockopt::last_endpoint).c_str(), curve ? " " : "", pub);
  std::fflush(stdout);
  zmq::pollitem_t items[] = {{rep.handle(), 0, ZMQ_POLLIN, 0},
                             {nullptr, STDIN_FILENO, ZMQ_POLLIN, 0}};
  while (true) {
    zmq::poll(items, 2, std::chrono::milliseconds(-1));
    if (items[1].revents & ZMQ_POLLIN) {
      char c;
      if (::read(STDIN_FILENO, &c, 1) <= 0) return 0;  // the parent closed our stdin
    }
    if (items[0].revents & ZMQ_POLLIN) {
      zmq::message_t m;
      if (!rep.recv(m, zmq::recv_flags::none)) continue;
      rep.send(m, zmq::send_flags::none);  // echo without copying
    }
  }
}

void release_zmq_fixtures() {
  for (auto& c : clients) c.reset();
}

}  // namespace sgmc::bench
