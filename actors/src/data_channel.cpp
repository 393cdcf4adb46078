#include "sgmc/actors/data_channel.hpp"

#include "curve_gate.hpp"
#include "data_frame.hpp"
#include "sgmc/actors/wire.hpp"

#include <fmt/format.h>
#include <zmq.hpp>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include <netdb.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sgmc::actors {
namespace {

using detail::frame_header;
using detail::node_hex;
// Outgoing payloads queued per destination before a send waits: the receiver thread empties
// its socket into the inbox at once, so only a peer that takes nothing fills this.
constexpr int kSendQueue = 64;

std::uint64_t random_id() {
  std::random_device rd;
  std::seed_seq seq{rd(), rd(), rd(), rd(), static_cast<unsigned>(::getpid())};
  std::mt19937_64 gen(seq);
  std::uint64_t id = 0;
  while (id == 0) id = gen();
  return id;
}

// The numeric form of `host` ("0.0.0.0", "::1", a name), bracketed for IPv6, for a ZeroMQ tcp://
// address; and whether it is IPv6.
expected<std::pair<std::string, bool>> numeric_host(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res); rc != 0)
    return make_error(errc::io,
                      fmt::format("data channel: cannot resolve {}: {}", host, ::gai_strerror(rc)));
  char buf[NI_MAXHOST] = {};
  const bool v6 = res->ai_family == AF_INET6;
  const int rc =
      ::getnameinfo(res->ai_addr, res->ai_addrlen, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST);
  ::freeaddrinfo(res);
  if (rc != 0)
    return make_error(errc::io,
                      fmt::format("data channel: cannot resolve {}: {}", host, ::gai_strerror(rc)));
  return std::pair{v6 ? fmt::format("[{}]", buf) : std::string(buf), v6};
}

// A payload handed to ZeroMQ without a copy: its vector, or its share of the buffer it adopted
// (a message received earlier, sent on as it is), lives until ZeroMQ has sent it. ZeroMQ only
// reads the bytes.
zmq::message_t owning_message(protocols::float_values&& values) {
  if (values.empty()) return zmq::message_t{};
  auto owned = std::make_unique<protocols::float_values>(std::move(values));
  const auto bytes = owned->size() * sizeof(float);
  zmq::message_t m(
      const_cast<float*>(owned->data()), bytes,
      [](void*, void* hint) { delete static_cast<protocols::float_values*>(hint); }, owned.get());
  owned.release();  // now ZeroMQ's, freed by the callback above
  return m;
}

std::string megabytes(std::uint64_t bytes) {
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

}  // namespace

// The smallest ZMQ_MAXMSGSIZE of a channel's receiving socket, and what CURVE adds to a frame
// (at most; 33 bytes in libzmq 4.3).
constexpr std::uint64_t kMinFrameLimit = 1024;
constexpr std::uint64_t kCurveOverhead = 64;

struct data_channel::impl {
  zmq::context_t ctx{1};
  std::unique_ptr<detail::curve_gate> gate;  ///< with params.curve: bound before `pull`
  std::optional<detail::curve_keypair> keys;
  bool curve_server = false;  ///< ZMQ_CURVE_SERVER of `pull`, read back
  zmq::socket_t pull{ctx, zmq::socket_type::pull};
  std::function<void(const std::string&)> log;

  std::mutex send_mutex;
  std::map<std::string, zmq::socket_t> pushes;  ///< by destination endpoint

  data_channel_params params;
  std::mutex inbox_mutex;
  std::condition_variable arrived;
  struct waiting {
    protocols::float_values values;
    std::chrono::steady_clock::time_point since;
  };
  std::map<std::pair<std::uint64_t, std::uint64_t>, waiting> inbox;
  std::uint64_t pending_bytes = 0;              ///< under inbox_mutex
  std::set<std::string> warned;                 ///< peers logged as over the bound
  std::chrono::steady_clock::time_point swept;  ///< the last expiry sweep
  bool stopped = false;

  // Who reads `pull` (leader/follower, under inbox_mutex): the receiver thread while nobody
  // waits in take(); a taker whose payload has not arrived otherwise, so that the payload it
  // waits for goes from ZeroMQ to the thread that needs it with no hop through another thread.
  // The other takers wait on `arrived` for the reader to file their payloads.
  enum class reader { none, receiver, taker };
  reader owner = reader::none;
  unsigned takers = 0;  ///< threads in take() whose payload is not there yet
  bool woken = false;   ///< wake_fd written since the receiver last polled
  int wake_fd = -1;     ///< eventfd: makes the receiver's poll give `pull` up

