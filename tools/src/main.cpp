// The `sgmc` command line. Exit codes (docs/outputs.md):
//   0  success
//   1  a chain diverged (the draws and metrics written so far are kept)
//   2  bad input: command line, config, data files, shapes; or outputs that cannot be written;
//      for `sgmc node`: also an unreachable, refusing or lost peer, or a timeout
#include "sgmc/actors/node.hpp"
#include "sgmc/models/factory.hpp"
#include "sgmc/tools/calibrate.hpp"
#include "sgmc/tools/config_loader.hpp"
#include "sgmc/tools/diagnose.hpp"
#include "sgmc/tools/node_ranks.hpp"
#include "sgmc/tools/node_runner.hpp"
#include "sgmc/tools/plot.hpp"
#include "sgmc/tools/runner.hpp"
#include "sgmc/tools/simulate.hpp"
#include "trace_cli.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

constexpr int k_exit_diverged = 1;
constexpr int k_exit_bad_input = 2;

// CLI::PositiveNumber would print its bounds, DBL_MIN and DBL_MAX, in full (300 digits).
const CLI::Validator k_positive_seconds(
    [](std::string& text) -> std::string {
      double v = 0;
      if (!CLI::detail::lexical_cast(text, v) || !std::isfinite(v) || v <= 0)
        return "must be a positive number of seconds (got " + text + ")";
      return {};
    },
    "SECONDS");

struct run_args {
  std::string config;
  std::vector<std::string> sets;
  std::string out;
  std::string resume;
  unsigned threads = 0;
  bool quiet = false;
  bool flat = false;
};

void add_run_command(CLI::App& app, run_args& args) {
  auto* cmd = app.add_subcommand("run", "Run the chains of one experiment in this process");
  cmd->add_option("config", args.config,
                  "Experiment config (TOML); with --resume, default RUN_DIR/config.toml");
  cmd->add_option("--resume", args.resume,
                  "Continue the run in RUN_DIR from its checkpoint (run.checkpoint_every)")
      ->type_name("RUN_DIR");
  cmd->add_option("--set", args.sets, "Override a config key: section.key=value (repeatable)")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  cmd->add_option("--out", args.out, "Output folder (default: runs/<name>)");
  cmd->add_option("--threads", args.threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1u, 4096u));
  cmd->add_flag("-q,--quiet", args.quiet, "Print no progress");
  cmd->add_flag("--flat", args.flat,
                "posterior.nc holds one theta [chain, draw, dim] (output.posterior_flat)");
}

void add_plot_command(CLI::App& app, sgmc::tools::plot_options& args) {
  auto* cmd = app.add_subcommand("plot", "Draw a run's figures (PNG) into RUN_DIR/plots/");
  cmd->add_option("run_dir", args.run_dir, "A run's output folder")->required();
  cmd->add_option("--out", args.out_dir, "Folder for the figures (default: RUN_DIR/plots)");
}

struct simulate_args {
  std::string config;
  std::vector<std::string> sets;
  std::string out;
  std::optional<std::int64_t> workers;
  unsigned threads = 0;
  bool quiet = false;
  std::string calibrate;
};

void add_simulate_command(CLI::App& app, simulate_args& args) {
  auto* cmd = app.add_subcommand(
      "simulate", "Run the protocol of one experiment in virtual time (docs/simulate.md)");
  cmd->add_option("config", args.config, "Experiment config (TOML)");
  cmd->add_option("--calibrate", args.calibrate,
                  "Instead of simulating: fit the [sim] section to the traces of the real run "
                  "in RUN_DIR and print it (with --out: also write it to that file)")
      ->type_name("RUN_DIR");
  cmd->add_option("--workers", args.workers, "protocol.workers (default: the config's)");
  cmd->add_option("--set", args.sets, "Override a config key: section.key=value (repeatable)")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  cmd->add_option("--out", args.out,
                  "Output folder (default: runs/<name>); with --calibrate: a file for [sim]");
  cmd->add_option("--threads", args.threads, "Threads of the kernels (default: all cores)")
      ->check(CLI::Range(1u, 4096u));
  cmd->add_flag("-q,--quiet", args.quiet, "Print no progress");
}

