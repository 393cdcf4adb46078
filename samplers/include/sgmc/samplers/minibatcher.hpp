#pragma once
// The minibatch stream of one chain (or one worker): random reshuffling over a list of rows.
//
// Each epoch e = 0, 1, ... is a fresh permutation of the rows — a Fisher–Yates shuffle of the
// rows in the order given, drawing from the Philox stream {seed, chain, e, rng_stream::batch}
// (core::philox_engine), so epoch e's order depends on {seed, chain, e} only — taken
// batch_size rows at a time. An epoch's last rows that do not fill a whole batch are skipped:
// every batch has exactly batch_size rows. Data-free sources (data_size 0) get empty batches.
//
// samplers::chain draws its minibatches from one of these (chain = its chain index); workers
// of protocols/ from one each (chain = the worker index, rows = the worker's data shard).

#include "sgmc/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sgmc::samplers {

struct minibatcher_params {
  std::uint64_t seed = 1;
  std::uint32_t chain = 0;          ///< names the stream: a chain, or a worker
  std::size_t batch_size = 100;     ///< rows per minibatch, 1 <= batch_size <= rows (data only)
  std::vector<std::uint32_t> rows;  ///< the rows to draw from; empty: all data_size rows
};

class minibatcher {
 public:
  /// A stream over the rows of a data set of `data_size` rows (0: data free). Checks nothing:
  /// call check() first (a bad batch size is clamped here only to stay memory safe).
  minibatcher(std::size_t data_size, minibatcher_params params);

  /// Validates a batch size and rows (empty: all) against data_size: errc::invalid_config naming
  /// sampler.batch_size (0 or more than the rows), errc::invalid_argument for a row index >=
  /// data_size. `who` prefixes the row message ("chain", "worker 2").
  static std::optional<error> check(std::size_t data_size, std::size_t batch_size,
                                    std::span<const std::uint32_t> rows, const char* who = "chain");
  /// check() and construction in one.
  static expected<minibatcher> make(std::size_t data_size, minibatcher_params params);

  /// The next batch (empty for data-free sources). Valid until the next call.
  std::span<const std::uint32_t> next();

  /// The epoch of the last batch handed out (0 before and during the first).
  std::uint64_t epoch() const { return epoch_; }
  /// Number of rows drawn from.
  std::size_t rows() const { return params_.rows.size(); }

 private:
  void shuffle();

  std::size_t data_size_;
  minibatcher_params params_;
  std::vector<std::uint32_t> order_;
  std::size_t cursor_ = 0;
  bool shuffled_ = false;
  std::uint64_t epoch_ = 0;
};

}  // namespace sgmc::samplers
