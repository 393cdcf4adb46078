#pragma once
// metrics.jsonl: one JSON object per line per evaluation of a chain (see docs/outputs.md).
// Lines from several chains may interleave; each line is written whole under a lock on a file
// opened for appending, so lines never mix. A line that cannot be written whole (a full disk,
// a file-size limit) is cut back off, so the file holds whole lines only.

#include "sgmc/core/error.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace sgmc::engine {

/// One evaluation of one chain.
struct metrics_record {
  std::uint32_t chain = 0;
  std::uint64_t step = 0;   ///< sampler steps done by this chain
  double wall_s = 0.0;      ///< seconds since the run started
  double step_size = 0.0;   ///< ε of the last step
  double potential = 0.0;   ///< Û(θ) of the last step (minibatch estimate)
  std::uint64_t draws = 0;  ///< draws written by this chain so far
  /// Further named values in order (accuracy, nll, pred_accuracy, ...); non-finite → null.
  std::vector<std::pair<std::string, double>> values;
};

/// The record as one JSON object, without the trailing newline.
std::string to_json(const metrics_record& record);

class metrics_writer {
 public:
  /// Creates (truncates) the file at `path`; with `append`, keeps what it holds.
  static expected<metrics_writer> create(const std::string& path, bool append = false);

  metrics_writer(metrics_writer&& other) noexcept;
  metrics_writer& operator=(metrics_writer&& other) noexcept;
  metrics_writer(const metrics_writer&) = delete;
  metrics_writer& operator=(const metrics_writer&) = delete;
  ~metrics_writer();

  /// Appends one line, or nothing: on a failed or short write the file is truncated back to
  /// its previous length and the error names the file and the OS error. Thread-safe.
  expected<void> write(const metrics_record& record) const;

  const std::string& path() const { return path_; }

 private:
  metrics_writer(int fd, std::string path)
      : fd_(fd), path_(std::move(path)), lock_(std::make_unique<std::mutex>()) {}
  int fd_ = -1;
  std::string path_;
  std::unique_ptr<std::mutex> lock_;  ///< one writer at a time: a cut-back must not cut others
};

}  // namespace sgmc::engine