  std::thread receiver;
  ~impl() {
    if (wake_fd >= 0) ::close(wake_fd);
  }
  std::atomic<std::uint64_t> sent{0}, sent_bytes{0}, received{0}, received_bytes{0}, rejected{0},
      dropped{0}, copied{0};

  static std::string peer_of(zmq::message_t& first) {
    try {
      return first.gets("Peer-Address");
    } catch (const zmq::error_t&) {
      return "an unknown address";
    }
  }

  // Drops the payloads that waited longer than take_timeout (their messages never came).
  // Under inbox_mutex; at most once a second.
  void expire(std::chrono::steady_clock::time_point now) {
    if (now - swept < std::chrono::seconds(1)) return;
    swept = now;
    for (auto it = inbox.begin(); it != inbox.end();) {
      if (now - it->second.since > params.take_timeout) {
        pending_bytes -= it->second.values.size() * sizeof(float);
        ++dropped;
        it = inbox.erase(it);
      } else {
        ++it;
      }
    }
  }

  void reject(zmq::message_t* first, const std::string& why) {
    ++rejected;
    std::string from;
    if (first != nullptr) {
      try {
        from = fmt::format(" from {}", first->gets("Peer-Address"));
      } catch (const zmq::error_t&) {
      }
    }
    if (log) log(fmt::format("data channel: rejected a message{}: {}", from, why));
  }

  // Checks one received message (its first two parts, `count` parts in all) and files it.
  void file(std::vector<zmq::message_t>& parts, std::size_t count) {
    frame_header h;
    if (auto why =
            detail::check_frame(count, parts[0].data(), parts[0].size(),
                                count > 1 ? parts[1].size() : 0, params.max_payload_floats, h))
      return reject(&parts[0], *why);
    auto& body = parts[1];
    const auto body_bytes = body.size();
    {
      // Room in the inbox before a byte is copied.
      std::lock_guard<std::mutex> lock(inbox_mutex);
      const auto now = std::chrono::steady_clock::now();
      expire(now);
      if (pending_bytes + body.size() > params.max_pending_bytes) {
        ++dropped;
        const auto from = peer_of(parts[0]);
        if (warned.insert(from).second && log)
          log(fmt::format(
              "data channel: dropped payload {} from node {} at {}: {} waiting "
              "for their messages would exceed the inbox's {} (logged once per "
              "peer)",
              h.ticket, node_hex(h.channel), from, megabytes(pending_bytes + body.size()),
              megabytes(params.max_pending_bytes)));
        return;
      }
      pending_bytes += body.size();
    }
    protocols::float_values v;
    const auto* src = static_cast<const char*>(body.data());
    if (h.n > 0 && reinterpret_cast<std::uintptr_t>(src) % alignof(float) == 0) {
      // The payload is ZeroMQ's message itself: the float_values keeps it (and frees it with
      // its last copy). Its data is malloc'd, so aligned for floats but not to 64 bytes.
      auto msg = std::make_shared<zmq::message_t>(std::move(body));
      const auto* f = static_cast<const float*>(msg->data());
      v = protocols::float_values::adopt(f, h.n, std::move(msg));
    } else if (h.n > 0) {
      std::vector<float> c(h.n);
      std::memcpy(c.data(), src, body_bytes);
      v = std::move(c);
      ++copied;
    }
    {
      std::lock_guard<std::mutex> lock(inbox_mutex);
      if (!inbox
               .emplace(std::pair{h.channel, h.ticket},
                        waiting{std::move(v), std::chrono::steady_clock::now()})
               .second) {
        pending_bytes -= body_bytes;
        return reject(&parts[0], fmt::format("a second payload {} from node {}", h.ticket,
                                             node_hex(h.channel)));
      }
    }
    arrived.notify_all();
  }

  // Files every message waiting at `pull` without blocking (called by its reader, without
  // inbox_mutex). False once the context is shut down.
  bool read_available() {
    for (;;) {
      std::vector<zmq::message_t> parts;
      std::size_t count = 0;
      try {
        zmq::message_t m;
        if (!pull.recv(m, zmq::recv_flags::dontwait)) return true;  // nothing more
        bool more = m.more();
        count = 1;
        parts.push_back(std::move(m));
        // The other parts of a message arrive with its first (ZeroMQ delivers it whole).
        while (more) {
          zmq::message_t rest;
          if (!pull.recv(rest, zmq::recv_flags::none)) continue;
          more = rest.more();
          ++count;
          if (parts.size() < 2) parts.push_back(std::move(rest));  // the rest only counted
        }
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return false;
        if (e.num() == EINTR) continue;  // a stopped and continued process: not the peer's doing
        reject(nullptr, e.what());
        continue;
      }
      file(parts, count);
    }
  }