struct diagnose_args {
  std::vector<std::string> run_dirs;
  std::string params;
  bool json = false;
};

void add_diagnose_command(CLI::App& app, diagnose_args& args) {
  auto* cmd = app.add_subcommand(
      "diagnose", "R-hat, ESS and MCSE of the draws of runs (several folders: several chains)");
  cmd->add_option("run_dirs", args.run_dirs, "Run folders (the OUT of sgmc run or sgmc node)")
      ->required();
  cmd->add_option("--params", args.params,
                  "Parameters to diagnose: indices and ranges, e.g. 0,5,17 or 0-9 (default: all "
                  "up to 20, else 20 chosen with a fixed seed)")
      ->type_name("LIST");
  cmd->add_flag("--json", args.json, "Print one JSON object instead of the table");
}

struct node_args {
  std::string config;
  std::vector<std::string> sets;
  std::string out;
  std::string address;
  std::optional<std::uint32_t> id;
  double wait_s = 120.0;
  double timeout_s = 10.0;
  std::optional<std::uint32_t> min_workers;
  unsigned threads = 0;
  bool quiet = false;
  std::string resume;
};

// `sgmc node master|worker|collector`: the options every role shares, then its own.
CLI::App* add_node_role(CLI::App& node, const std::string& role, const std::string& help,
                        node_args& args) {
  auto* cmd = node.add_subcommand(role, help);
  cmd->add_option("config", args.config, "Experiment config (TOML), the same on every node")
      ->required();
  cmd->add_option("--set", args.sets, "Override a config key: section.key=value (repeatable)")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  cmd->add_option("--out", args.out, "Output folder (default: runs/<name>)");
  cmd->add_option("--threads", args.threads, "CAF scheduler threads (default: 2 master, 1 other)")
      ->check(CLI::Range(1u, 4096u));
  if (role == "auto") {
    cmd->add_option("--master", args.address,
                    "The master's HOST:PORT: rank 0 listens on it, the others connect to it")
        ->required();
    cmd->add_option("--wait", args.wait_s, "Master: seconds to wait for every node (default 120)")
        ->check(k_positive_seconds);
    cmd->add_option("--timeout", args.timeout_s,
                    "Others: seconds to wait for the master when connecting (default 10)")
        ->check(k_positive_seconds);
  } else if (role == "master") {
    cmd->add_option("--listen", args.address,
                    "HOST:PORT to listen on (port 0: any free port; default 127.0.0.1:0)");
    cmd->add_option("--wait", args.wait_s, "Seconds to wait for every node to join (default 120)")
        ->check(k_positive_seconds);
    cmd->add_option("--min-workers", args.min_workers,
                    "Start once N workers (and the collector) joined; the others may join "
                    "later (cluster.min_workers; default: all)")
        ->check(CLI::Range(1u, 1u << 30));
    cmd->add_option("--resume", args.resume,
                    "Continue the run in RUN_DIR from its checkpoint (run.checkpoint_every)")
        ->type_name("RUN_DIR");
  } else {
    cmd->add_option("--connect", args.address, "The master's HOST:PORT")->required();
    cmd->add_option("--timeout", args.timeout_s,
                    "Seconds to wait for the master when connecting (default 10)")
        ->check(k_positive_seconds);
  }
  if (role == "worker") cmd->add_option("--id", args.id, "This worker's index (default: any free)");
  cmd->add_flag("-q,--quiet", args.quiet, "Print no progress");
  return cmd;
}

void add_node_command(CLI::App& app, node_args& args) {
  auto* node = app.add_subcommand("node", "Run one node of a run over several processes");
  node->require_subcommand(1);
  add_node_role(*node, "master", "The master shards; waits for the workers and the collector",
                args);
  add_node_role(*node, "worker", "One worker; connects to the master", args);
  add_node_role(*node, "collector", "The sample collector; writes samples and metrics", args);
  add_node_role(*node, "auto",
                "The role of this process's Slurm or MPI rank: 0 master, 1 collector, 2+ workers",
                args);
}

void print_line(const std::string& line) {
  std::printf("sgmc: %s\n", line.c_str());
  std::fflush(stdout);
}

