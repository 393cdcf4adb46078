#include "curve_gate.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace sgmc::actors::detail {
namespace {

constexpr const char* kSuffix = "#curve=";
// How often the gate looks again at the clients waiting for their keys.
constexpr std::chrono::milliseconds kRecheck{20};

std::string to_string(const zmq::message_t& m) { return {m.data<char>(), m.size()}; }

}  // namespace

expected<void> curve_support() {
  if (!zmq_has("curve"))
    return make_error(errc::io,
                      "cluster.tls needs CURVE on the data channel, but this libzmq was built "
                      "without it (zmq_has(\"curve\") is false): install Debian's libzmq5, built "
                      "with libsodium, or set cluster.data_channel = false on every node");
  return {};
}

expected<curve_keypair> make_curve_keypair() {
  if (auto r = curve_support(); !r) return unexpected(r.error());
  char pub[41] = {};
  char sec[41] = {};
  if (zmq_curve_keypair(pub, sec) != 0)
    return make_error(errc::io, fmt::format("data channel: cannot make a CURVE keypair: {}",
                                            zmq_strerror(zmq_errno())));
  curve_keypair k;
  if (zmq_z85_decode(k.public_key.data(), pub) == nullptr ||
      zmq_z85_decode(k.secret_key.data(), sec) == nullptr)
    return make_error(errc::io, "data channel: cannot decode a CURVE keypair");
  std::memset(sec, 0, sizeof sec);
  return k;
}

std::string curve_suffix(const curve_key& key) {
  std::string s = kSuffix;
  for (auto b : key) s += fmt::format("{:02x}", b);
  return s;
}

expected<std::pair<std::string, std::optional<curve_key>>> split_endpoint(const std::string& e) {
  const auto at = e.find(kSuffix);
  if (at == std::string::npos) return std::pair{e, std::optional<curve_key>{}};
  const auto hex = e.substr(at + std::strlen(kSuffix));
  auto bad = [&] {
    return make_error(
        errc::protocol,
        fmt::format("data channel endpoint {}: the CURVE key is not 64 hex digits", e));
  };
  if (hex.size() != 64) return bad();
  curve_key k{};
  for (std::size_t i = 0; i < k.size(); ++i) {
    unsigned v = 0;
    for (char c : {hex[2 * i], hex[2 * i + 1]}) {
      const int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (d < 0) return bad();
      v = v * 16 + static_cast<unsigned>(d);
    }
    k[i] = static_cast<std::uint8_t>(v);
  }
  return std::pair{e.substr(0, at), std::optional<curve_key>{k}};
}

curve_gate::curve_gate(zmq::socket_t s, std::chrono::milliseconds wait,
                       std::function<void(const std::string&)> log)
    : socket_(std::move(s)), wait_(wait), log_(std::move(log)) {
  thread_ = std::thread([this] { loop(); });
}

expected<std::unique_ptr<curve_gate>> curve_gate::start(
    zmq::context_t& ctx, std::chrono::milliseconds wait,
    std::function<void(const std::string&)> log) {
  try {
    // ROUTER, not REP: a reply may wait for its key while later requests are answered.
    zmq::socket_t s(ctx, zmq::socket_type::router);
    s.set(zmq::sockopt::linger, 0);
    s.bind("inproc://zeromq.zap.01");
    return std::unique_ptr<curve_gate>(new curve_gate(std::move(s), wait, std::move(log)));
  } catch (const zmq::error_t& e) {
    return make_error(errc::io,
                      fmt::format("data channel: cannot start its CURVE handler: {}", e.what()));
  }
}

curve_gate::~curve_gate() {
  if (thread_.joinable()) thread_.join();
}

void curve_gate::admit(const std::vector<curve_key>& keys) {
  std::lock_guard<std::mutex> lock(mutex_);
  keys_.insert(keys.begin(), keys.end());
}

bool curve_gate::admitted(const curve_key& k) {
  std::lock_guard<std::mutex> lock(mutex_);
  return keys_.count(k) > 0;
}

void curve_gate::reply(waiting& w, bool ok) {
  if (!ok) {
    ++refused_;
    if (warned_.insert(w.address).second && log_)
      log_(
          fmt::format("data channel: refused a peer at {}: its CURVE key is not one of the "
                      "cluster's nodes' (logged once per address)",
                      w.address));
  }
  for (auto& m : w.envelope) socket_.send(m, zmq::send_flags::sndmore);
  const std::string code = ok ? "200" : "400";
  const std::string text = ok ? "OK" : "unknown key";
  socket_.send(zmq::buffer(std::string_view("1.0")), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(w.request_id), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(code), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(text), zmq::send_flags::sndmore);
  socket_.send(zmq::message_t{}, zmq::send_flags::sndmore);  // user id
  socket_.send(zmq::message_t{}, zmq::send_flags::none);     // metadata
}

// One request: [routing id, "", "1.0", request id, domain, address, identity, mechanism,
// credentials...] (libzmq's zap_client; CURVE's one credential is the client's public key).
void curve_gate::take_request() {
  std::vector<zmq::message_t> parts;
  bool more = true;
  while (more) {
    zmq::message_t m;
    if (!socket_.recv(m, zmq::recv_flags::dontwait)) return;
    more = m.more();
    if (parts.size() < 16) parts.push_back(std::move(m));
  }
  if (parts.size() < 9) return;  // not from libzmq: nothing to answer
  waiting w;
  w.envelope.push_back(std::move(parts[0]));
  w.envelope.push_back(std::move(parts[1]));
  w.request_id = to_string(parts[3]);
  w.address = to_string(parts[5]);
  const bool curve = to_string(parts[7]) == "CURVE" && parts[8].size() == w.key.size();
  if (curve) std::memcpy(w.key.data(), parts[8].data(), w.key.size());
  if (!curve) return reply(w, false);
  if (admitted(w.key)) return reply(w, true);
  if (waiting_.size() >= kMaxWaiting) return reply(w, false);
  w.until = std::chrono::steady_clock::now() + wait_;
  waiting_.push_back(std::move(w));
}

void curve_gate::loop() {
  for (;;) {
    try {
      zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, waiting_.empty() ? std::chrono::milliseconds(-1) : kRecheck);
      if (item.revents & ZMQ_POLLIN) take_request();
      const auto now = std::chrono::steady_clock::now();
      std::vector<waiting> still;
      for (auto& w : waiting_) {
        if (admitted(w.key))
          reply(w, true);
        else if (now >= w.until)
          reply(w, false);
        else
          still.push_back(std::move(w));
      }
      waiting_ = std::move(still);
    } catch (const zmq::error_t& e) {
      // EINTR: a signal (a stopped and continued process) interrupted the poll; go on. ETERM:
      // the channel is closing.
      if (e.num() != EINTR) break;
    }
  }
  waiting_.clear();
  socket_.close();
}

}  // namespace sgmc::actors::detail
