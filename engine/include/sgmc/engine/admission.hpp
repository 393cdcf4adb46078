#pragma once
// Node admission on the master node: which worker and collector nodes may take part in a run.
// A pure object in the style of the protocol state machines — events in (a hello, a join, a
// node lost, the wait over, the run's end), decisions out (welcome or refusal with its reason,
// "everybody joined: start", whom to tell) — so that the rules are tested without CAF. The
// gate actor (actors/src/node_gate.cpp) only delivers to it.
//
//   hello → refused (reason, message) | welcomed (slot, welcome)
//   join (welcomed slot) → joined; the last of min_workers workers + 1 collector → all joined
//     (once: the run starts)
//   lost before the start → the slot is free for another node; after → lost (once)
//   after the start (joins_mid_run): a worker hello for a slot never taken, or for a lost
//     worker's slot (a rejoin), is welcomed as at the start (same checks); its join is
//     `mid_run`. A live worker's index is still refused, and so is a second collector.
//   the collector lost during the run, when collector_rejoin: its slot is free for a collector
//   that rejoins (same checks; welcomed with welcome::rejoin), until the run ends
#include "sgmc/core/error.hpp"
#include "sgmc/protocols/messages.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sgmc::engine {

/// protocols::hello::worker asking for any free worker index.
inline constexpr std::uint32_t kAnyWorker = 0xffffffffu;

/// What a node does in a run. The master node admits the others.
enum class node_role : std::uint8_t { master, worker, collector };

/// "master", "worker", "collector" (the names of the `sgmc node` roles and of protocols::hello).
std::string_view to_string(node_role r);
/// The role named `name` (nullopt if none is).
std::optional<node_role> parse_node_role(std::string_view name);

/// Why a hello is refused.
enum class refusal_reason : std::uint8_t {
  version_mismatch,     ///< another wire format (another sgmc build)
  unknown_role,         ///< neither "worker" nor "collector"
  run_started,          ///< the run has already started
  wait_over,            ///< the master has stopped waiting for nodes
  config_mismatch,      ///< another config hash
  dim_mismatch,         ///< another model dimension
  data_mismatch,        ///< other data files (by SHA-256), or a file's digest missing
  collector_taken,      ///< a collector already joined
  workers_full,         ///< any worker index asked for, but every place is taken
  worker_out_of_range,  ///< worker index ≥ protocol.workers
  worker_taken,         ///< that worker index is taken
};

/// "config mismatch", "worker index taken", ...: the reason in a few words.
std::string_view to_string(refusal_reason r);

/// A node's place in the run: the collector, or worker `index`.
struct node_slot {
  node_role role = node_role::worker;
  std::uint32_t index = 0;
  friend bool operator==(const node_slot&, const node_slot&) = default;
};

/// "worker 2", "the collector".
std::string describe(node_slot s);

/// A refused hello. `message` goes to the refused node; `log_line` to the master's log (it
/// may say more, such as the master's config hash).
struct refusal {
  refusal_reason reason = refusal_reason::unknown_role;
  std::string message;
  std::string log_line;
  /// The error the refused node ends with: invalid_config for a config mismatch, else protocol.
  errc code() const;
};

/// A welcomed hello: the slot the node takes and the welcome it gets.
struct welcomed {
  node_slot slot;
  protocols::welcome welcome;
};

using hello_decision = std::variant<refusal, welcomed>;

/// What a join decided. `all_joined` is true for exactly one join: the one that completes
/// the run (then the run has started).
struct join_decision {
  bool joined = false;  ///< false: ignored (not welcomed, joined twice, too late)
  bool all_joined = false;
  bool mid_run = false;             ///< a worker joining a run under way (rejoining, or late)
  bool rejoined = false;            ///< mid_run, into the slot of a worker lost during the run
  bool collector_rejoined = false;  ///< the collector rejoined the running run
  std::string log_line;             ///< "worker 0 joined from HOST"
  std::string start_line;  ///< when all joined: "all 2 workers and the collector joined; ..."
};