  // Waits up to `wait` for a message at `pull` and files what is there (the reader only).
  // False once the context is shut down.
  bool poll_and_read(std::chrono::milliseconds wait, bool with_wake) {
    zmq::pollitem_t items[] = {{pull.handle(), 0, ZMQ_POLLIN, 0},
                               {nullptr, wake_fd, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, with_wake ? 2 : 1, wait);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return false;
      if (e.num() != EINTR) reject(nullptr, e.what());
      return true;
    }
    if (with_wake && (items[1].revents & ZMQ_POLLIN) != 0) {
      std::uint64_t count = 0;
      [[maybe_unused]] auto r = ::read(wake_fd, &count, sizeof count);
    }
    if ((items[0].revents & ZMQ_POLLIN) != 0) return read_available();
    return true;
  }
};

data_channel::data_channel(std::unique_ptr<impl> p, std::string address, std::uint64_t id,
                           data_channel_params params)
    : impl_(std::move(p)), address_(std::move(address)), id_(id), params_(params) {
  endpoint_ = address_;
  if (impl_->keys) endpoint_ += detail::curve_suffix(impl_->keys->public_key);
  impl_->receiver = std::thread([this] { receive_loop(); });
}

expected<std::unique_ptr<data_channel>> data_channel::open(
    const std::string& host, data_channel_params params,
    std::function<void(const std::string&)> log) {
  auto numeric = numeric_host(host);
  if (!numeric) return unexpected(numeric.error());
  auto p = std::make_unique<impl>();
  p->log = std::move(log);
  p->params = params;
  p->swept = std::chrono::steady_clock::now();
  p->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (p->wake_fd < 0)
    return make_error(errc::io, fmt::format("data channel: eventfd: {}", std::strerror(errno)));
  if (params.curve) {
    auto keys = detail::make_curve_keypair();
    if (!keys) return unexpected(keys.error());
    p->keys = *keys;
    auto gate = detail::curve_gate::start(p->ctx, params.send_timeout, p->log);
    if (!gate) return unexpected(gate.error());
    p->gate = std::move(*gate);
  }
  std::string endpoint;
  try {
    if (p->keys) {
      // Set before bind: every connection then speaks CURVE and asks the gate (ZAP).
      p->pull.set(zmq::sockopt::curve_server, 1);
      p->pull.set(zmq::sockopt::curve_secretkey,
                  zmq::const_buffer(p->keys->secret_key.data(), p->keys->secret_key.size()));
      p->pull.set(zmq::sockopt::zap_domain, "sgmc");
      p->curve_server = p->pull.get(zmq::sockopt::curve_server) != 0;
    }
    p->pull.set(zmq::sockopt::ipv6, numeric->second ? 1 : 0);
    p->pull.set(zmq::sockopt::linger, 0);
    // A peer announcing a larger message is disconnected before it is read into memory.
    const auto max_floats =
        std::min<std::uint64_t>(params.max_payload_floats, protocols::kMaxPayloadFloats);
    p->params.max_payload_floats = max_floats;
    // ZMQ_MAXMSGSIZE bounds every frame on the wire, the handshake's commands too (CURVE's
    // HELLO is 200 bytes, its INITIATE about 300; each CURVE message adds 33 bytes of nonce,
    // MAC and flags): a floor of kMinFrameLimit bytes lets the handshake of a small model's
    // channel through, and kCurveOverhead the encrypted envelope of its largest payload.
    p->pull.set(zmq::sockopt::maxmsgsize,
                static_cast<std::int64_t>(std::max<std::uint64_t>(
                    max_floats * sizeof(float) + (p->keys ? kCurveOverhead : 0), kMinFrameLimit)));
    p->pull.bind(fmt::format("tcp://{}:*", numeric->first));
    endpoint = p->pull.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return make_error(errc::io,
                      fmt::format("data channel: cannot listen on {}: {}", host, e.what()));
  }
  return std::unique_ptr<data_channel>(
      new data_channel(std::move(p), std::move(endpoint), random_id(), params));
}