int fail(const sgmc::error& e) {
  std::fprintf(stderr, "sgmc: error: %s\n", e.message.c_str());
  return e.code == sgmc::errc::diverged ? k_exit_diverged : k_exit_bad_input;
}

// R-hat and bulk ESS of the potential over the run's chains (split R-hat with one chain).
void print_potential_check(const std::string& out_dir, bool elastic) {
  auto c = sgmc::tools::check_potential(out_dir);
  if (!c) {
    std::printf("  potential: no diagnostics (%s)\n", c.error().message.c_str());
    return;
  }
  auto show = [](double v, const char* spec) {
    return std::isfinite(v) ? fmt::format(fmt::runtime(spec), v) : std::string("-");
  };
  std::string over =
      c->chains == 1 ? std::string("split, 1 chain") : fmt::format("{} chains", c->chains);
  if (elastic) over += " coupled by elastic: reads optimistic";
  std::printf("  potential: R-hat %s (%s), bulk ESS %s; more: sgmc diagnose %s\n",
              show(c->rhat, "{:.3f}").c_str(), over.c_str(), show(c->ess_bulk, "{:.0f}").c_str(),
              out_dir.c_str());
}

void print_summary(const sgmc::engine::run_config& cfg, const sgmc::tools::run_summary& s) {
  std::uint64_t draws = 0;
  for (const auto& c : s.chains) draws += c.draws;
  std::printf(
      "sgmc: %s done in %.2f s (loading %.2f s, sampling %.2f s): %u chain%s x %llu steps, "
      "%llu draws\n",
      cfg.name.c_str(), s.load_s + s.sample_s, s.load_s, s.sample_s,
      static_cast<unsigned>(s.chains.size()), s.chains.size() == 1 ? "" : "s",
      static_cast<unsigned long long>(cfg.run.steps), static_cast<unsigned long long>(draws));
  for (const auto& c : s.chains) {
    std::string line = fmt::format("  chain {}:", c.chain);
    for (const auto& [name, value] : c.metrics) line += fmt::format(" {} {:.4g}", name, value);
    std::printf("%s\n", line.c_str());
  }
  print_potential_check(s.out_dir,
                        cfg.protocol.params.kind == sgmc::protocols::protocol_kind::elastic);
  if (!s.distributed.empty())
    std::printf("  %s protocol: %s\n", sgmc::protocols::to_string(cfg.protocol.params.kind),
                s.distributed.c_str());
  std::printf("  outputs: %s/ (config.toml, metrics.jsonl, samples/chain-K.npy%s%s)\n",
              s.out_dir.c_str(), s.posterior_path.empty() ? "" : ", posterior.nc",
              s.trace_path.empty() ? "" : ", trace/embedded.trace");
  std::fflush(stdout);
}

int run_command(const run_args& args) {
  sgmc::models::configure_eigen();
  if (args.config.empty() && args.resume.empty())
    return fail({sgmc::errc::invalid_argument, "sgmc run needs a config (or --resume RUN_DIR)"});
  if (!args.resume.empty() && !args.out.empty())
    return fail({sgmc::errc::invalid_argument,
                 "--out and --resume both name the output folder: give only --resume RUN_DIR"});
  const std::string config = args.config.empty()
                                 ? (std::filesystem::path(args.resume) / "config.toml").string()
                                 : args.config;
  std::vector<std::string> sets = args.sets;
  if (args.flat) sets.push_back("output.posterior_flat=true");
  auto cfg = sgmc::tools::load_config(config, sets);
  if (!cfg) return fail(cfg.error());
  sgmc::tools::run_options options;
  options.resume = args.resume;
  options.source = config;
  options.out_dir = args.out;
  options.threads = args.threads;
  options.progress.quiet = args.quiet;
  options.progress.live = ::isatty(STDOUT_FILENO) != 0;
  auto summary = sgmc::tools::run(*cfg, options);
  if (!summary) return fail(summary.error());
  print_summary(*cfg, *summary);
  return 0;
}

