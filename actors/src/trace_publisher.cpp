#include "sgmc/actors/trace_publisher.hpp"

#include <fmt/format.h>
#include <zmq.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

namespace sgmc::actors {
namespace {

constexpr auto kSendEvery = std::chrono::milliseconds(100);

void put(unsigned char* p, std::uint64_t x, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(x >> (8 * i));
}
std::uint64_t get(const unsigned char* p, int n) {
  std::uint64_t x = 0;
  for (int i = 0; i < n; ++i) x |= std::uint64_t{p[i]} << (8 * i);
  return x;
}

}  // namespace

void encode_wire(const engine::trace_event& e, unsigned char* out) {
  put(out + 0, e.t_ns, 8);
  put(out + 8, e.bytes, 8);
  put(out + 16, e.version, 8);
  put(out + 24, static_cast<std::uint64_t>(e.staleness), 8);
  put(out + 32, e.seq, 8);
  // One field in the event (a span's length or an anchor's realtime), two on this wire.
  const bool anchor = e.type == engine::trace_type::anchor;
  put(out + 40, anchor ? 0 : e.duration_ns, 8);
  put(out + 48, anchor ? e.realtime_ns : 0, 8);
  put(out + 56, e.actor.index, 4);
  put(out + 60, e.peer.index, 4);
  out[64] = static_cast<unsigned char>(e.actor.role);
  out[65] = static_cast<unsigned char>(e.peer.role);
  out[66] = static_cast<unsigned char>(e.type);
  out[67] = static_cast<unsigned char>(e.dir);
}

expected<engine::trace_event> decode_wire(const unsigned char* p) {
  if (p[64] > 2 || p[65] > 2 || p[66] < 1 || p[66] > 11 || p[67] > 3)
    return make_error(errc::invalid_data,
                      "trace record with a role, type or direction out of range");
  engine::trace_event e;
  e.t_ns = get(p, 8);
  e.bytes = get(p + 8, 8);
  e.version = get(p + 16, 8);
  e.staleness = static_cast<std::int64_t>(get(p + 24, 8));
  e.seq = get(p + 32, 8);
  e.actor = {static_cast<engine::trace_role>(p[64]), static_cast<std::uint32_t>(get(p + 56, 4))};
  e.peer = {static_cast<engine::trace_role>(p[65]), static_cast<std::uint32_t>(get(p + 60, 4))};
  e.type = static_cast<engine::trace_type>(p[66]);
  e.dir = static_cast<engine::trace_direction>(p[67]);
  if (e.type == engine::trace_type::anchor)
    e.realtime_ns = get(p + 48, 8);
  else
    e.duration_ns = get(p + 40, 8);
  return e;
}

struct trace_publisher::impl {
  std::string node;
  zmq::context_t ctx{1};
  zmq::socket_t pub{ctx, zmq::socket_type::pub};
  std::mutex mu;
  std::condition_variable wake;
  std::vector<engine::trace_event> buffer;
  bool stopping = false;
  std::atomic<std::uint64_t> published{0}, dropped{0};
  std::thread sender;

