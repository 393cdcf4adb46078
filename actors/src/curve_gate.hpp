#pragma once
// The data channel's CURVE security (data_channel.hpp, docs/cluster.md#tls): with
// data_channel_params::curve every channel makes a fresh CURVE keypair (Curve25519, libsodium
// in libzmq) and its endpoint carries the public key, "tcp://IP:PORT#curve=<64 hex digits>".
// The endpoints travel in the hellos and the directory, i.e. inside CAF's TLS connections, whose
// peers the cluster's CA authenticated. Each channel's PULL socket is a CURVE server; each PUSH
// socket a CURVE client that knows its server's key and presents the channel's own keypair.
//
// The curve_gate answers the ZAP requests (RFC 27, inproc://zeromq.zap.01) of its channel's
// context: a client whose public key is in an admitted endpoint passes, any other is refused.
// A key not admitted yet waits up to `wait` (the directory may reach this node after a peer's
// first payload: they travel on different connections), at most kMaxWaiting at once; then it is
// refused. A refused client's connection is closed before a byte of its messages is read.
#include "sgmc/core/error.hpp"

#include <zmq.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sgmc::actors::detail {

using curve_key = std::array<std::uint8_t, 32>;

struct curve_keypair {
  curve_key public_key{};
  curve_key secret_key{};
};

/// errc::io with one line when libzmq has no CURVE (zmq_has("curve")).
expected<void> curve_support();

/// A fresh keypair (zmq_curve_keypair); errc::io when libzmq has no CURVE (zmq_has("curve")).
expected<curve_keypair> make_curve_keypair();

/// "#curve=" and the 64 hex digits of `key`: appended to a channel's tcp:// address.
std::string curve_suffix(const curve_key& key);

/// An endpoint split into its tcp:// address and its CURVE key, if it has one.
/// errc::protocol when the part after "#curve=" is not 64 hex digits.
expected<std::pair<std::string, std::optional<curve_key>>> split_endpoint(const std::string& e);

class curve_gate {
 public:
  /// At most this many clients wait for their keys at once; more are refused at once.
  static constexpr std::size_t kMaxWaiting = 64;

  /// Binds the ZAP handler in `ctx` (before any CURVE server socket of `ctx` binds) and starts
  /// its thread. `log` gets one line per refused peer address (may be empty).
  static expected<std::unique_ptr<curve_gate>> start(zmq::context_t& ctx,
                                                     std::chrono::milliseconds wait,
                                                     std::function<void(const std::string&)> log);
  curve_gate(const curve_gate&) = delete;
  curve_gate& operator=(const curve_gate&) = delete;
  /// Joins the thread: call after the context's shutdown() (which ends it).
  ~curve_gate();

  /// Lets the clients with these keys in. Thread-safe.
  void admit(const std::vector<curve_key>& keys);
  /// Clients refused so far.
  std::uint64_t refused() const { return refused_.load(); }

 private:
  struct waiting {
    std::vector<zmq::message_t> envelope;  ///< routing id and delimiter
    std::string request_id;
    std::string address;
    curve_key key{};
    std::chrono::steady_clock::time_point until;
  };
  curve_gate(zmq::socket_t s, std::chrono::milliseconds wait,
             std::function<void(const std::string&)> log);
  void loop();
  void take_request();
  bool admitted(const curve_key& k);
  void reply(waiting& w, bool ok);

  zmq::socket_t socket_;
  std::chrono::milliseconds wait_;
  std::function<void(const std::string&)> log_;
  std::mutex mutex_;
  std::set<curve_key> keys_;  ///< under mutex_
  std::vector<waiting> waiting_;
  std::set<std::string> warned_;
  std::atomic<std::uint64_t> refused_{0};
  std::thread thread_;
};

}  // namespace sgmc::actors::detail
