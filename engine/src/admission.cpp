// Node admission (admission.hpp): the rules of the master's gate, without CAF.
#include "sgmc/engine/admission.hpp"

#include "sgmc/core/version.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace sgmc::engine {
namespace {

constexpr std::array<std::pair<node_role, std::string_view>, 3> kRoleNames{{
    {node_role::master, "master"},
    {node_role::worker, "worker"},
    {node_role::collector, "collector"},
}};

constexpr std::array<std::pair<refusal_reason, std::string_view>, 11> kReasonNames{{
    {refusal_reason::version_mismatch, "version mismatch"},
    {refusal_reason::unknown_role, "unknown role"},
    {refusal_reason::run_started, "run already started"},
    {refusal_reason::wait_over, "wait over"},
    {refusal_reason::config_mismatch, "config mismatch"},
    {refusal_reason::dim_mismatch, "dimension mismatch"},
    {refusal_reason::data_mismatch, "data mismatch"},
    {refusal_reason::collector_taken, "collector already joined"},
    {refusal_reason::workers_full, "all worker places taken"},
    {refusal_reason::worker_out_of_range, "worker index out of range"},
    {refusal_reason::worker_taken, "worker index taken"},
}};

std::string hex(std::uint64_t hash) { return fmt::format("{:016x}", hash); }

refusal refuse(refusal_reason r, std::string message) {
  refusal out{r, std::move(message), {}};
  out.log_line = out.message;
  return out;
}

}  // namespace

std::string_view to_string(node_role r) {
  for (const auto& [role, name] : kRoleNames)
    if (role == r) return name;
  return "?";
}

std::optional<node_role> parse_node_role(std::string_view name) {
  for (const auto& [role, n] : kRoleNames)
    if (n == name) return role;
  return std::nullopt;
}

std::string_view to_string(refusal_reason r) {
  for (const auto& [reason, name] : kReasonNames)
    if (reason == r) return name;
  return "?";
}

std::string describe(node_slot s) {
  if (s.role == node_role::collector) return "the collector";
  return fmt::format("{} {}", to_string(s.role), s.index);
}

errc refusal::code() const {
  return reason == refusal_reason::config_mismatch || reason == refusal_reason::version_mismatch ||
                 reason == refusal_reason::data_mismatch
             ? errc::invalid_config
             : errc::protocol;
}

admission::admission(admission_params params)
    : params_(std::move(params)), workers_(params_.workers) {}

std::optional<refusal> admission::check(const protocols::hello& h, std::optional<node_role> role,
                                        std::optional<std::uint32_t>& index) const {
  if (h.wire_version != protocols::kWireVersion) {
    // Everything but the two versions is unread (actors/src/wire.cpp): say who is who.
    const auto who =
        h.wire_version == 0 && h.sgmc_version.empty() ? std::string("unknown") : h.sgmc_version;
    const auto text = fmt::format(
        "version mismatch: the node runs sgmc {} (wire format {}), the master sgmc {} (wire "
        "format {}); start every node from the same build",
        who.empty() ? "?" : who, h.wire_version, core::version(), protocols::kWireVersion);
    return refusal{refusal_reason::version_mismatch, text, text};
  }
  if (role != node_role::worker && role != node_role::collector)
    return refuse(refusal_reason::unknown_role,
                  fmt::format("unknown role \"{}\" (worker or collector)", h.role));
  const bool collector_rejoining = role == node_role::collector && collector_away_ && !ended_;
  if (ended_) return refuse(refusal_reason::wait_over, "the master has stopped waiting for nodes");
  if (started_ && !collector_rejoining && (role != node_role::worker || !params_.joins_mid_run))
    return refuse(refusal_reason::run_started,
                  role == node_role::worker
                      ? fmt::format("the run has already started (a worker cannot join an {} "
                                    "run under way)",
                                    params_.protocol)
                      : std::string("the run has already started"));
  if (h.config_hash != params_.config_hash) {
    // The refused node hears its own hash; the master's log says both.
    const auto hint = "(start every node with the same config file and the same --set options)";
    refusal r{refusal_reason::config_mismatch,
              fmt::format("config mismatch: the {}'s config hash is {}, not the master's {}",
                          h.role, hex(h.config_hash), hint),
              fmt::format("config mismatch: the {}'s config hash is {}, the master's is {} {}",
                          h.role, hex(h.config_hash), hex(params_.config_hash), hint)};
    return r;
  }
  if (h.dim != params_.dim)
    return refuse(refusal_reason::dim_mismatch,
                  fmt::format("dimension mismatch: the {}'s model has dim {}, the master's {}",
                              h.role, h.dim, params_.dim));
  if (auto r = check_data(h, *role)) return r;
  if (role == node_role::collector) {
    if (collector_.at != place::state::free)
      return refuse(refusal_reason::collector_taken,
                    fmt::format("a collector already joined from {}", collector_.origin));
    return std::nullopt;
  }
  return check_worker(h.worker, index);
}

