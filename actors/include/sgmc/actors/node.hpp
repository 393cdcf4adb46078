#pragma once
// A run over several processes (`sgmc node master|worker|collector`): each process is one node
// with its own actor system, joined over CAF's network layer (io::middleman, BASP over TCP).
//
//   master node     the S master shards, the run's supervisor and a *gate* actor published on
//                   HOST:PORT. It waits (node_options::wait) for protocol.workers workers and
//                   one collector to say hello, answers each with welcome, and once every one
//                   has joined hands the supervisor the directory, with every node's data
//                   channel endpoint (init_atom, ..., data; runtime.hpp): the run starts.
//   worker node     connects to the gate (bounded by node_options::connect_timeout), says
//                   hello (its requested worker index or any), gets its index in the welcome,
//                   builds and runs worker I exactly as the embedded run does.
//   collector node  the same, running the collector actor into a engine::sample_sink.
//
// Start-up messages (every node registers the same types, see wire.hpp and runtime.hpp):
//   node → gate   (u64 id, hello, string origin)       role, requested worker, config hash,
//                                                      dim, the node's data channel endpoint
//   gate → node   (u64 id, welcome, actor supervisor)  with the run id; or (fail_atom, u8 errc,
//                                                      string why): refused
//   node → gate   (join_atom, actor role)              the worker or collector actor, spawned
//   gate → node   (u64 id, stop) or (fail_atom, ...)   the run's end: "done: ..." or its error;
//   node → gate   (bye_atom)                           ... acknowledged
// The ids are the message ids the traces record: the gate numbers its messages in one
// sequence with master shard 0 (both record as master 0), a node's agent its hello in one with
// the node's actor (the hello is 1, the actor's first message 2).
// A node is refused (one line naming both sides) when its config hash or dimension differs
// from the master's, its worker index is out of range or taken by a live worker, a collector
// already joined, or it is a collector (or an elastic worker) and the run has started.
//
// On the remote nodes a small *agent* actor is the local actors' supervisor: it forwards
// their done, collected and fail messages to the master's supervisor, monitors the master (the
// gate) and ends the node on the run's end, on a local failure or when the master is lost.
//
// Faults: the master monitors every worker and the collector. A lost worker is carried on
// without (protocols::master::on_worker_lost; the gate tells the collector that the worker is
// done, since the collector cannot see a worker node it only reaches through the master). A
// lost collector ends the run with an error. A worker node that loses the master during the
// run connects again (node_options::rejoin, within connect_timeout) and says hello under its
// index; the master welcomes it as at the start (same checks), and its new worker actor takes
// part from the current version (protocols::master::on_worker_joined; not in elastic). A worker
// absent at the start (node_options::min_workers) joins the same way. A collector that loses
// the master ends with an error. On one host a killed process is seen at once (its sockets close);
// across hosts heartbeats (node_options::heartbeat) and a connection timeout bound the time to
// notice a host that vanished without closing its connections.
//
// Actor system settings of a node: scheduler.policy = sharing (idle threads sleep rather than
// poll: on 2 cores, four node processes would otherwise take each other's cycles) and
// middleman.workers = 0 (BASP runs on the multiplexer thread). bench/actors measured 1K-float
// round trips between two processes at ~10,000/s with sharing against ~4,800/s with CAF's
// defaults (build/release/bench-results/report.md); docs/PERFORMANCE.md quotes 2.7 GB/s
// against 1.3 GB/s for 4 MB round trips with one scheduler thread and middleman.workers = 0.
// scheduler.max-threads = node_options::threads, or 2 on the master (a shard and the supervisor
// or gate) and 1 on workers and the collector (one busy actor each; TBB has its own threads).
#include "sgmc/actors/data_channel.hpp"
#include "sgmc/actors/embedded.hpp"
#include "sgmc/actors/runtime.hpp"
#include "sgmc/actors/tls.hpp"
#include "sgmc/core/error.hpp"
#include "sgmc/engine/admission.hpp"
#include "sgmc/engine/run_report.hpp"
#include "sgmc/engine/sample_sink.hpp"
#include "sgmc/engine/trace.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sgmc::actors {

/// HOST:PORT of a master node.
struct net_address {
  std::string host;
  std::uint16_t port = 0;
};
std::string to_string(const net_address& a);

/// Parses "HOST:PORT" (a name or IPv4 address, or [IPv6]; PORT 0..65535, 0 = any free port when
/// listening). errc::invalid_argument naming `option` and the text otherwise.
expected<net_address> parse_address(std::string_view text, std::string_view option);

/// 64-bit FNV-1a of the resolved config text: nodes compare these at hello.
std::uint64_t config_hash(std::string_view text);
/// As printed in messages: 16 hex digits.
std::string hash_hex(std::uint64_t hash);

/// hello::worker of a worker that takes whichever index is free.
inline constexpr std::uint32_t kAnyWorker = engine::kAnyWorker;