void print_simulation(const sgmc::engine::run_config& cfg, const sgmc::tools::simulate_summary& s) {
  std::printf(
      "sgmc: %s simulated: %.6g virtual s in %.2f wall s (loading %.2f s): %llu messages, %llu "
      "events, %.3g events/s, %llu draws\n",
      cfg.name.c_str(), s.virtual_s, s.wall_s, s.load_s,
      static_cast<unsigned long long>(s.messages), static_cast<unsigned long long>(s.events),
      s.wall_s > 0 ? static_cast<double>(s.events) / s.wall_s : 0.0,
      static_cast<unsigned long long>(s.draws));
  for (const auto& c : s.chains) {
    std::string line = fmt::format("  chain {}:", c.chain);
    for (const auto& [name, value] : c.metrics) line += fmt::format(" {} {:.4g}", name, value);
    std::printf("%s\n", line.c_str());
  }
  std::printf("  %s protocol, %u workers: %s\n",
              sgmc::protocols::to_string(cfg.protocol.params.kind),
              static_cast<unsigned>(cfg.protocol.params.workers), s.protocol.c_str());
  std::printf("  outputs: %s/ (config.toml, metrics.jsonl, samples/chain-K.npy%s)\n",
              s.out_dir.c_str(), s.trace_path.empty() ? "" : ", trace/simulated.trace");
  std::fflush(stdout);
}

// `sgmc simulate --calibrate RUN_DIR [--out FILE]`: the fitted [sim] section on stdout.
int calibrate_command(const simulate_args& args) {
  if (!args.config.empty())
    return fail(
        {sgmc::errc::invalid_argument, "--calibrate RUN_DIR takes no CONFIG (" + args.config +
                                           "): it prints a [sim] section to use with any config"});
  auto c = sgmc::tools::calibrate(args.calibrate);
  if (!c) return fail(c.error());
  const std::string text = sgmc::tools::format_sim_section(*c);
  if (!args.out.empty()) {
    std::ofstream f(args.out, std::ios::binary);
    if (!f || !f.write(text.data(), static_cast<std::streamsize>(text.size())) || !f.flush())
      return fail({sgmc::errc::io, "cannot write " + args.out});
  }
  std::fputs(text.c_str(), stdout);
  return 0;
}

int simulate_command(const simulate_args& args) {
  if (!args.calibrate.empty()) return calibrate_command(args);
  if (args.config.empty())
    return fail({sgmc::errc::invalid_argument,
                 "sgmc simulate needs CONFIG (or --calibrate RUN_DIR); see sgmc simulate --help"});
  sgmc::models::configure_eigen();
  std::vector<std::string> sets = args.sets;
  if (args.workers) sets.push_back(fmt::format("protocol.workers={}", *args.workers));
  auto cfg = sgmc::tools::load_config(args.config, sets);
  if (!cfg) return fail(cfg.error());
  sgmc::tools::simulate_options options;
  options.source = args.config;
  options.out_dir = args.out;
  options.threads = args.threads;
  options.progress.quiet = args.quiet;
  options.progress.live = ::isatty(STDOUT_FILENO) != 0;
  auto summary = sgmc::tools::simulate(*cfg, options);
  if (!summary) return fail(summary.error());
  print_simulation(*cfg, *summary);
  return 0;
}

int diagnose_command(const diagnose_args& args) {
  sgmc::models::configure_eigen();
  sgmc::tools::diagnose_options options;
  options.run_dirs = args.run_dirs;
  options.params = args.params;
  auto report = sgmc::tools::diagnose(options);
  if (!report) return fail(report.error());
  const auto text =
      args.json ? sgmc::tools::format_json(*report) : sgmc::tools::format_table(*report);
  std::fputs(text.c_str(), stdout);
  return 0;
}