expected<void> data_channel::check_curve() { return detail::curve_support(); }

void data_channel::admit(const std::vector<std::string>& endpoints) {
  if (!impl_->gate) return;
  std::vector<detail::curve_key> keys;
  for (const auto& e : endpoints) {
    auto split = detail::split_endpoint(e);
    if (split && split->second) keys.push_back(*split->second);
  }
  impl_->gate->admit(keys);
}

data_channel::~data_channel() {
  {
    std::lock_guard<std::mutex> lock(impl_->inbox_mutex);
    impl_->stopped = true;
  }
  impl_->arrived.notify_all();
  {
    std::lock_guard<std::mutex> lock(impl_->send_mutex);
    impl_->pushes.clear();  // each keeps params.linger to flush what it holds
  }
  impl_->ctx.shutdown();  // the receiver's poll returns ETERM, the gate's poll too
  if (impl_->receiver.joinable()) impl_->receiver.join();
  impl_->pull.close();
  impl_->gate.reset();
  impl_->ctx.close();
}

void data_channel::receive_loop() {
  auto& p = *impl_;
  for (;;) {
    {
      // A taker waiting for its payload reads `pull` itself; the receiver only while none does.
      std::unique_lock<std::mutex> lock(p.inbox_mutex);
      p.arrived.wait(lock,
                     [&] { return p.stopped || (p.owner == impl::reader::none && p.takers == 0); });
      if (p.stopped) break;
      p.owner = impl::reader::receiver;
      p.woken = false;
    }
    const bool alive = p.poll_and_read(std::chrono::milliseconds(-1), true);
    {
      std::lock_guard<std::mutex> lock(p.inbox_mutex);
      p.owner = impl::reader::none;
    }
    p.arrived.notify_all();
    if (!alive) break;
  }
}

expected<std::uint64_t> data_channel::send(const std::string& to,
                                           protocols::float_values&& values) {
  auto& p = *impl_;
  frame_header h;
  h.channel = id_;
  h.ticket = ++next_ticket_;
  h.n = values.size();
  const auto bytes = values.size() * sizeof(float);
  std::lock_guard<std::mutex> lock(p.send_mutex);
  auto it = p.pushes.find(to);
  try {
    if (it == p.pushes.end()) {
      auto split = detail::split_endpoint(to);
      if (!split) return unexpected(split.error());
      const auto& [to_address, server_key] = *split;
      if (server_key.has_value() != p.keys.has_value())
        return make_error(
            errc::protocol,
            fmt::format("data channel: {} {} a CURVE key but this node's channel {}: does every "
                        "node run with the same cluster.tls?",
                        to_address, server_key ? "has" : "has no", p.keys ? "has" : "has none"));
      zmq::socket_t s(p.ctx, zmq::socket_type::push);
      if (server_key) {
        s.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server_key->data(), 32));
        s.set(zmq::sockopt::curve_publickey, zmq::const_buffer(p.keys->public_key.data(), 32));
        s.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(p.keys->secret_key.data(), 32));
      }
      s.set(zmq::sockopt::ipv6, 1);
      s.set(zmq::sockopt::sndtimeo, static_cast<int>(params_.send_timeout.count()));
      s.set(zmq::sockopt::linger, static_cast<int>(params_.linger.count()));
      s.set(zmq::sockopt::sndhwm, kSendQueue);
      std::string address = to_address;
      if (!wildcard_host_.empty()) {
        for (const char* any : {"tcp://0.0.0.0:", "tcp://[::]:", "tcp://*:"}) {
          if (!to_address.starts_with(any)) continue;
          const auto host = wildcard_host_.find(':') == std::string::npos
                                ? wildcard_host_
                                : fmt::format("[{}]", wildcard_host_);
          address = fmt::format("tcp://{}:{}", host, to_address.substr(std::strlen(any)));
          break;
        }
      }
      s.connect(address);
      it = p.pushes.emplace(to, std::move(s)).first;
    }
    zmq::message_t head(&h, sizeof h);
    auto body = owning_message(std::move(values));
    // The second part of a message is never refused once its first is queued.
    if (!it->second.send(head, zmq::send_flags::sndmore) ||
        !it->second.send(body, zmq::send_flags::none))
      return make_error(
          errc::io,
          fmt::format("data channel: could not send {} floats to {} within {:.1f} s (is the "
                      "node there, and its data port open?)",
                      h.n, to, static_cast<double>(params_.send_timeout.count()) / 1e3));
  } catch (const zmq::error_t& e) {
    return make_error(errc::io, fmt::format("data channel: cannot send to {}: {}", to, e.what()));
  }
  ++p.sent;
  p.sent_bytes += bytes;
  return h.ticket;
}

