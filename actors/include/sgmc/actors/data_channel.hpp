#pragma once
// A node's bulk data channel: float payloads of protocol messages between the nodes of a
// `sgmc node` run travel over ZeroMQ beside CAF, which keeps carrying the control part of every
// message (docs/cluster.md, "How payloads travel"). CAF 0.17's BASP reaches about 60 % of
// ZeroMQ's throughput for 4 MB payloads (docs/PERFORMANCE.md); this path reaches 82–92 % of raw
// REQ/REP, and with CURVE as fast as CURVE REQ/REP.
//
// One channel per node: a PULL socket bound on the node's interface (tcp://IP:PORT, PORT picked
// by the system) whose arriving payloads are filed in an inbox under (sender channel id,
// ticket), and one PUSH socket per destination node. The PULL socket has one reader at a time
// (leader/follower): a thread in take() whose payload has not arrived reads it itself, so the
// payload goes from ZeroMQ's I/O thread to the actor that waits for it with no hop through a
// third thread (as a REQ/REP client's reply does); other takers wait for that reader to file
// theirs. While nobody waits, a receiver thread reads and files (it gives the socket up at
// once when a taker comes: an eventfd in its poll), so the inbox's bounds hold at all times.
//
// No copies of the floats on either side: a send hands the payload's vector (or the buffer it
// adopted) to ZeroMQ, which frees it once sent; a take returns ZeroMQ's received message
// itself, adopted by a protocols::float_values (the message is freed with the last copy of the
// payload). Only a message whose bytes are not 4-byte aligned in ZeroMQ's buffer would be
// copied (counted in stats().copied; never seen: ZeroMQ's buffers are malloc'd). The sender sends
// the payload first (send() returns its ticket), then the CAF message naming (channel id, ticket,
// n); the receiving actor takes the payload from the inbox when that message is handled, so CAF's
// ordering of messages is kept: nothing overtakes anything.
//
// Frames: every payload is one two-part ZeroMQ message,
//   part 1: header, 32 bytes, little-endian: u32 magic "SGDC" (0x43444753), u32 version (1),
//           u64 sender channel id, u64 ticket, u64 n (floats)
//   part 2: n × 4 bytes, IEEE-754 binary32 (moved bit for bit: NaN, −0, subnormals, Inf)
// A message of another shape is dropped with one logged line ("data channel: rejected a
// frame ...") and counted in stats().rejected; it never crashes the node.
//
// Bounds (nothing a peer claims sizes a buffer beyond what the config makes legitimate): a
// frame's payload is at most params.max_payload_floats (the model's dimension; ZeroMQ
// disconnects a peer announcing more before reading it: ZMQ_MAXMSGSIZE, at least 1 KiB so that
// the handshake's commands pass, plus CURVE's envelope with curve); the payloads waiting
// in the inbox for their messages hold at most params.max_pending_bytes, and one that waited
// longer than take_timeout is dropped (its message never came). A frame beyond the bound is
// dropped, counted in stats().dropped and logged once per peer address.
//
// Security (docs/cluster.md#tls): with params.curve (a node's cluster.tls) the channel is
// encrypted and authenticated by ZeroMQ's CURVE. It makes a fresh keypair per run; endpoint()
// then ends in "#curve=<public key>", and the endpoint reaches the other nodes only inside CAF's
// TLS connections (hello, directory). The PULL socket is a CURVE server that lets in only the
// clients whose keys admit() was given (the directory's endpoints); every other connection is
// closed in its handshake, before a byte of its messages is read, and counted in
// stats().refused. A client key not admitted yet is held up to params.send_timeout (the
// directory may arrive after a peer's first payload). Without curve, frames travel in clear and
// anyone reaching the port can file payloads (within the bounds above).
//
// Nothing blocks forever: a send waits at most params.send_timeout for room in the queue to its
// destination, take() at most its timeout, and the destructor stops the receiver thread at once
// (pending outgoing payloads get params.linger to leave).
#include "sgmc/core/error.hpp"
#include "sgmc/protocols/float_values.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sgmc::actors {

struct data_channel_params {
  /// Payloads of at least this many bytes (4 per float) take the channel; smaller ones stay
  /// in their CAF message, which is faster for them. 64 KiB by default.
  std::uint64_t min_bytes = 65536;
  /// How long a send may wait for room in the queue to a destination (a peer that takes
  /// nothing); then it fails.
  std::chrono::milliseconds send_timeout{10000};
  /// How long the actors wait for a payload whose control message has arrived.
  std::chrono::milliseconds take_timeout{30000};
  /// How long unsent payloads may hold up closing the channel.
  std::chrono::milliseconds linger{1000};
  /// The largest payload a frame may carry, in floats: the model's dimension (a full θ).
  std::uint64_t max_payload_floats = (std::uint64_t{1} << 30) - 1024;
  /// The bytes of payloads that may wait in the inbox for their messages, all peers together.
  std::uint64_t max_pending_bytes = std::uint64_t{1} << 30;
  /// Encrypt and authenticate with CURVE (set when cluster.tls is on); open() fails when
  /// libzmq has no CURVE.
  bool curve = false;
};