  void send(std::vector<engine::trace_event>& batch) {
    if (batch.empty()) return;
    std::vector<unsigned char> body(8 + batch.size() * kWireRecordBytes);
    put(body.data(), dropped.load(), 8);
    for (std::size_t k = 0; k < batch.size(); ++k)
      encode_wire(batch[k], body.data() + 8 + k * kWireRecordBytes);
    try {
      zmq::message_t name(node.data(), node.size());
      if (pub.send(name, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
        zmq::message_t data(body.data(), body.size());
        if (pub.send(data, zmq::send_flags::dontwait)) {
          published += batch.size();
          batch.clear();
          return;
        }
      }
    } catch (const zmq::error_t&) {
    }
    dropped += batch.size();  // the watcher is slow (high-water mark reached): never wait
    batch.clear();
  }

  void loop() {
    std::vector<engine::trace_event> batch;
    std::unique_lock lock(mu);
    while (true) {
      wake.wait_for(lock, kSendEvery, [&] { return stopping; });
      batch.swap(buffer);
      const bool last = stopping;
      lock.unlock();
      send(batch);
      lock.lock();
      if (last) return;
    }
  }
};

trace_publisher::trace_publisher(std::unique_ptr<impl> p) : impl_(std::move(p)) {
  impl_->sender = std::thread([s = impl_.get()] { s->loop(); });
}

trace_publisher::~trace_publisher() { finish(); }

expected<std::unique_ptr<trace_publisher>> trace_publisher::open(const std::string& endpoint,
                                                                 const std::string& node) {
  auto p = std::make_unique<impl>();
  p->node = node;
  p->buffer.reserve(4096);
  try {
    p->pub.set(zmq::sockopt::linger, 0);
    p->pub.set(zmq::sockopt::sndhwm, kHighWaterMark);
    p->pub.set(zmq::sockopt::xpub_nodrop, 1);
    p->pub.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return make_error(errc::invalid_config,
                      fmt::format("trace.publish {}: {}", endpoint, e.what()));
  }
  return std::unique_ptr<trace_publisher>(new trace_publisher(std::move(p)));
}

void trace_publisher::on_record(const engine::trace_event& e) {
  std::lock_guard lock(impl_->mu);
  if (impl_->buffer.size() >= kMaxBuffered) {
    ++impl_->dropped;
    return;
  }
  impl_->buffer.push_back(e);
}

std::string trace_publisher::finish() {
  if (impl_->sender.joinable()) {
    {
      std::lock_guard lock(impl_->mu);
      impl_->stopping = true;
    }
    impl_->wake.notify_one();
    impl_->sender.join();
  }
  return fmt::format("trace: published {} records, dropped {}", published(), dropped());
}

std::uint64_t trace_publisher::published() const { return impl_->published.load(); }
std::uint64_t trace_publisher::dropped() const { return impl_->dropped.load(); }

expected<trace_publication> trace_publication::start(engine::trace_writer* trace,
                                                     const std::string& endpoint,
                                                     const std::string& node,
                                                     std::function<void(const std::string&)> log) {
  trace_publication out;
  if (trace == nullptr || endpoint.empty()) return out;
  auto p = trace_publisher::open(endpoint, node);
  if (!p) return unexpected(p.error());
  out.trace_ = trace;
  out.publisher_ = std::move(*p);
  out.log_ = std::move(log);
  trace->set_tap(out.publisher_.get());
  return out;
}

trace_publication& trace_publication::operator=(trace_publication&& other) noexcept {
  if (this != &other) {
    stop();
    trace_ = std::exchange(other.trace_, nullptr);
    publisher_ = std::move(other.publisher_);
    log_ = std::move(other.log_);
  }
  return *this;
}

trace_publication::~trace_publication() { stop(); }

void trace_publication::stop() {
  if (!publisher_) return;
  if (trace_ != nullptr) trace_->set_tap(nullptr);
  const auto line = publisher_->finish();
  if (log_) log_(line);
  publisher_.reset();
  trace_ = nullptr;
}

struct trace_subscriber::impl {
  zmq::context_t ctx{1};
  zmq::socket_t sub{ctx, zmq::socket_type::sub};
  std::string endpoint;
};

trace_subscriber::trace_subscriber(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
trace_subscriber::~trace_subscriber() = default;

expected<std::unique_ptr<trace_subscriber>> trace_subscriber::bind(const std::string& endpoint) {
  auto p = std::make_unique<impl>();
  std::string where = endpoint;
  if (where.size() > 2 && where.compare(where.size() - 2, 2, ":0") == 0)
    where.replace(where.size() - 1, 1, "*");
  try {
    p->sub.set(zmq::sockopt::linger, 0);
    p->sub.set(zmq::sockopt::subscribe, "");
    p->sub.bind(where);
    p->endpoint = p->sub.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return make_error(errc::invalid_argument,
                      fmt::format("{}: cannot listen: {}", endpoint, e.what()));
  }
  return std::unique_ptr<trace_subscriber>(new trace_subscriber(std::move(p)));
}

const std::string& trace_subscriber::endpoint() const { return impl_->endpoint; }

expected<std::optional<trace_batch>> trace_subscriber::receive(std::chrono::milliseconds timeout) {
  try {
    zmq::pollitem_t item{impl_->sub.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, timeout) == 0) return std::optional<trace_batch>{};
    zmq::message_t name, data;
    if (!impl_->sub.recv(name, zmq::recv_flags::dontwait)) return std::optional<trace_batch>{};
    if (!name.more()) return make_error(errc::invalid_data, "trace batch without records");
    if (!impl_->sub.recv(data, zmq::recv_flags::none) || data.more())
      return make_error(errc::invalid_data, "trace batch of more than 2 frames");
    const auto n = data.size();
    if (n < 8 || (n - 8) % kWireRecordBytes != 0)
      return make_error(errc::invalid_data, fmt::format("trace batch of {} bytes", n));
    trace_batch b;
    b.node = name.to_string();
    const auto* p = static_cast<const unsigned char*>(data.data());
    b.dropped = get(p, 8);
    for (std::size_t off = 8; off < n; off += kWireRecordBytes) {
      auto e = decode_wire(p + off);
      if (!e) return make_error(errc::invalid_data, "from " + b.node + ": " + e.error().message);
      b.events.push_back(*e);
    }
    return std::optional<trace_batch>{std::move(b)};
  } catch (const zmq::error_t& e) {
    return make_error(errc::io, fmt::format("trace watch: {}", e.what()));
  }
}

}  // namespace sgmc::actors
