// The writer of checkpoint files (engine/checkpoint.hpp): one shard's part, the parts of
// several shards at one version, or (elastic) the centre's part and every worker's chain.
#include "sgmc/engine/checkpoint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace sgmc::engine {

namespace fs = std::filesystem;

namespace {

// An exchange the worker had sent (pending, or a finished chain's last): settled if the master
// had applied it at its cut (the chain holds the centre the master then held), sent again on
// resume otherwise. A centre newer than the cut's (the worker's exchanges after the master's
// cut were answered before its own): the master will not have it, and would take the next
// exchange, built on it, for one from the future, so the chain takes the cut's centre.
void settle(protocols::worker_chain& w, const protocols::master_state& centre, std::size_t i) {
  const auto take_centre = [&] {
    w.centre = centre.theta;
    w.centre_versions.assign(1, centre.version);
  };
  if (w.pending || w.finished) {
    const bool applied = centre.exchanged[i] >= w.local_steps;
    w.pending = !applied;
    if (applied && !w.finished) take_centre();
  }
  if (!w.finished && std::any_of(w.centre_versions.begin(), w.centre_versions.end(),
                                 [&](protocols::version_t v) { return v > centre.version; }))
    take_centre();
}

}  // namespace

checkpoint_writer::checkpoint_writer(fs::path path, std::string config, std::uint64_t config_hash,
                                     protocols::run_length run, std::uint32_t chains,
                                     std::uint32_t shards, bool worker_chains)
    : path_(std::move(path)),
      config_(std::move(config)),
      hash_(config_hash),
      run_(run),
      chains_(chains),
      shards_(std::max<std::uint32_t>(1, shards)),
      parts_(shards_),
      worker_chains_(worker_chains),
      chains_parts_(worker_chains ? chains : 0),
      done_draws_(worker_chains ? chains : 0) {}

expected<void> checkpoint_writer::write(const checkpoint_request& r) const {
  if (worker_chains_) {
    if (r.shard != 0 || shards_ != 1)
      return make_error(errc::protocol,
                        "an elastic checkpoint part of a master shard other than "
                        "the one shard");
    if (r.state.version < id_) return {};  // an older one, late
    id_ = r.state.version;
    parts_[0] = r;
    return try_write_chains();
  }
  if (r.shard >= shards_)
    return make_error(errc::protocol, fmt::format("a checkpoint part of master shard {} (the run "
                                                  "has {} shards)",
                                                  r.shard, shards_));
  // A part of a newer version than the parts kept: those will never be completed.
  for (auto& p : parts_)
    if (p && p->state.version < r.state.version) p.reset();
  auto& mine = parts_[r.shard];
  if (mine && mine->state.version > r.state.version) return {};  // an older one, late
  mine = r;
  for (const auto& p : parts_)
    if (!p || p->state.version != r.state.version) return {};
  checkpoint c;
  c.config_hash = hash_;
  c.config = config_;
  for (auto& p : parts_) {
    c.shards.push_back(std::move(p->state));
    // Every shard counts the pushes it saw; the workers push to every shard alike.
    c.computed.resize(std::max(c.computed.size(), p->computed.size()), 0);
    for (std::size_t i = 0; i < p->computed.size(); ++i)
      c.computed[i] = std::max(c.computed[i], p->computed[i]);
    p.reset();
  }
  c.draws.assign(chains_, draws_at(run_, r.state.version));
  return write_checkpoint(path_, c);
}

expected<void> checkpoint_writer::write_chain(const chain_part& p) const {
  if (!worker_chains_ || p.worker >= chains_parts_.size())
    return make_error(errc::protocol,
                      fmt::format("a checkpoint chain of worker {} (the run checkpoints {} worker "
                                  "chains)",
                                  p.worker, chains_parts_.size()));
  if (p.id < id_) return {};  // a part of a checkpoint that was overtaken
  id_ = p.id;
  chains_parts_[p.worker] = p;
  return try_write_chains();
}

expected<void> checkpoint_writer::worker_done(protocols::worker_id w, std::uint64_t draws) const {
  if (!worker_chains_ || w >= done_draws_.size()) return {};
  if (!done_draws_[w]) done_draws_[w] = draws;
  return try_write_chains();
}

// Writes the checkpoint id_ once the master's part and every worker's chain (or its end) of
// that id are here.
expected<void> checkpoint_writer::try_write_chains() const {
  auto& master = parts_[0];
  if (!master || master->state.version != id_) return {};
  for (std::size_t i = 0; i < chains_parts_.size(); ++i)
    if (!done_draws_[i] && !(chains_parts_[i] && chains_parts_[i]->id == id_)) return {};
  checkpoint c;
  c.config_hash = hash_;
  c.config = config_;
  c.shards.push_back(std::move(master->state));
  master.reset();
  auto& centre = c.shards[0];
  const std::size_t workers = chains_parts_.size();
  centre.exchanged.resize(std::max(centre.exchanged.size(), workers), 0);
  for (std::size_t i = 0; i < workers; ++i) {
    protocols::worker_chain w;
    std::uint64_t draws = 0;
    if (chains_parts_[i] && chains_parts_[i]->id == id_) {
      w = std::move(chains_parts_[i]->chain);
      draws = draws_at(run_, w.local_steps);
      settle(w, centre, i);
    } else {
      // Done before its answer (its node may have ended): its chain is over; its last exchange
      // counts as applied so that the master does not wait for it.
      draws = *done_draws_[i];
      w.finished = true;
      w.local_steps = run_.steps;
      centre.exchanged[i] = std::max(centre.exchanged[i], run_.steps);
    }
    chains_parts_[i].reset();
    c.computed.push_back(w.computed);
    c.draws.push_back(draws);
    c.chains.push_back(std::move(w));
  }
  return write_checkpoint(path_, c);
}

}  // namespace sgmc::engine