/// Counters of a channel (since it opened).
struct data_channel_stats {
  std::uint64_t sent = 0;            ///< payloads sent
  std::uint64_t sent_bytes = 0;      ///< their floats' bytes
  std::uint64_t received = 0;        ///< payloads taken by their messages
  std::uint64_t received_bytes = 0;  ///< their floats' bytes
  std::uint64_t rejected = 0;        ///< malformed frames dropped
  /// Well-formed frames dropped: beyond max_pending_bytes, or never claimed within
  /// take_timeout (a peer filing payloads no message will take).
  std::uint64_t dropped = 0;
  std::uint64_t pending_bytes = 0;  ///< bytes waiting in the inbox now
  /// Payloads copied on receipt instead of adopted (bytes not 4-byte aligned in ZeroMQ's
  /// buffer); 0 in every run seen.
  std::uint64_t copied = 0;
  std::uint64_t refused = 0;  ///< CURVE clients refused: their keys were not admitted
  bool curve = false;         ///< the receiving socket is a CURVE server (read back)
};

class data_channel {
 public:
  /// Binds the channel on `host` (a numeric IPv4/IPv6 address or a name that resolves to one;
  /// 0.0.0.0 or :: for every interface) at a port the system picks, and starts the receiver.
  /// `log` gets one line per rejected frame (from the thread reading the socket; may be empty).
  /// errc::io naming the address when it cannot bind.
  static expected<std::unique_ptr<data_channel>> open(const std::string& host,
                                                      data_channel_params params,
                                                      std::function<void(const std::string&)> log);

  /// Whether params.curve can work here: errc::io naming the fix when libzmq has no CURVE.
  static expected<void> check_curve();

  data_channel(const data_channel&) = delete;
  data_channel& operator=(const data_channel&) = delete;
  /// Stops the receiver thread and closes every socket (bounded by params.linger).
  ~data_channel();

  /// What the other nodes send to: "tcp://IP:PORT" as bound, with params.curve followed by
  /// "#curve=" and this channel's public key in 64 hex digits.
  const std::string& endpoint() const { return endpoint_; }
  /// "tcp://IP:PORT", as bound (endpoint() without the key).
  const std::string& address() const { return address_; }

  /// Lets senders whose endpoints are among `endpoints` (the directory's) file payloads here:
  /// their CURVE keys are admitted. Endpoints without a key are skipped; does nothing without
  /// params.curve. Thread-safe; may be called again with more endpoints.
  void admit(const std::vector<std::string>& endpoints);
  /// A random 64-bit id, different for every channel opened: names the sender in frames.
  std::uint64_t id() const { return id_; }
  const data_channel_params& params() const { return params_; }

  /// Endpoints bound on every interface (tcp://0.0.0.0:P, tcp://[::]:P) are reached at this
  /// host instead (a worker knows its master by the --connect host). Call before any send.
  void set_wildcard_host(std::string host) { wildcard_host_ = std::move(host); }

  /// Sends `values` to the channel at `to` (another channel's endpoint()) without copying them
  /// (ZeroMQ lets go of the vector, or of its share of an adopted buffer, once sent) and
  /// returns its ticket. Thread-safe. errc::io when the payload cannot be queued within
  /// params.send_timeout (nobody takes payloads at `to`: a firewall, a dead node, a node that
  /// refused this channel's key); errc::protocol when `to` has a CURVE key and this channel has
  /// none, or the other way round.
  expected<std::uint64_t> send(const std::string& to, protocols::float_values&& values);

  /// The payload `ticket` of channel `from`, of `n` floats, waiting at most `timeout` for it:
  /// ZeroMQ's message as received, adopted (float_values::adopted()), not a copy.
  /// Thread-safe. errc::timeout ("payload 12 from node 3fa2… did not arrive within 30.0 s"),
  /// errc::protocol when it arrived with another length.
  expected<protocols::float_values> take(std::uint64_t from, std::uint64_t ticket, std::uint64_t n,
                                         std::chrono::milliseconds timeout);

  data_channel_stats stats() const;

  /// The message of take()'s timeout error.
  std::string missing(std::uint64_t from, std::uint64_t ticket, std::uint64_t n,
                      std::chrono::milliseconds timeout) const;

 private:
  struct impl;
  data_channel(std::unique_ptr<impl> p, std::string address, std::uint64_t id,
               data_channel_params params);
  void receive_loop();

  std::unique_ptr<impl> impl_;
  std::string endpoint_;
  std::string address_;
  std::uint64_t id_ = 0;
  data_channel_params params_;
  std::string wildcard_host_;
  std::atomic<std::uint64_t> next_ticket_{0};
};

/// One line for a node's output: "data channel tcp://IP:PORT: sent 12 payloads (48.0 MB),
/// received 24 (96.0 MB)[, rejected 1 malformed frame][, CURVE][, refused 2 peers' keys]".
std::string describe(const data_channel& ch);

}  // namespace sgmc::actors
