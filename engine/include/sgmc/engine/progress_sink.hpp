#pragma once
// Where a run reports its progress: steps done and the latest headline metric. The command
// line draws a progress line from it (tools/progress.hpp); tests and the simulator may ignore
// it. Called from several threads at once: implementations are thread-safe, advance() cheap.
#include <cstdint>
#include <string_view>

namespace sgmc::engine {

class progress_sink {
 public:
  virtual ~progress_sink() = default;
  /// `n` more steps done by some chain.
  virtual void advance(std::uint64_t n) = 0;
  /// The metric shown next to the step count, e.g. ("acc", 0.853).
  virtual void set_headline(std::string_view label, double value) = 0;
};

/// Reports nothing.
class no_progress final : public progress_sink {
 public:
  void advance(std::uint64_t) override {}
  void set_headline(std::string_view, double) override {}
};

}  // namespace sgmc::engine