struct node_options {
  net_address address;  ///< master: where to listen; worker, collector: the master
  std::uint64_t config_hash = 0;
  /// The data files the node reads, digested (models::digest_data_files): sent in the hello;
  /// the master admits only nodes that read the same (engine::admission).
  std::vector<protocols::data_file> data_files;
  /// Master: how long to wait for every worker and the collector to join.
  std::chrono::milliseconds wait{120000};
  /// Worker, collector: how long connecting and the hello/welcome exchange may take.
  std::chrono::milliseconds connect_timeout{10000};
  /// Every node: BASP heartbeats, and a connection silent for connection_timeout is closed
  /// (its peers see the loss). 0 disables both.
  std::chrono::milliseconds heartbeat{1000};
  std::chrono::milliseconds connection_timeout{15000};
  std::uint32_t worker = kAnyWorker;  ///< worker: the requested index
  /// Master: the workers it needs to start (with the collector); the others may join during
  /// the run. 0: every worker (protocol.workers).
  std::uint32_t min_workers = 0;
  /// Worker: after losing the master during the run, connect again and rejoin under the same
  /// index (bounded by connect_timeout from the loss) instead of ending.
  bool rejoin = true;
  /// Folder of the node's trace (NODE.trace: master, worker-I, collector); empty: no trace.
  /// Every node's trace header carries the run id (the master's, sent with the welcome) and
  /// config_hash.
  std::filesystem::path trace_folder;
  /// Master: the run's id; zero: a fresh random one (engine::new_trace_run_id).
  engine::trace_run_id run_id{};
  std::string trace_publish;  ///< tcp://HOST:PORT of a `sgmc trace watch`; empty: none
  unsigned threads = 0;       ///< CAF scheduler threads; 0: 2 on the master, 1 elsewhere
  /// Open the node's data channel (data_channel.hpp): payloads of at least
  /// channel.min_bytes to an actor of another node travel over ZeroMQ, their messages over CAF.
  /// The master binds it on its listen host, the others on the address their connection to
  /// the master leaves from. false: every payload travels inside its CAF message.
  bool data_channel = true;
  data_channel_params channel;
  /// BASP over TLS with mutual authentication (tls.hpp); check_tls(tls) must have passed.
  /// Every node of a run must agree: a plain node and a TLS node cannot talk.
  tls_options tls;
  /// Status lines ("worker 1 joined from host (pid 42)", "worker 2 lost; ..."); thread-safe;
  /// may be empty.
  log_fn log;
  /// Master: no progress (new master version, report) for this long ends the run with
  /// errc::timeout.
  std::chrono::milliseconds watchdog{60000};
  /// Master: progress (shard, version), from the supervisor's thread.
  std::function<void(std::uint32_t, std::uint64_t)> on_progress;
  /// Master: called once the gate listens (with the actual port).
  std::function<void(const net_address&)> on_listening;
  /// Checkpoints (docs/cluster.md, "Checkpoints and resuming"). Master: every shard asks the
  /// collector for one every checkpoint_every_s seconds (0: none), on the link of its samples.
  double checkpoint_every_s = 0.0;
  /// Collector: writes the checkpoints the shards ask for (null: requests are ignored).
  const engine::checkpoint_writer* checkpoints = nullptr;
  /// Master: continue from this checkpoint (already checked against the config): the shards
  /// restore it, and every welcome carries what the node needs to continue (welcome::resumed).
  const engine::checkpoint* resume = nullptr;
  /// Worker, collector: change the hello before it is sent. For tests that play a node of
  /// another build (its wire format and sgmc version); empty in every real node.
  std::function<void(protocols::hello&)> edit_hello;
  /// Master: how long the run waits for a lost collector to rejoin (0: the loss ends it; elastic
  /// runs never wait), and the samples each shard keeps until the collector acknowledges them.
  std::chrono::milliseconds collector_wait{0};
  std::uint64_t collector_buffer = 4096;
  /// Collector: per chain, the draws its samples files hold (sent in the hello; kept when it
  /// is welcomed back into a running run).
  std::vector<std::uint64_t> draws;
};

/// The master node: runs until the run ends and returns its summary, or the first error
/// (errc::timeout when not everybody joined within options.wait, listing who is missing;
/// errc::io when it cannot listen).
expected<engine::run_report> run_master_node(const engine::run_plan& setup,
                                             const node_options& options);

/// A worker node: returns the master's closing line ("done: versions ...") or an error
/// (master unreachable or lost, refused, a protocol error, errc::diverged).
expected<std::string> run_worker_node(const engine::run_plan& setup, const node_options& options);

/// Makes the collector node's sink once the master's welcome says whether the run continues
/// from a checkpoint (welcome::resumed: the sink keeps welcome::resume_draws rows per chain) or
/// takes this collector back into a run under way (welcome::rejoin: it keeps the draws
/// node_options::draws counted). The sink must outlive run_collector_node.
using sink_factory = std::function<expected<engine::sample_sink*>(const protocols::welcome&)>;
/// The collector node with its sink made at the welcome: hands it every draw, then calls
/// sink.on_finish, or sink.on_error for a sink that was made; returns as run_worker_node. It
/// acknowledges durable draws to the master shards (draws_ack).
expected<std::string> run_collector_node(const engine::run_plan& setup, const node_options& options,
                                         const sink_factory& make_sink);

}  // namespace sgmc::actors
