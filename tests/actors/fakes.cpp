#include "fakes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <span>

namespace sgmc::actors::test {
namespace {

using namespace sgmc::protocols;

class fake_master final : public master {
 public:
  explicit fake_master(fake_master_params p)
      : p_(p),
        slice_(shard_slice(p.dim, p.shards, p.shard)),
        theta_(slice_.size, 1.0f),
        live_(p.workers, true),
        pushed_(p.workers, false) {}

  expected<void> start(outbox& out) override {
    if (p_.mode == fake_mode::sync) broadcast(out);
    return {};
  }

  expected<void> on_push(const push& m, outbox& out) override {
    if (m.shard != p_.shard || m.worker >= p_.workers || m.data.values.size() != slice_.size)
      return make_error(errc::protocol, "fake master: a push that does not fit");
    if (p_.fail_at_push && pushes_ == *p_.fail_at_push)
      return make_error(errc::diverged, fmt::format("diverged at version {}", version_));
    ++pushes_;
    if (p_.mode == fake_mode::async) {
      out.applied.push_back({m.worker, p_.shard, m.version, version_});
      step(m.data.values, out);
      if (!finished_)
        out.send.push_back({worker_at(m.worker), theta_reply{p_.shard, version_, data()}});
      return {};
    }
    if (m.version != version_) return make_error(errc::protocol, "fake sync: a stale push");
    pushed_[m.worker] = true;
    sum_.resize(slice_.size, 0.0f);
    for (std::size_t j = 0; j < slice_.size; ++j) sum_[j] += m.data.values[j];
    return barrier(out);
  }

  expected<void> on_pull(const pull& m, outbox& out) override {
    if (m.shard != p_.shard || m.worker >= p_.workers)
      return make_error(errc::protocol, "fake master: a pull that does not fit");
    out.send.push_back({worker_at(m.worker), theta_reply{p_.shard, version_, data()}});
    return {};
  }

  expected<void> on_exchange(const exchange&, outbox&) override {
    return make_error(errc::protocol, "fake master: no exchanges here");
  }

  expected<void> on_malformed(worker_id, std::uint64_t, bool, const std::string&,
                              outbox&) override {
    return make_error(errc::protocol, "fake master: a malformed payload");
  }

  std::array<std::uint64_t, kRejectionReasons> rejected() const override { return {}; }

  expected<void> on_worker_lost(worker_id w, outbox& out) override {
    if (w >= p_.workers) return make_error(errc::protocol, "fake master: unknown worker");
    live_[w] = false;
    pushed_[w] = false;
    return p_.mode == fake_mode::sync ? barrier(out) : expected<void>{};
  }

  expected<void> on_worker_joined(worker_id w, outbox&) override {
    if (w >= p_.workers) return make_error(errc::protocol, "fake master: unknown worker");
    live_[w] = true;
    pushed_[w] = false;
    return {};
  }

  version_t version() const override { return version_; }
  std::span<const float> theta() const override { return theta_; }
  slice owned() const override { return slice_; }
  std::uint32_t live_workers() const override {
    return static_cast<std::uint32_t>(std::count(live_.begin(), live_.end(), true));
  }
  bool finished() const override { return finished_; }
  protocols::master_state save() const override { return {}; }
  expected<void> restore(const protocols::master_state&) override { return {}; }

 private:
  payload data() const { return payload{theta_}; }

  expected<void> barrier(outbox& out) {
    const auto live = live_workers();
    std::uint32_t arrived = 0;
    for (std::uint32_t w = 0; w < p_.workers; ++w) arrived += live_[w] && pushed_[w];
    if (live == 0 || arrived < live) return {};
    for (std::uint32_t w = 0; w < p_.workers; ++w)
      if (live_[w] && pushed_[w]) out.applied.push_back({w, p_.shard, version_, version_});
    for (auto& g : sum_) g /= static_cast<float>(live);
    std::fill(pushed_.begin(), pushed_.end(), false);
    step(sum_, out);
    std::fill(sum_.begin(), sum_.end(), 0.0f);
    if (!finished_) broadcast(out);
    return {};
  }