expected<protocols::float_values> data_channel::take(std::uint64_t from, std::uint64_t ticket,
                                                     std::uint64_t n,
                                                     std::chrono::milliseconds timeout) {
  auto& p = *impl_;
  const auto key = std::pair{from, ticket};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(p.inbox_mutex);
  auto it = p.inbox.find(key);
  if (it == p.inbox.end()) {
    ++p.takers;
    for (;;) {
      it = p.inbox.find(key);
      if (it != p.inbox.end() || p.stopped) break;
      const auto now = std::chrono::steady_clock::now();
      if (p.owner == impl::reader::none) {
        // Nobody reads the socket: this thread does, until something arrives or time is up.
        p.owner = impl::reader::taker;
        lock.unlock();
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            std::max(deadline - now, std::chrono::steady_clock::duration::zero()));
        const bool alive = p.poll_and_read(left, false);
        lock.lock();
        p.owner = impl::reader::none;
        p.arrived.notify_all();  // another taker (or the receiver) may read now
        if (!alive) break;
        it = p.inbox.find(key);
        if (it != p.inbox.end() || std::chrono::steady_clock::now() >= deadline) break;
        continue;
      }
      if (now >= deadline) break;
      if (p.owner == impl::reader::receiver && !p.woken) {
        // The receiver sits in its poll: make it give the socket up.
        p.woken = true;
        const std::uint64_t one = 1;
        [[maybe_unused]] auto r = ::write(p.wake_fd, &one, sizeof one);
      }
      p.arrived.wait_until(lock, deadline);
    }
    --p.takers;
    if (p.takers == 0) p.arrived.notify_all();  // the receiver may read again
    if (it == p.inbox.end()) return make_error(errc::timeout, missing(from, ticket, n, timeout));
  }
  auto v = std::move(it->second.values);
  p.pending_bytes -= v.size() * sizeof(float);
  p.inbox.erase(it);
  ++p.received;
  p.received_bytes += v.size() * sizeof(float);
  if (v.size() != n)
    return make_error(errc::protocol,
                      fmt::format("payload {} from node {} has {} floats, its message says {}",
                                  ticket, node_hex(from), v.size(), n));
  return v;
}

std::string data_channel::missing(std::uint64_t from, std::uint64_t ticket, std::uint64_t n,
                                  std::chrono::milliseconds timeout) const {
  return fmt::format(
      "payload {} ({} floats) from node {} did not arrive within {:.1f} s on the "
      "data channel {}",
      ticket, n, node_hex(from), static_cast<double>(timeout.count()) / 1e3, address_);
}

data_channel_stats data_channel::stats() const {
  std::uint64_t pending = 0;
  {
    std::lock_guard<std::mutex> lock(impl_->inbox_mutex);
    pending = impl_->pending_bytes;
  }
  return {impl_->sent.load(),
          impl_->sent_bytes.load(),
          impl_->received.load(),
          impl_->received_bytes.load(),
          impl_->rejected.load(),
          impl_->dropped.load(),
          pending,
          impl_->copied.load(),
          impl_->gate ? impl_->gate->refused() : 0,
          impl_->curve_server};
}

std::string describe(const data_channel& ch) {
  const auto s = ch.stats();
  auto line = fmt::format("data channel {}: sent {} payload{} ({}), received {} ({})", ch.address(),
                          s.sent, s.sent == 1 ? "" : "s", megabytes(s.sent_bytes), s.received,
                          megabytes(s.received_bytes));
  if (s.rejected > 0)
    line +=
        fmt::format(", rejected {} malformed message{}", s.rejected, s.rejected == 1 ? "" : "s");
  if (s.copied > 0)
    line += fmt::format(", copied {} unaligned payload{}", s.copied, s.copied == 1 ? "" : "s");
  if (s.dropped > 0)
    line +=
        fmt::format(", dropped {} payload{} no message took", s.dropped, s.dropped == 1 ? "" : "s");
  if (s.curve) line += ", CURVE";
  if (s.refused > 0)
    line +=
        fmt::format(", refused {} peer{} without the key", s.refused, s.refused == 1 ? "" : "s");
  return line;
}

}  // namespace sgmc::actors