std::optional<refusal> admission::check_data(const protocols::hello& h, node_role role) const {
  const auto hint = "every node must read the same data";
  for (const auto& mine : params_.data_files) {
    // Workers read the training set only; the collector evaluates on every file.
    if (role == node_role::worker && !mine.key.starts_with("train")) continue;
    const protocols::data_file* theirs = nullptr;
    for (const auto& d : h.data_files)
      if (d.key == mine.key) theirs = &d;
    if (theirs == nullptr)
      return refuse(refusal_reason::data_mismatch,
                    fmt::format("data mismatch: the {} sent no digest of data.{} (the master "
                                "reads {}, sha256 {}); {}",
                                h.role, mine.key, mine.path, mine.sha256, hint));
    if (theirs->sha256 != mine.sha256)
      return refuse(refusal_reason::data_mismatch,
                    fmt::format("data mismatch: the {}'s data.{} is {} (sha256 {}), the master's "
                                "is {} (sha256 {}); {}",
                                h.role, mine.key, theirs->path, theirs->sha256, mine.path,
                                mine.sha256, hint));
  }
  return std::nullopt;
}

std::optional<refusal> admission::check_worker(std::uint32_t asked,
                                               std::optional<std::uint32_t>& index) const {
  if (asked == kAnyWorker) {
    // A place never taken first; during the run, then a lost worker's.
    for (std::uint32_t i = 0; i < workers_.size(); ++i) {
      if (workers_[i].at != place::state::free) continue;
      index = i;
      return std::nullopt;
    }
    for (std::uint32_t i = 0; i < workers_.size(); ++i) {
      if (!open(workers_[i])) continue;
      index = i;
      return std::nullopt;
    }
    return refuse(refusal_reason::workers_full,
                  fmt::format("all {} worker places are taken", workers_.size()));
  }
  if (asked >= workers_.size())
    return refuse(refusal_reason::worker_out_of_range,
                  fmt::format("worker index {} is out of range (protocol.workers = {})", asked,
                              workers_.size()));
  if (!open(workers_[asked]))
    return refuse(
        refusal_reason::worker_taken,
        fmt::format("worker index {} is already taken (by {})", asked, workers_[asked].origin));
  index = asked;
  return std::nullopt;
}

hello_decision admission::on_hello(const protocols::hello& h, std::string origin) {
  const auto role = parse_node_role(h.role);
  std::optional<std::uint32_t> index;
  if (auto r = check(h, role, index)) {
    r->log_line = fmt::format("refused a {} from {}: {}", h.role.empty() ? "node" : h.role, origin,
                              r->log_line);
    return std::move(*r);
  }
  const node_slot slot{*role, index.value_or(0)};
  auto* p = find(slot);
  *p = place{place::state::welcomed, std::move(origin), h.data, false, p->ever_joined};
  welcomed w{slot, {slot.index, params_.dim, params_.shards, params_.workers}};
  w.welcome.rejoin = started_ && slot.role == node_role::collector;
  return w;
}

join_decision admission::on_join(node_slot slot) {
  auto* p = find(slot);
  if (p == nullptr || p->at != place::state::welcomed || ended_) return {};
  if (started_ && slot.role == node_role::collector) {
    if (!collector_away_) return {};
    p->at = place::state::joined;
    collector_away_ = false;
    join_decision d;
    d.joined = true;
    d.collector_rejoined = true;
    d.log_line = fmt::format("the collector rejoined from {}", p->origin);
    return d;
  }
  if (started_ && slot.role != node_role::worker) return {};
  p->at = place::state::joined;
  join_decision d{true, false, false, false, false, {}, {}};
  if (started_) {
    d.mid_run = true;
    d.rejoined = p->ever_joined;
    d.log_line =
        fmt::format("{} {} from {}", describe(slot),
                    d.rejoined ? "rejoined the run" : "joined the run under way", p->origin);
    p->ever_joined = true;
    return d;
  }
  d.log_line = fmt::format("{} joined from {}", describe(slot), p->origin);
  if (!everybody_joined()) return d;
  started_ = true;
  for (auto& w : workers_) w.ever_joined = w.at == place::state::joined;
  d.all_joined = true;
  std::uint32_t joined = 0;
  std::vector<std::string> missing;
  for (std::uint32_t i = 0; i < workers_.size(); ++i) {
    if (workers_[i].at == place::state::joined)
      ++joined;
    else
      missing.push_back(std::to_string(i));
  }
  if (joined == workers_.size())
    d.start_line = fmt::format("all {} worker{} and the collector joined; starting {}",
                               workers_.size(), workers_.size() == 1 ? "" : "s", params_.protocol);
  else
    d.start_line = fmt::format(
        "{} of {} workers (cluster.min_workers = {}) and the collector joined; starting {}; "
        "worker{} {} may join later",
        joined, workers_.size(), needed(), params_.protocol, missing.size() == 1 ? "" : "s",
        fmt::join(missing, ", "));
  return d;
}