/// What losing a node decided.
struct loss_decision {
  enum class kind : std::uint8_t {
    ignored,  ///< nobody in that slot, lost already, or a deliberate shutdown at the end
    freed,    ///< before the start: the slot waits for another node
    lost,     ///< during or after the run: the node gets no goodbye
  };
  kind what = kind::ignored;
  bool tell_collector = false;  ///< a worker lost during the run: the collector counts it done
  std::string log_line;         ///< for `freed`
};

/// The master's settings for admission.
struct admission_params {
  std::uint32_t workers = 1;
  std::uint32_t shards = 1;
  std::uint64_t dim = 0;
  std::uint64_t config_hash = 0;
  std::string protocol;  ///< its name, for "starting async"
  std::string data;      ///< the master node's data channel endpoint ("" for none)
  /// The data files the master reads, digested: a worker must send the same digests for the
  /// training files (keys starting with "train"), the collector for every file.
  std::vector<protocols::data_file> data_files{};
  /// Workers needed to start (with the collector); 0: all `workers`. The others may join
  /// during the run when joins_mid_run.
  std::uint32_t min_workers = 0;
  /// Workers may join a run under way: a lost one again, or one absent at the start (false
  /// for elastic, whose chains cannot).
  bool joins_mid_run = true;
  /// A collector lost during the run frees its slot for one that rejoins (else: it is lost).
  bool collector_rejoin = false;
};

class admission {
 public:
  explicit admission(admission_params params);

  /// A node says hello from `origin` ("host (pid 1)"): it is welcomed into a free slot or
  /// refused. Rules in order: wire version, role, run started, wait over, config hash,
  /// dimension, data digests, slot. A refused node hears that the configs differ, never the
  /// master's config hash; a data refusal names both sides' file and digest.
  hello_decision on_hello(const protocols::hello& h, std::string origin);
  /// The node welcomed into `slot` has started its actor.
  join_decision on_join(node_slot slot);
  /// The node of `slot` was lost (`why`: how, for the log). `shutdown_at_end`: its actor was
  /// shut down by the run's end, which is no loss.
  loss_decision on_lost(node_slot slot, bool shutdown_at_end, std::string_view why);
  /// The master's wait of `waited` is over: errc::timeout naming who is missing, or nullopt
  /// when the run has started or ended already. Takes no more nodes afterwards.
  std::optional<error> on_wait_over(std::chrono::milliseconds waited);
  /// The run ended: the slots to say goodbye to (welcomed and not lost). Takes no more nodes.
  std::vector<node_slot> on_end();

  bool started() const { return started_; }
  /// True while the run waits for a collector to rejoin (collector_rejoin).
  bool collector_away() const { return collector_away_; }
  bool ended() const { return ended_; }
  /// True while a node holds `slot` (welcomed, joined or not, and not freed).
  bool taken(node_slot slot) const;
  /// Where the node in `slot` came from ("" if free).
  const std::string& origin(node_slot slot) const;
  /// True when worker `index` has joined at some time (live or lost since).
  bool ever_joined(std::uint32_t index) const;
  /// The data channel endpoints of the directory's actors: one per master shard, the workers,
  /// the collector.
  std::vector<std::string> data_endpoints() const;
  const admission_params& params() const { return params_; }

 private:
  struct place {
    enum class state : std::uint8_t { free, welcomed, joined } at = state::free;
    std::string origin;
    std::string data;
    bool lost = false;
    bool ever_joined = false;  ///< joined once (a later hello into it is a rejoin)
  };
  std::optional<refusal> check(const protocols::hello& h, std::optional<node_role> role,
                               std::optional<std::uint32_t>& index) const;
  std::optional<refusal> check_data(const protocols::hello& h, node_role role) const;
  std::optional<refusal> check_worker(std::uint32_t asked,
                                      std::optional<std::uint32_t>& index) const;
  /// A place a worker may take: free, or (during the run) lost.
  bool open(const place& p) const;
  std::uint32_t needed() const;
  place* find(node_slot slot);
  const place* find(node_slot slot) const;
  bool everybody_joined() const;

  admission_params params_;
  std::vector<place> workers_;
  place collector_;
  bool started_ = false;
  bool ended_ = false;
  bool collector_away_ = false;
};

}  // namespace sgmc::engine
