#include "trace_cli.hpp"

#include "sgmc/tools/config_loader.hpp"
#include "sgmc/tools/trace_export.hpp"
#include "sgmc/tools/trace_staleness.hpp"
#include "sgmc/tools/trace_summary.hpp"
#include "sgmc/tools/trace_watch.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace sgmc::tools {
namespace {

namespace fs = std::filesystem;
constexpr int k_exit_bad_input = 2;

int fail(const std::string& message) {
  std::fprintf(stderr, "sgmc: error: %s\n", message.c_str());
  return k_exit_bad_input;
}

void print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

// What the run injected, from RUN_DIR/config.toml (nullopt without one; a note if unreadable).
std::optional<engine::staleness_params> injected_of(const fs::path& run_dir, std::string& note) {
  for (const auto& p : {run_dir / "config.toml", run_dir.parent_path() / "config.toml"}) {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) continue;
    auto cfg = load_config(p.string());
    if (!cfg) {
      note = "cannot read what was injected: " + cfg.error().message;
      return std::nullopt;
    }
    return cfg->staleness;
  }
  return std::nullopt;
}

int summary_command(const trace_args& a) {
  auto run = load_trace_run(a.run_dir);
  if (!run) return fail(run.error().message);
  const auto s = summarize(*run);
  print(a.json ? format_json(s) : format_text(s));
  return 0;
}

int staleness_command(const trace_args& a) {
  auto run = load_trace_run(a.run_dir);
  if (!run) return fail(run.error().message);
  std::string note;
  const auto injected = injected_of(a.run_dir, note);
  auto t = make_staleness_table(summarize(*run), injected);
  if (!note.empty()) t.injected_note = note;
  print(a.csv ? format_csv(t) : format_text(t));
  return 0;
}

int export_command(const trace_args& a) {
  export_options o;
  o.sample = a.sample;
  if (!a.from.empty()) {
    auto b = parse_export_bound(a.from, "--from");
    if (!b) return fail(b.error().message);
    o.from = *b;
  }
  if (!a.to.empty()) {
    auto b = parse_export_bound(a.to, "--to");
    if (!b) return fail(b.error().message);
    o.to = *b;
  }
  auto run = load_trace_run(a.run_dir);
  if (!run) return fail(run.error().message);
  std::string json;
  auto st = export_chrome(*run, o, json);
  if (!st) return fail(st.error().message);
  std::ofstream f(a.chrome, std::ios::binary);
  if (!f || !f.write(json.data(), static_cast<std::streamsize>(json.size())) || !f.flush())
    return fail("cannot write " + a.chrome);
  std::string text = fmt::format(
      "wrote {}: {} nodes, {} slices, {} flow events, {:.3f} s to "
      "{:.3f} s (open it in ui.perfetto.dev)\n",
      a.chrome, run->nodes.size(), st->slices, st->flows, st->from_s, st->to_s);
  for (const auto& n : run->nodes)
    if (n.offset_method != "reference")
      text += fmt::format("clock offset of {}: {:+.1f} µs ± {:.1f} µs ({})\n", n.file.node,
                          n.offset_ns / 1e3, n.uncertainty_ns / 1e3, n.offset_method);
  for (const auto& f2 : run->foreign) text += "foreign, left out: " + f2 + "\n";
  for (const auto& n : run->notes) text += "note: " + n + "\n";
  print(text);
  return 0;
}

int watch_command(const trace_args& a) {
  watch_options o;
  o.endpoint = a.address;
  o.count = a.count;
  o.seconds = a.seconds;
  o.live = ::isatty(STDOUT_FILENO) != 0;
  o.print = print;
  auto n = watch(o);
  if (!n) return fail(n.error().message);
  return 0;
}

}  // namespace

void add_trace_command(CLI::App& app, trace_args& args) {
  auto* trace = app.add_subcommand("trace", "Inspect the message traces of a run");
  trace->require_subcommand(1);
  auto* summary = trace->add_subcommand(
      "summary", "Messages, bytes, staleness, latency and busy time per node, worker and link");
  summary->add_option("run_dir", args.run_dir, "The run's output folder (OUT)")->required();
  summary->add_flag("--json", args.json, "One JSON object instead of tables");
  auto* staleness = trace->add_subcommand(
      "staleness", "The staleness histogram per worker and overall, beside what was injected");
  staleness->add_option("run_dir", args.run_dir, "The run's output folder (OUT)")->required();
  staleness->add_flag("--csv", args.csv, "CSV instead of a table");
  auto* exp = trace->add_subcommand(
      "export", "Write the run as a Chrome trace-event JSON timeline (opens in Perfetto)");
  exp->add_option("run_dir", args.run_dir, "The run's output folder (OUT)")->required();
  exp->add_option("--chrome", args.chrome, "The JSON file to write")->required();
  exp->add_option("--from", args.from,
                  "Start of the window: seconds from the first record, or a version (1500v)");
  exp->add_option("--to", args.to, "End of the window (seconds, or a version: 3000v)");
  exp->add_option("--sample", args.sample, "Keep every K-th message and span (default 1)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  auto* watch = trace->add_subcommand(
      "watch", "Listen for nodes run with [trace] publish and show rates live, every second");
  watch->add_option("address", args.address, "tcp://HOST:PORT to listen on (port 0: any free)")
      ->required();
  watch->add_option("--count", args.count, "Stop after this many records");
  watch->add_option("--seconds", args.seconds, "Stop after this many seconds")
      ->check(CLI::NonNegativeNumber);
}

int trace_command(CLI::App& app, const trace_args& args) {
  auto* trace = app.get_subcommand("trace");
  if (trace->got_subcommand("summary")) return summary_command(args);
  if (trace->got_subcommand("staleness")) return staleness_command(args);
  if (trace->got_subcommand("export")) return export_command(args);
  if (trace->got_subcommand("watch")) return watch_command(args);
  return k_exit_bad_input;
}

}  // namespace sgmc::tools