loss_decision admission::on_lost(node_slot slot, bool shutdown_at_end, std::string_view why) {
  auto* p = find(slot);
  if (p == nullptr || p->at == place::state::free) return {};
  if (!started_ && !ended_) {
    loss_decision d{loss_decision::kind::freed, false,
                    fmt::format("{} from {} left before the start ({}); waiting for another",
                                describe(slot), p->origin, why)};
    *p = place{};
    return d;
  }
  if (shutdown_at_end || p->lost) return {};
  if (slot.role == node_role::collector && params_.collector_rejoin && !ended_) {
    // Its slot waits for a collector that rejoins; the run goes on meanwhile.
    loss_decision d{loss_decision::kind::lost, false,
                    fmt::format("the collector from {} is lost ({})", p->origin, why)};
    *p = place{};
    collector_away_ = true;
    return d;
  }
  p->lost = true;
  const bool tell =
      slot.role == node_role::worker && !ended_ && collector_.at == place::state::joined;
  return {loss_decision::kind::lost, tell, {}};
}

std::optional<error> admission::on_wait_over(std::chrono::milliseconds waited) {
  if (started_ || ended_) return std::nullopt;
  ended_ = true;
  std::vector<std::string> missing;
  for (std::uint32_t i = 0; i < workers_.size(); ++i)
    if (workers_[i].at != place::state::joined) missing.push_back(describe({node_role::worker, i}));
  if (collector_.at != place::state::joined) missing.push_back(describe({node_role::collector, 0}));
  return error{errc::timeout,
               fmt::format("waited {} s for {} worker{} and the collector; missing: {}",
                           static_cast<double>(waited.count()) / 1000.0, workers_.size(),
                           workers_.size() == 1 ? "" : "s", fmt::join(missing, ", "))};
}

std::vector<node_slot> admission::on_end() {
  ended_ = true;
  std::vector<node_slot> out;
  for (std::uint32_t i = 0; i < workers_.size(); ++i)
    if (workers_[i].at != place::state::free && !workers_[i].lost)
      out.push_back({node_role::worker, i});
  if (collector_.at != place::state::free && !collector_.lost)
    out.push_back({node_role::collector, 0});
  return out;
}

bool admission::open(const place& p) const {
  if (p.at == place::state::free) return true;
  return started_ && params_.joins_mid_run && p.lost;
}

std::uint32_t admission::needed() const {
  const auto w = static_cast<std::uint32_t>(workers_.size());
  return params_.min_workers == 0 || params_.min_workers > w ? w : params_.min_workers;
}

bool admission::ever_joined(std::uint32_t index) const {
  return index < workers_.size() && workers_[index].ever_joined;
}

bool admission::taken(node_slot slot) const {
  const auto* p = find(slot);
  return p != nullptr && p->at != place::state::free;
}

const std::string& admission::origin(node_slot slot) const {
  static const std::string none;
  const auto* p = find(slot);
  return p != nullptr ? p->origin : none;
}

std::vector<std::string> admission::data_endpoints() const {
  std::vector<std::string> out(params_.shards, params_.data);
  for (const auto& w : workers_) out.push_back(w.data);
  out.push_back(collector_.data);
  return out;
}

admission::place* admission::find(node_slot slot) {
  return const_cast<place*>(std::as_const(*this).find(slot));
}

const admission::place* admission::find(node_slot slot) const {
  if (slot.role == node_role::collector) return &collector_;
  if (slot.role == node_role::worker && slot.index < workers_.size()) return &workers_[slot.index];
  return nullptr;
}

bool admission::everybody_joined() const {
  std::uint32_t joined = 0;
  for (const auto& w : workers_) joined += w.at == place::state::joined;
  return joined >= needed() && collector_.at == place::state::joined;
}

}  // namespace sgmc::engine
