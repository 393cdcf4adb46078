#pragma once
// Live traces over ZeroMQ (`[trace] publish = "tcp://HOST:PORT"`, `sgmc trace watch`): each node
// connects a PUB socket to the watcher's address and publishes its trace records in batches; the
// watcher binds a SUB socket there. A slow or absent watcher never slows the run: the records go
// to a bounded buffer (kMaxBuffered) that a thread of the publisher sends every 100 ms without
// waiting (ZMQ_DONTWAIT, send high-water mark kHighWaterMark batches, ZMQ_XPUB_NODROP so that a
// full queue is an error we count); what does not fit is dropped and counted.
//
// One message = 2 frames: the node name (UTF-8); a u64 of the records dropped so far, then
// kWireRecordBytes per record: u64 t_ns, bytes, version, staleness, seq, duration_ns,
// realtime_ns | u32 actor index, peer index | u8 actor role, peer role, type, dir (little-endian).
#include "sgmc/core/error.hpp"
#include "sgmc/engine/trace.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sgmc::actors {

inline constexpr std::size_t kWireRecordBytes = 68;

/// Publishes a node's records; attach it to the node's trace_writer with set_tap().
class trace_publisher final : public engine::trace_tap {
 public:
  static constexpr std::size_t kMaxBuffered = 1 << 16;  ///< records waiting to be sent
  static constexpr int kHighWaterMark = 64;             ///< batches queued in ZeroMQ

  /// Connects to `endpoint` (tcp://HOST:PORT); errc::invalid_config naming trace.publish.
  static expected<std::unique_ptr<trace_publisher>> open(const std::string& endpoint,
                                                         const std::string& node);
  ~trace_publisher() override;
  void on_record(const engine::trace_event& e) override;

  /// Sends what is buffered and stops; then "published N records, dropped M".
  std::string finish();

  std::uint64_t published() const;
  std::uint64_t dropped() const;

 private:
  struct impl;
  explicit trace_publisher(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// A publisher attached to a node's trace writer for the lifetime of this object (none when the
/// endpoint is empty or there is no writer); at its end it detaches, sends what is left and
/// logs "trace: published N records, dropped M".
class trace_publication {
 public:
  trace_publication() = default;
  static expected<trace_publication> start(engine::trace_writer* trace, const std::string& endpoint,
                                           const std::string& node,
                                           std::function<void(const std::string&)> log);
  trace_publication(trace_publication&&) = default;
  trace_publication& operator=(trace_publication&& other) noexcept;
  ~trace_publication();

 private:
  void stop();
  engine::trace_writer* trace_ = nullptr;
  std::unique_ptr<trace_publisher> publisher_;
  std::function<void(const std::string&)> log_;
};

/// A batch of records as received by the watcher.
struct trace_batch {
  std::string node;
  std::uint64_t dropped = 0;  ///< records the node dropped so far
  std::vector<engine::trace_event> events;
};

/// The watcher's end: binds a SUB socket.
class trace_subscriber {
 public:
  /// Binds `endpoint` (tcp://HOST:PORT; port * or 0: any free port).
  static expected<std::unique_ptr<trace_subscriber>> bind(const std::string& endpoint);
  ~trace_subscriber();
  /// The bound address (tcp://127.0.0.1:PORT).
  const std::string& endpoint() const;
  /// The next batch, or nullopt when none arrived within `timeout`; a malformed message is an
  /// error naming what is wrong.
  expected<std::optional<trace_batch>> receive(std::chrono::milliseconds timeout);

 private:
  struct impl;
  explicit trace_subscriber(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// Encodes / decodes one record of the wire format above.
void encode_wire(const engine::trace_event& e, unsigned char* out);
expected<engine::trace_event> decode_wire(const unsigned char* p);

}  // namespace sgmc::actors
