#include "sgmc/protocols/collector.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sgmc::protocols {

collector::collector(std::uint32_t chains, std::uint32_t shards, std::size_t dim)
    : chains_(chains), shards_(shards), dim_(dim), next_(chains, 0) {}

auto collector::for_protocol(const protocol_params& p, std::size_t dim) -> collector {
  if (p.kind == protocol_kind::elastic) return collector(p.workers, 1, dim);
  return collector(1, p.shards, dim);
}

expected<void> collector::check(const sample& m) const {
  if (m.chain >= chains_)
    return make_error(errc::protocol,
                      fmt::format("collector: sample of unknown chain {} (the run has {} chains)",
                                  m.chain, chains_));
  if (m.shard >= shards_)
    return make_error(errc::protocol,
                      fmt::format("collector: sample from unknown shard {} (the run has {} "
                                  "shards)",
                                  m.shard, shards_));
  const slice s = shard_slice(dim_, shards_, m.shard);
  if (m.offset != s.offset || m.theta.values.size() != s.size)
    return make_error(errc::protocol,
                      fmt::format("collector: sample of chain {} from shard {} covers [{}, {}), "
                                  "the shard owns [{}, {})",
                                  m.chain, m.shard, m.offset, m.offset + m.theta.values.size(),
                                  s.offset, s.offset + s.size));
  const std::uint64_t next = next_[m.chain];
  if (m.draw < next)
    return make_error(errc::protocol,
                      fmt::format("collector: draw {} of chain {} arrived again from shard {} "
                                  "(already complete)",
                                  m.draw, m.chain, m.shard));
  if (m.draw - next >= kMaxAhead)
    return make_error(errc::protocol,
                      fmt::format("collector: draw {} of chain {} is {} draws ahead of draw {} "
                                  "still incomplete (at most {})",
                                  m.draw, m.chain, m.draw - next, next, kMaxAhead));
  return {};
}

expected<void> collector::on_sample(const sample& m, std::vector<draw>& ready) {
  if (auto ok = check(m); !ok) return ok;
  auto [it, fresh] = parts_.try_emplace({m.chain, m.draw});
  partial& p = it->second;
  if (fresh) {
    p.d.chain = m.chain;
    p.d.index = m.draw;
    p.d.theta.assign(dim_, 0.0f);
    p.got.assign(shards_, false);
  }
  if (p.got[m.shard])
    return make_error(errc::protocol,
                      fmt::format("collector: draw {} of chain {} arrived twice from shard {}",
                                  m.draw, m.chain, m.shard));
  p.got[m.shard] = true;
  ++p.count;
  if (m.shard == 0) {
    p.d.step = m.step;
    p.d.potential = m.potential;
    p.d.staleness = m.staleness;
  }
  std::copy(m.theta.values.begin(), m.theta.values.end(),
            p.d.theta.begin() + static_cast<std::ptrdiff_t>(m.offset));
  // Hand on every complete draw at the head of this chain.
  for (auto head = parts_.find({m.chain, next_[m.chain]});
       head != parts_.end() && head->second.count == shards_;
       head = parts_.find({m.chain, next_[m.chain]})) {
    ready.push_back(std::move(head->second.d));
    parts_.erase(head);
    ++next_[m.chain];
  }
  return {};
}

}  // namespace sgmc::protocols