int node_command(CLI::App& app, const node_args& args) {
  using sgmc::tools::node_role;
  auto* node = app.get_subcommand("node");
  node_role role = node_role::master;
  if (node->got_subcommand("worker")) role = node_role::worker;
  if (node->got_subcommand("collector")) role = node_role::collector;
  sgmc::models::configure_eigen();
  std::vector<std::string> sets = args.sets;
  if (args.min_workers) sets.push_back(fmt::format("cluster.min_workers={}", *args.min_workers));
  auto cfg = sgmc::tools::load_config(args.config, sets);
  if (!cfg) return fail(cfg.error());
  std::optional<std::uint32_t> worker = args.id;
  if (node->got_subcommand("auto")) {
    auto master = sgmc::actors::parse_address(args.address, "--master");
    if (!master) return fail(master.error());
    if (master->port == 0)
      return fail({sgmc::errc::invalid_argument,
                   "--master " + args.address +
                       ": sgmc node auto needs a fixed port (every rank must know it)"});
    auto rank = sgmc::tools::rank_from_environment();
    if (!rank) return fail(rank.error());
    auto ranked = sgmc::tools::role_of_rank(*rank, cfg->protocol.params.workers);
    if (!ranked) return fail(ranked.error());
    role = ranked->role;
    worker = ranked->worker;
    print_line(fmt::format("rank {} ({}): {}{}", rank->rank, rank->variable,
                           sgmc::tools::to_string(role),
                           worker ? fmt::format(" {}", *worker) : std::string()));
  }
  sgmc::tools::node_run_options options;
  options.source = args.config;
  options.out_dir = args.out;
  options.address = args.address.empty() ? "127.0.0.1:0" : args.address;  // --listen's default
  options.worker = worker;
  options.wait_s = args.wait_s;
  options.connect_timeout_s = args.timeout_s;
  options.threads = args.threads;
  options.quiet = args.quiet;
  options.resume = args.resume;
  options.live = ::isatty(STDOUT_FILENO) != 0;
  options.log = print_line;
  auto done = sgmc::tools::run_node(role, *cfg, options);
  if (!done) return fail(done.error());
  print_line(role == node_role::master
                 ? *done
                 : fmt::format("{}: {}", sgmc::tools::to_string(role), *done));
  return 0;
}

// "sgmc node worker": the (sub)command named on the command line, for the usage hint.
std::string command_of(int argc, char** argv) {
  std::string command = "sgmc";
  int i = 1;
  while (i < argc && argv[i][0] == '-') ++i;
  if (i >= argc) return command;
  const std::string first = argv[i];
  for (const char* cmd : {"run", "simulate", "diagnose", "plot", "trace"})
    if (first == cmd) return command + " " + first;
  if (first != "node") return command;
  command += " node";
  for (++i; i < argc && argv[i][0] == '-';) ++i;
  if (i < argc)
    for (const char* role : {"master", "worker", "collector", "auto"})
      if (std::string(argv[i]) == role) return command + " " + role;
  return command;
}

int plot_command(const sgmc::tools::plot_options& args) {
  auto status = sgmc::tools::plot(args);
  return status ? *status : fail(status.error());
}

/// The options of every subcommand, filled by CLI11.
struct command_args {
  run_args run;
  node_args node;
  simulate_args simulate;
  diagnose_args diagnose;
  sgmc::tools::plot_options plot;
  sgmc::tools::trace_args trace;
};

void add_commands(CLI::App& app, command_args& a) {
  add_run_command(app, a.run);
  add_node_command(app, a.node);
  add_simulate_command(app, a.simulate);
  add_diagnose_command(app, a.diagnose);
  add_plot_command(app, a.plot);
  sgmc::tools::add_trace_command(app, a.trace);
}

int dispatch(CLI::App& app, const command_args& a) {
  if (app.got_subcommand("run")) return run_command(a.run);
  if (app.got_subcommand("node")) return node_command(app, a.node);
  if (app.got_subcommand("simulate")) return simulate_command(a.simulate);
  if (app.got_subcommand("diagnose")) return diagnose_command(a.diagnose);
  if (app.got_subcommand("plot")) return plot_command(a.plot);
  if (app.got_subcommand("trace")) return sgmc::tools::trace_command(app, a.trace);
  return k_exit_bad_input;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sgmc: distributed stochastic-gradient MCMC"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sgmc " SGMC_VERSION);
  command_args args;
  add_commands(app, args);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "sgmc: error: %s\nRun '%s --help' for usage.\n", e.what(),
                 command_of(argc, argv).c_str());
    return k_exit_bad_input;
  }
  // Inputs are bounded before allocating (models/); what still escapes is one line, not abort.
  try {
    return dispatch(app, args);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "sgmc: error: out of memory (the data or the model is too large)\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sgmc: error: %s\n", e.what());
  }
  return k_exit_bad_input;
}
