// What one trace record costs the recording actor: trace_now_ns() plus trace_lane::record(),
// on one thread and on two threads sharing a writer, each with a lane of its own (as the
// actors of one node do); the file goes to the temporary directory. Four records per round
// trip (send and receive at both ends) put the tracing overhead of a round trip at 4 × this.
#include "roundtrips.hpp"
#include "sgmc/engine/trace.hpp"

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

namespace sgmc::bench {
namespace {

std::unique_ptr<sgmc::engine::trace_writer> shared_writer;
std::filesystem::path shared_path;

}  // namespace

void trace_record(benchmark::State& state) {
  if (state.thread_index() == 0) {
    shared_path = std::filesystem::temp_directory_path() /
                  ("sgmc-bench-record-" + std::to_string(::getpid()) + ".trace");
    auto w = sgmc::engine::trace_writer::open(shared_path, "bench");
    if (w) shared_writer = std::move(*w);
  }
  sgmc::engine::trace_event e;
  e.actor = {sgmc::engine::trace_role::worker, static_cast<std::uint32_t>(state.thread_index())};
  e.type = sgmc::engine::trace_type::push;
  e.bytes = 4 * 1024 + 24;
  std::uint64_t k = 0;
  sgmc::engine::trace_lane* lane = nullptr;
  for (auto _ : state) {
    if (lane == nullptr) {  // after the start barrier: thread 0 has opened the writer
      if (!shared_writer) {
        fail(state, "cannot open a trace file in the temporary directory");
        break;
      }
      lane = shared_writer->lane();
    }
    e.t_ns = sgmc::engine::trace_now_ns();
    e.version = k++;
    e.seq = k;
    lane->record(e);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  if (state.thread_index() == 0 && shared_writer) {
    if (auto ok = shared_writer->flush(); !ok) fail(state, ok.error().message);
    shared_writer.reset();
    std::filesystem::remove(shared_path);
  }
}

}  // namespace sgmc::bench