  void broadcast(outbox& out) {
    for (std::uint32_t w = 0; w < p_.workers; ++w)
      if (live_[w]) out.send.push_back({worker_at(w), theta_reply{p_.shard, version_, data()}});
  }

  void step(std::span<const float> g, outbox& out) {
    for (std::size_t j = 0; j < slice_.size; ++j) theta_[j] -= 0.1f * g[j];
    ++version_;
    if (version_ % p_.thin == 0)
      out.send.push_back(
          {collector(), sample{0, draws_++, version_, p_.shard, slice_.offset, 0.0, -1, data()}});
    if (version_ < p_.steps) return;
    finished_ = out.finished = true;
    for (std::uint32_t w = 0; w < p_.workers; ++w)
      if (live_[w]) out.send.push_back({worker_at(w), stop{"done"}});
  }

  fake_master_params p_;
  slice slice_;
  std::vector<float> theta_, sum_;
  std::vector<bool> live_, pushed_;
  version_t version_ = 0;
  std::uint64_t pushes_ = 0, draws_ = 0;
  bool finished_ = false;
};

class fake_worker final : public worker {
 public:
  explicit fake_worker(fake_worker_params p)
      : p_(p), theta_(p.dim, 1.0f), versions_(p.shards, 0), have_(p.shards, false) {}

  expected<void> start(outbox& out) override {
    if (p_.mode == fake_mode::async)
      for (std::uint32_t k = 0; k < p_.shards; ++k)
        out.send.push_back({master_shard(k), pull{p_.id, k, 0}});
    return {};
  }

  expected<void> on_theta_reply(const theta_reply& m, outbox& out) override {
    if (m.shard >= p_.shards) return make_error(errc::protocol, "fake worker: unknown shard");
    const auto s = shard_slice(p_.dim, p_.shards, m.shard);
    if (m.data.values.size() != s.size) return make_error(errc::protocol, "fake worker: size");
    std::copy(m.data.values.begin(), m.data.values.end(), theta_.begin() + s.offset);
    versions_[m.shard] = m.version;
    have_[m.shard] = true;
    if (std::all_of(have_.begin(), have_.end(), [](bool b) { return b; })) {
      std::fill(have_.begin(), have_.end(), false);
      out.compute = !p_.never_compute;
    }
    return {};
  }

  expected<void> compute(outbox& out) override {
    ++computed_;
    for (std::uint32_t k = 0; k < p_.shards; ++k) {
      const auto s = shard_slice(p_.dim, p_.shards, k);
      push m{p_.id, k, versions_[k], seq_, push_kind::gradient, 0.5, {}};
      m.data.values.assign(theta_.begin() + s.offset, theta_.begin() + s.offset + s.size);
      out.send.push_back({master_shard(k), std::move(m)});
    }
    ++seq_;
    return {};
  }

  expected<void> on_stop(const stop&, outbox& out) override {
    finished_ = out.finished = true;
    return {};
  }

  worker_id id() const override { return p_.id; }
  std::span<const float> theta() const override { return theta_; }
  std::uint64_t computed() const override { return computed_; }
  bool finished() const override { return finished_; }
  expected<void> resume(std::uint64_t, std::span<const float>) override { return {}; }
  worker_chain save_chain() const override { return {}; }
  expected<void> restore_chain(const worker_chain&) override { return {}; }

 private:
  fake_worker_params p_;
  std::vector<float> theta_;
  std::vector<version_t> versions_;
  std::vector<bool> have_;
  std::uint64_t computed_ = 0, seq_ = 0;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<protocols::master> make_fake_master(const fake_master_params& p) {
  return std::make_unique<fake_master>(p);
}

std::unique_ptr<protocols::worker> make_fake_worker(const fake_worker_params& p) {
  return std::make_unique<fake_worker>(p);
}

}  // namespace sgmc::actors::test
