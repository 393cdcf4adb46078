#pragma once
// Small scripted protocol objects for the actor tests: an async master (every push applied on
// arrival, answered with fresh params) and a sync one (a barrier over the live workers), with
// workers to match. The update is θ ← θ − 0.1 g with g = θ (a Gaussian target); a draw is
// emitted every `thin` versions and a stop goes to every live worker after `steps` versions.
// Knobs make them misbehave on purpose: fail at the n-th push, or never ask for compute().
#include "sgmc/protocols/master.hpp"
#include "sgmc/protocols/worker.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace sgmc::actors::test {

enum class fake_mode { async, sync };

struct fake_master_params {
  fake_mode mode = fake_mode::async;
  std::uint32_t shard = 0;
  std::uint32_t shards = 1;
  std::size_t dim = 4;
  std::uint32_t workers = 2;
  std::uint64_t steps = 20;
  std::uint64_t thin = 5;
  std::optional<std::uint64_t> fail_at_push;  ///< errc::diverged at this push (counted from 0)
};

struct fake_worker_params {
  fake_mode mode = fake_mode::async;
  std::uint32_t id = 0;
  std::uint32_t shards = 1;
  std::size_t dim = 4;
  bool never_compute = false;  ///< takes params but never asks for compute()
};

std::unique_ptr<protocols::master> make_fake_master(const fake_master_params& p);
std::unique_ptr<protocols::worker> make_fake_worker(const fake_worker_params& p);

}  // namespace sgmc::actors::test
