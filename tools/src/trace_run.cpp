#include "sgmc/tools/trace_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>
#include <utility>

namespace sgmc::tools {
namespace {

namespace fs = std::filesystem;
using engine::trace_type;

bool is_reference_name(const std::string& node) { return node == "master" || node == "embedded"; }

// The files to read: RUN_DIR/trace/*.trace, else RUN_DIR/*.trace, else RUN_DIR if it is a file.
expected<std::vector<fs::path>> trace_paths(const fs::path& run_dir) {
  std::error_code ec;
  if (fs::is_regular_file(run_dir, ec)) return std::vector<fs::path>{run_dir};
  if (!fs::is_directory(run_dir, ec))
    return make_error(errc::invalid_argument, run_dir.string() + ": no such run folder");
  std::vector<fs::path> out;
  for (const fs::path& dir : {run_dir / "trace", run_dir}) {
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().extension() == ".trace") out.push_back(entry.path());
    if (!out.empty()) break;
  }
  if (out.empty())
    return make_error(errc::invalid_argument,
                      run_dir.string() +
                          ": no trace files (RUN_DIR/trace/*.trace); was the run made with "
                          "[trace] enabled = true and a protocol?");
  std::sort(out.begin(), out.end());
  return out;
}

// Why `n` is not of the reference's run, or "" when it is.
std::string foreign_reason(const engine::trace_file& ref, const engine::trace_file& n) {
  if (ref.format_version < 2 && n.format_version < 2) return {};
  if (ref.format_version < 2 || n.format_version < 2)
    return fmt::format("format version {} next to {}'s version {}: from another run",
                       n.format_version, ref.node, ref.format_version);
  if (n.run_id != ref.run_id)
    return fmt::format("run id {} differs from {}'s {}", to_hex(n.run_id), ref.node,
                       to_hex(ref.run_id));
  if (n.config_hash != ref.config_hash)
    return fmt::format("config hash {:016x} differs from {}'s {:016x}", n.config_hash, ref.node,
                       ref.config_hash);
  return {};
}

}  // namespace

std::string to_hex(const engine::trace_run_id& id) {
  std::string s;
  for (auto b : id) s += fmt::format("{:02x}", b);
  return s;
}

expected<trace_run> load_trace_run(const fs::path& run_dir) {
  auto paths = trace_paths(run_dir);
  if (!paths) return unexpected(paths.error());
  std::vector<trace_node> nodes;
  for (const auto& p : *paths) {
    auto f = engine::read_trace(p);
    if (!f) return unexpected(f.error());
    nodes.push_back({p, std::move(*f), 0, 0, {}});
  }
  auto run = make_trace_run(std::move(nodes));
  run.dir = run_dir;
  return run;
}

trace_run make_trace_run(std::vector<trace_node> nodes) {
  trace_run run;
  // The master's file (or the embedded run's) is the reference: first, the others by name.
  std::stable_sort(nodes.begin(), nodes.end(), [](const trace_node& a, const trace_node& b) {
    const bool ra = is_reference_name(a.file.node), rb = is_reference_name(b.file.node);
    if (ra != rb) return ra;
    return a.file.node < b.file.node;
  });
  for (auto& n : nodes) {
    if (!run.nodes.empty()) {
      const auto why = foreign_reason(run.nodes.front().file, n.file);
      if (!why.empty()) {
        run.foreign.push_back(fmt::format("{} ({}): {}", n.path.string(), n.file.node, why));
        continue;
      }
    }
    if (n.file.truncated)
      run.notes.push_back(
          fmt::format("{}: ends inside a record (the node was killed?); read up "
                      "to its last whole record",
                      n.path.string()));
    for (const auto& e : n.file.events) {
      if (e.seq != 0) run.has_ids = true;
      if (e.type == trace_type::compute || e.type == trace_type::apply) run.has_spans = true;
      if (run.has_ids && run.has_spans) break;
    }
    run.nodes.push_back(std::move(n));
  }
  if (!run.nodes.empty() && run.nodes.front().file.format_version < 2)
    run.notes.push_back(
        "version-1 traces: no run id (a stale file of an earlier run in this folder cannot be "
        "told apart), no message ids (sends and receives are not paired: no latency, no flows), "
        "no compute spans (no busy fraction); nodes are aligned as CLOCK_MONOTONIC of one host");
  else if (!run.has_ids)
    run.notes.push_back("no message ids: sends and receives are not paired (no latency, no flows)");
  estimate_offsets(run);
  return run;
}

}  // namespace sgmc::tools
