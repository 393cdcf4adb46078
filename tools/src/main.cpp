// The `sgmc` command line. Exit codes (docs/outputs.md):
//   0  success
//   1  a chain diverged (the draws and metrics written so far are kept)
//   2  bad input: command line, config, data files, shapes; or outputs that cannot be written;
//      for `sgmc node`: also an unreachable, refusing or lost peer, or a timeout
#include "sgmc/actors/node.hpp"
#include "sgmc/models/factory.hpp"
#include "sgmc/tools/config_loader.hpp"
#include "sgmc/tools/node_ranks.hpp"
#include "sgmc/tools/node_runner.hpp"
#include "sgmc/tools/runner.hpp"
#include "trace_cli.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <exception>
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
  unsigned threads = 0;
  bool quiet = false;
};

void add_run_command(CLI::App& app, run_args& args) {
  auto* cmd = app.add_subcommand("run", "Run the chains of one experiment in this process");
  cmd->add_option("config", args.config, "Experiment config (TOML)")->required();
  cmd->add_option("--set", args.sets, "Override a config key: section.key=value (repeatable)")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  cmd->add_option("--out", args.out, "Output folder (default: runs/<name>)");
  cmd->add_option("--threads", args.threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1u, 4096u));
  cmd->add_flag("-q,--quiet", args.quiet, "Print no progress");
}

struct node_args {
  std::string config;
  std::vector<std::string> sets;
  std::string out;
  std::string address;
  std::optional<std::uint32_t> id;
  double wait_s = 120.0;
  double timeout_s = 10.0;
  unsigned threads = 0;
  bool quiet = false;
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
    cmd->add_option("--listen", args.address, "HOST:PORT to listen on (port 0: any free port)")
        ->required();
    cmd->add_option("--wait", args.wait_s, "Seconds to wait for every node to join (default 120)")
        ->check(k_positive_seconds);
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
  if (!s.distributed.empty())
    std::printf("  %s protocol: %s\n", sgmc::protocols::to_string(cfg.protocol.params.kind),
                s.distributed.c_str());
  std::printf("  outputs: %s/ (config.toml, metrics.jsonl, samples/chain-K.npy%s)\n",
              s.out_dir.c_str(), s.trace_path.empty() ? "" : ", trace/embedded.trace");
  std::fflush(stdout);
}

int run_command(const run_args& args) {
  sgmc::models::configure_eigen();
  auto cfg = sgmc::tools::load_config(args.config, args.sets);
  if (!cfg) return fail(cfg.error());
  sgmc::tools::run_options options;
  options.source = args.config;
  options.out_dir = args.out;
  options.threads = args.threads;
  options.progress.quiet = args.quiet;
  options.progress.live = ::isatty(STDOUT_FILENO) != 0;
  auto summary = sgmc::tools::run(*cfg, options);
  if (!summary) return fail(summary.error());
  print_summary(*cfg, *summary);
  return 0;
}

int node_command(CLI::App& app, const node_args& args) {
  using sgmc::tools::node_role;
  auto* node = app.get_subcommand("node");
  node_role role = node_role::master;
  if (node->got_subcommand("worker")) role = node_role::worker;
  if (node->got_subcommand("collector")) role = node_role::collector;
  sgmc::models::configure_eigen();
  auto cfg = sgmc::tools::load_config(args.config, args.sets);
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
  options.address = args.address;
  options.worker = worker;
  options.wait_s = args.wait_s;
  options.connect_timeout_s = args.timeout_s;
  options.threads = args.threads;
  options.quiet = args.quiet;
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
  if (first == "run") return command + " run";
  if (first == "trace") return command + " trace";
  if (first != "node") return command;
  command += " node";
  for (++i; i < argc && argv[i][0] == '-';) ++i;
  if (i < argc)
    for (const char* role : {"master", "worker", "collector", "auto"})
      if (std::string(argv[i]) == role) return command + " " + role;
  return command;
}

int dispatch(CLI::App& app, const run_args& args, const node_args& nargs,
             const sgmc::tools::trace_args& targs) {
  if (app.got_subcommand("run")) return run_command(args);
  if (app.got_subcommand("trace")) return sgmc::tools::trace_command(app, targs);
  if (app.got_subcommand("node")) return node_command(app, nargs);
  return k_exit_bad_input;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sgmc: distributed stochastic-gradient MCMC"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sgmc " SGMC_VERSION);
  run_args args;
  add_run_command(app, args);
  node_args nargs;
  add_node_command(app, nargs);
  sgmc::tools::trace_args targs;
  sgmc::tools::add_trace_command(app, targs);
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
    return dispatch(app, args, nargs, targs);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "sgmc: error: out of memory (the data or the model is too large)\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sgmc: error: %s\n", e.what());
  }
  return k_exit_bad_input;
}
