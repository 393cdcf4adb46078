// System tests of `sgmc node`: a master, workers and a collector as separate processes on
// loopback (127.0.0.1 only). Every wait is on an output line or a process exit, bounded.
#include "child_process.hpp"
#include "sgmc/engine/npy_reader.hpp"
#include "sgmc/engine/trace.hpp"
#include "sgmc_test/tmp_dir.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using sgmc::engine::trace_type;
using sgmc::test::run_command;
using sgmc::test::tmp_dir;
using sgmc::tools::test::child_process;
using namespace std::chrono_literals;

namespace {

const std::string k_sgmc = SGMC_BINARY;
const std::string k_gauss = std::string(SGMC_SOURCE_DIR) + "/examples/gaussian-2d.toml";
const std::string k_check =
    std::string("/usr/bin/python3 ") + SGMC_SOURCE_DIR + "/tests/tools/check_outputs.py ";
#ifdef SGMC_SANITIZED
constexpr auto k_run_timeout = 120s;
#else
constexpr auto k_run_timeout = 30s;
#endif
constexpr auto k_line_timeout = 15s;

using args = std::vector<std::string>;

bool check(const std::string& what) {
  auto r = run_command(k_check + what);
  UNSCOPED_INFO("check_outputs.py " << what << ":\n" << r.output);
  return r.status == 0;
}

std::unique_ptr<child_process> start(const std::string& role, const args& extra,
                                     const std::string& config = k_gauss) {
  args argv{k_sgmc, "node", role, config};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return std::make_unique<child_process>(argv);
}

args with_sets(args a, const args& sets) {
  for (const auto& s : sets) {
    a.push_back("--set");
    a.push_back(s);
  }
  return a;
}

// A master, its workers and its collector, each a process writing to one output folder.
struct cluster {
  std::unique_ptr<child_process> master;
  std::vector<std::unique_ptr<child_process>> workers;
  std::unique_ptr<child_process> collector;
  std::string address;  ///< 127.0.0.1:PORT, as the master printed it

  // Starts the master and, once it listens, `workers` workers (--id i) and the collector.
  cluster(const std::string& out, const args& sets, int workers_n = 2,
          const std::string& config = k_gauss) {
    master = start("master", with_sets({"--listen", "127.0.0.1:0", "--out", out}, sets), config);
    auto line = master->wait_for_line("master listening on ", k_line_timeout);
    INFO(master->output());
    REQUIRE(line);
    address = line->substr(line->rfind(' ') + 1);
    REQUIRE(address.rfind("127.0.0.1:", 0) == 0);
    for (int i = 0; i < workers_n; ++i)
      workers.push_back(
          start("worker",
                with_sets({"--connect", address, "--id", std::to_string(i), "--out", out}, sets),
                config));
    collector = start("collector", with_sets({"--connect", address, "--out", out}, sets), config);
  }

  std::string outputs() const {
    std::string s = "--- master:\n" + master->output();
    for (std::size_t i = 0; i < workers.size(); ++i)
      s += "--- worker " + std::to_string(i) + ":\n" + workers[i]->output();
    return s + "--- collector:\n" + collector->output();
  }
};

struct trace_summary {
  std::string node;
  std::set<trace_type> types;
  std::int64_t max_staleness = -1;
  sgmc::engine::trace_file file;
};

trace_summary read(const std::string& path) {
  auto t = sgmc::engine::read_trace(path);
  INFO(path << ": " << (t ? "" : t.error().message));
  REQUIRE(t);
  trace_summary s{t->node, {}, -1, *t};
  for (const auto& e : t->events) {
    s.types.insert(e.type);
    if (e.type == trace_type::push && e.dir == sgmc::engine::trace_direction::received)
      s.max_staleness = std::max(s.max_staleness, e.staleness);
  }
  return s;
}

std::string names(const std::set<trace_type>& types) {
  std::string out;
  for (auto t : types) out += std::string(out.empty() ? "" : " ") + sgmc::engine::to_string(t);
  return out;
}

// A TCP port on 127.0.0.1 that nobody listens on (bound, then released).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

struct protocol_case {
  std::string kind;
  args sets;
  int chains;
  std::set<trace_type> master, worker, collector;  ///< message types each node uses
};

// Every node's trace names the node and holds exactly the message types it used, the
// compute spans of the workers, the apply spans of the master and clock anchors; with an
// injected delay in versions the master recorded stale pushes. The four files carry one run
// id and the config hash, and every message received was sent: each receive pairs with a send
// (sender, message id) in some node's file.
void check_traces(const std::string& out, const protocol_case& c) {
  const std::map<std::string, const std::set<trace_type>*> used{{"master", &c.master},
                                                                {"worker-0", &c.worker},
                                                                {"worker-1", &c.worker},
                                                                {"collector", &c.collector}};
  using key = std::tuple<sgmc::engine::trace_role, std::uint32_t, std::uint64_t>;
  std::set<key> sent;
  std::vector<key> received;
  std::set<std::string> run_ids;
  for (const auto& [node, types] : used) {
    auto t = read(out + "/trace/" + node + ".trace");
    auto expect = *types;
    expect.insert(trace_type::anchor);
    if (node == "master") expect.insert(trace_type::apply);
    if (node.rfind("worker", 0) == 0) expect.insert(trace_type::compute);
    INFO(node << " traced: " << names(t.types) << "; expected " << names(expect));
    CHECK(t.node == node);
    CHECK(t.types == expect);
    CHECK(t.file.format_version == 2);
    CHECK(t.file.config_hash != 0);
    run_ids.insert(sgmc::engine::to_hex(t.file.run_id) + " " + std::to_string(t.file.config_hash));
    if (node == "master" && c.kind == "async") CHECK(t.max_staleness >= 3);
    for (const auto& e : t.file.events) {
      if (e.dir == sgmc::engine::trace_direction::sent) {
        CHECK(e.seq != 0);
        sent.insert({e.actor.role, e.actor.index, e.seq});
      } else if (e.dir == sgmc::engine::trace_direction::received) {
        CHECK(e.seq != 0);
        received.push_back({e.peer.role, e.peer.index, e.seq});
      }
    }
  }
  CHECK(run_ids.size() == 1);
  CHECK(run_ids.begin()->rfind(std::string(32, '0'), 0) != 0);
  std::size_t unpaired = 0;
  for (const auto& k : received) unpaired += sent.count(k) == 0;
  CHECK(unpaired == 0);
  CHECK(sent.size() >= received.size());
}

// Every node ends with a line on what its data channel carried. With the channel on, payloads
// went both ways between the master and the workers, and `collector_chains` chains' samples
// reached the collector over it; with it off (collector_chains 0) no node opened one.
void check_data_channel(const cluster& nodes, int collector_chains) {
  const std::regex line(
      "data channel tcp://127\\.0\\.0\\.1:[0-9]+: sent ([0-9]+) payloads? "
      "\\([0-9.]+ MB\\), received ([0-9]+) ");
  auto counts = [&](const child_process& p) -> std::pair<long, long> {
    std::smatch m;
    if (!std::regex_search(p.output(), m, line)) return {-1, -1};
    return {std::stol(m[1].str()), std::stol(m[2].str())};
  };
  const auto master = counts(*nodes.master);
  const auto collector = counts(*nodes.collector);
  if (collector_chains == 0) {
    CHECK(master.first == -1);
    CHECK(collector.first == -1);
    for (const auto& w : nodes.workers) CHECK(counts(*w).first == -1);
    return;
  }
  CHECK(master.first > 0);
  CHECK(master.second > 0);
  for (const auto& w : nodes.workers) CHECK((counts(*w).first > 0 && counts(*w).second > 0));
  CHECK(collector.first == 0);
  CHECK(collector.second >= 500 * collector_chains);  // every draw's slice
}

// An async run slowed by 1 ms on every message (a few seconds: time to kill a node), started
// and under way: the master has reported its first 10 %.
std::unique_ptr<cluster> start_slow(const std::string& out, const std::string& steps,
                                    const args& more = {}) {
  args sets{"protocol.kind=async", "protocol.workers=2", "run.steps=" + steps,
            "run.burnin=500",      "run.thin=10",        "staleness.latency_ms=1"};
  sets.insert(sets.end(), more.begin(), more.end());
  auto nodes = std::make_unique<cluster>(out, sets);
  auto progress = nodes->master->wait_for_line("step ", k_line_timeout);
  INFO(nodes->outputs());
  REQUIRE(progress);
  return nodes;
}

}  // namespace

TEST_CASE("each of the five protocols runs in four processes over loopback", "[system][nodes]") {
  using T = trace_type;
  const args common{"protocol.workers=2", "run.steps=6000", "run.burnin=1000", "run.thin=10",
                    "run.eval_every=2000"};
  const std::vector<protocol_case> cases{
      // All but sync send every payload over the data channel (threshold 0: the 2-d example's
      // payloads are 8 bytes); sync carries them all in CAF messages.
      {"async",
       {"protocol.kind=async", "staleness.delay=\"fixed:3\"", "cluster.data_channel_min_bytes=0"},
       1,
       {T::hello, T::welcome, T::pull, T::params, T::push, T::sample, T::stop},
       {T::hello, T::welcome, T::pull, T::params, T::push, T::stop},
       {T::hello, T::welcome, T::sample, T::stop}},
      {"sync",
       {"protocol.kind=sync", "cluster.data_channel=false"},
       1,
       {T::hello, T::welcome, T::pull, T::params, T::push, T::sample, T::stop},
       {T::hello, T::welcome, T::pull, T::params, T::push, T::stop},
       {T::hello, T::welcome, T::sample, T::stop}},
      {"ssp",
       {"protocol.kind=ssp", "protocol.staleness_bound=1", "cluster.data_channel_min_bytes=0"},
       1,
       {T::hello, T::welcome, T::pull, T::params, T::push, T::sample, T::stop},
       {T::hello, T::welcome, T::pull, T::params, T::push, T::stop},
       {T::hello, T::welcome, T::sample, T::stop}},
      {"downpour",
       {"protocol.kind=downpour", "protocol.push_every=4", "protocol.pull_every=2",
        "cluster.data_channel_min_bytes=0"},
       1,
       {T::hello, T::welcome, T::pull, T::params, T::push, T::sample, T::stop},
       {T::hello, T::welcome, T::pull, T::params, T::push, T::stop},
       {T::hello, T::welcome, T::sample, T::stop}},
      {"elastic",
       {"protocol.kind=elastic", "cluster.data_channel_min_bytes=0"},
       2,
       {T::hello, T::welcome, T::exchange, T::params, T::stop},
       {T::hello, T::welcome, T::exchange, T::params, T::sample, T::stop},
       {T::hello, T::welcome, T::sample, T::stop}},
  };
  tmp_dir dir("nodes");
  for (const auto& c : cases) {
    SECTION(c.kind) {
      const std::string out = dir.file(c.kind);
      args sets = common;
      sets.insert(sets.end(), c.sets.begin(), c.sets.end());
      const auto t0 = std::chrono::steady_clock::now();
      cluster nodes(out, sets);
      const int m = nodes.master->wait_exit(k_run_timeout);
      const int w0 = nodes.workers[0]->wait_exit(k_run_timeout);
      const int w1 = nodes.workers[1]->wait_exit(k_run_timeout);
      const int col = nodes.collector->wait_exit(k_run_timeout);
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      INFO(nodes.outputs());
      UNSCOPED_INFO(c.kind << ": four processes ran in " << secs << " s");
      REQUIRE(m == 0);
      CHECK(w0 == 0);
      CHECK(w1 == 0);
      CHECK(col == 0);
      CHECK(nodes.master->output().find("all 2 workers and the collector joined; starting " +
                                        c.kind) != std::string::npos);
      CHECK(nodes.collector->output().find("collector: done: versions") != std::string::npos);
      for (int k = 0; k < c.chains; ++k) {
        const std::string npy = out + "/samples/chain-" + std::to_string(k) + ".npy";
        CHECK(check("npy " + npy + " 500 2"));
        CHECK(check("mean " + npy + " 0.6 1.0 -1.0"));
      }
      CHECK(check("metrics " + out + "/metrics.jsonl " + std::to_string(c.chains)));
      check_traces(out, c);
      check_data_channel(nodes, c.kind == "sync" ? 0 : c.chains);
    }
  }
}

TEST_CASE("[codec] across processes: encoded pushes and params cross the wire and decode",
          "[system][nodes]") {
  // The 2-D example with fixed8 on the pushes (f = 4: its gradients are within ±8) and bfp8 on
  // the params: every push the master received carries 12 + 2 encoded bytes, and the chain
  // still has the target's mean.
  tmp_dir dir("nodes-codec");
  const std::string out = dir.file("run");
  cluster nodes(out, {"protocol.workers=2", "run.steps=6000", "run.burnin=1000", "run.thin=10",
                      "run.eval_every=2000", "protocol.kind=async", "codec.push=fixed8",
                      "codec.fraction_bits=4", "codec.pull=bfp8"});
  const int m = nodes.master->wait_exit(k_run_timeout);
  const int w0 = nodes.workers[0]->wait_exit(k_run_timeout);
  const int w1 = nodes.workers[1]->wait_exit(k_run_timeout);
  const int col = nodes.collector->wait_exit(k_run_timeout);
  INFO(nodes.outputs());
  REQUIRE(m == 0);
  CHECK(w0 == 0);
  CHECK(w1 == 0);
  CHECK(col == 0);
  CHECK(check("mean " + out + "/samples/chain-0.npy 0.6 1.0 -1.0"));
  auto t = read(out + "/trace/master.trace");
  std::size_t pushes = 0, other = 0;
  for (const auto& e : t.file.events) {
    if (e.type != trace_type::push || e.dir != sgmc::engine::trace_direction::received) continue;
    // 33 bytes of fixed fields, the payload's length word, fixed8's 12-byte header and 2 bytes.
    (e.bytes == 33 + 8 + 12 + 2 ? pushes : other) += 1;
  }
  CHECK(pushes >= 6000);
  CHECK(other == 0);
}

TEST_CASE("sync in four processes samples the SGLD recursion's exact stationary variance",
          "[system][nodes]") {
  // N(0.5, 1) in 1024 independent coordinates (model.variance left out: unit variance), no
  // gradient noise, ε = 0.2, T = 0.8, two worker processes. Sync's master chain is
  // θ' = (1 − εP/2) θ + √(εT) ξ (docs/protocols.md, "What each protocol samples"): stationary
  // variance εT / (1 − (1 − εP/2)²) = 0.8421, 5.3% above the posterior's T/P = 0.8.
  // Tolerance: a draw's variance across 1024 coordinates has a relative standard error
  // √(2/1024) = 4.4%; 400 draws 25 versions apart (correlation 0.9^25 = 0.07, of squares
  // 0.005) bring it to 0.22%, so 2% is 9 standard errors; the posterior's own 0.8 (−5%), T
  // dropped (+25%) or a √2 noise (+100%) fail.
  constexpr int dim = 1024, draws = 400, thin = 25, burnin = 200;
  const double eps = 0.2, T = 0.8, P = 1.0, mu = 0.5;
  tmp_dir dir("nodes-stationary");
  const std::string config = dir.file("stationary.toml");
  {
    std::string mean;
    for (int j = 0; j < dim; ++j) mean += (j ? ", " : "") + std::string("0.5");
    std::ofstream f(config);
    f << "name = \"stationary\"\nseed = 7\n[model]\nkind = \"gaussian\"\nmean = [" << mean
      << "]\n[sampler]\nkind = \"sgld\"\nstep_size = " << eps << "\ntemperature = " << T
      << "\n[run]\nsteps = " << burnin + draws * thin << "\nburnin = " << burnin
      << "\nthin = " << thin << "\neval_every = 1000000\n[protocol]\nkind = \"sync\"\n"
      << "workers = 2\n";
  }
  const std::string out = dir.file("out");
  cluster nodes(out, {"cluster.data_channel=false"}, 2, config);
  const int m = nodes.master->wait_exit(k_run_timeout);
  for (auto& w : nodes.workers) CHECK(w->wait_exit(k_run_timeout) == 0);
  const int col = nodes.collector->wait_exit(k_run_timeout);
  INFO(nodes.outputs());
  REQUIRE(m == 0);
  REQUIRE(col == 0);
  auto x = sgmc::engine::read_npy_f32(out + "/samples/chain-0.npy");
  INFO((x ? "" : x.error().message));
  REQUIRE(x);
  REQUIRE(x->rows == std::uint64_t(draws));
  REQUIRE(x->cols == std::uint64_t(dim));
  double var = 0.0;
  for (std::uint64_t r = 0; r < x->rows; ++r)
    for (int j = 0; j < dim; ++j) var += (x->row(r)[j] - mu) * (x->row(r)[j] - mu);
  var /= double(draws) * dim;
  const double a = 1.0 - 0.5 * eps * P, exact = eps * T / (1.0 - a * a);
  CAPTURE(var, exact, T / P);
  CHECK(std::abs(var / exact - 1.0) < 0.02);
}

TEST_CASE("killing a worker process mid-run leaves the master carrying on with the other",
          "[system][nodes]") {
  tmp_dir dir("nodes-kill");
  const std::string out = dir.file("out");
  // Every payload takes the data channel: a push whose payload died with its worker is given up.
  auto started = start_slow(out, "2000", {"cluster.data_channel_min_bytes=0"});
  cluster& nodes = *started;
  nodes.workers[1]->signal(SIGKILL);
  CHECK(nodes.workers[1]->wait_exit(k_line_timeout) == -1);
  auto lost = nodes.master->wait_for_line("worker 1 lost; carrying on with 1", k_line_timeout);
  const int m = nodes.master->wait_exit(k_run_timeout);
  const int w0 = nodes.workers[0]->wait_exit(k_run_timeout);
  const int col = nodes.collector->wait_exit(k_run_timeout);
  INFO(nodes.outputs());
  CHECK(lost);
  CHECK(m == 0);
  CHECK(w0 == 0);
  CHECK(col == 0);
  CHECK(nodes.master->output().find("step 2000/2000") != std::string::npos);
  CHECK(nodes.master->output().find("lost: worker 1") != std::string::npos);
  // The killed worker never reported its gradient count: "lost", not 0.
  CHECK(nodes.master->output().find(" lost), staleness") != std::string::npos);
  // The master's trace counts the killed worker's applied updates as the run report does.
  std::smatch applied;
  const std::string report = nodes.master->output();
  REQUIRE(
      std::regex_search(report, applied, std::regex("updates applied \\d+ \\((\\d+) (\\d+)\\)")));
  CHECK(std::stoull(applied[2].str()) > 0);
  auto summary = run_command(k_sgmc + " trace summary " + out +
                             " --json | /usr/bin/python3 -c "
                             "\"import json,sys; w=json.load(sys.stdin)['workers']; "
                             "print(*[x['applied'] for x in w])\"");
  INFO(summary.output);
  CHECK(summary.output == applied[1].str() + " " + applied[2].str() + "\n");
  CHECK(check("npy " + out + "/samples/chain-0.npy 150 2"));
  CHECK(check("metrics " + out + "/metrics.jsonl 1"));
}

TEST_CASE("losing the master ends the workers and the collector with exit code 2",
          "[system][nodes]") {
  tmp_dir dir("nodes-master-lost");
  const std::string out = dir.file("out");
  auto started = start_slow(out, "3000");
  cluster& nodes = *started;
  nodes.master->signal(SIGKILL);
  const int w0 = nodes.workers[0]->wait_exit(k_run_timeout);
  const int w1 = nodes.workers[1]->wait_exit(k_run_timeout);
  const int col = nodes.collector->wait_exit(k_run_timeout);
  INFO(nodes.outputs());
  CHECK(w0 == 2);
  CHECK(w1 == 2);
  CHECK(col == 2);
  // Whichever sees it first, the node's agent or its actor, names the lost master.
  for (const auto* p : {nodes.workers[0].get(), nodes.workers[1].get(), nodes.collector.get()}) {
    const auto& o = p->output();
    CHECK(o.find("sgmc: error: ") != std::string::npos);
    CHECK((o.find("lost the master at " + nodes.address) != std::string::npos ||
           o.find("master shard 0 is gone") != std::string::npos));
  }
  CHECK(check("npy " + out + "/samples/chain-0.npy -1 2"));  // what arrived stays readable
}

TEST_CASE("losing the collector with collector_wait_s = 0 ends the run with exit code 2 at once",
          "[system][nodes]") {
  tmp_dir dir("nodes-collector-lost");
  const std::string out = dir.file("out");
  auto started = start_slow(out, "3000", {"cluster.collector_wait_s=0"});
  cluster& nodes = *started;
  nodes.collector->signal(SIGKILL);
  const int m = nodes.master->wait_exit(k_run_timeout);
  const int w0 = nodes.workers[0]->wait_exit(k_run_timeout);
  const int w1 = nodes.workers[1]->wait_exit(k_run_timeout);
  INFO(nodes.outputs());
  CHECK(m == 2);
  CHECK(w0 == 2);
  CHECK(w1 == 2);
  // The supervisor or the shard, whichever takes the loss first, names it.
  const std::regex gone("sgmc: error: (the run failed: )?(master shard 0: )?the collector is gone");
  CHECK(std::regex_search(nodes.master->output(), gone));
  CHECK(std::regex_search(nodes.workers[0]->output(), gone));
}

TEST_CASE("a node with another config is refused and the master gives up waiting",
          "[system][nodes]") {
  tmp_dir dir("nodes-mismatch");
  const std::string out = dir.file("out");
  auto master = start("master", {"--listen", "127.0.0.1:0", "--wait", "2", "--out", out, "--set",
                                 "protocol.kind=async"});
  auto line = master->wait_for_line("master listening on ", k_line_timeout);
  INFO(master->output());
  REQUIRE(line);
  const auto address = line->substr(line->rfind(' ') + 1);
  auto worker = start("worker", {"--connect", address, "--out", out, "--set", "protocol.kind=async",
                                 "--set", "sampler.step_size=0.01"});
  const int w = worker->wait_exit(k_run_timeout);
  const int m = master->wait_exit(k_run_timeout);
  INFO(worker->output() << "---\n" << master->output());
  CHECK(w == 2);
  CHECK(worker->output().find("sgmc: error: the master at " + address +
                              " refused this worker: config mismatch: the worker's config hash "
                              "is ") != std::string::npos);
  // The master logs both hashes; the refused node hears only its own.
  CHECK(worker->output().find(", the master's is ") == std::string::npos);
  CHECK(master->output().find("refused a worker from ") != std::string::npos);
  CHECK(master->output().find(", the master's is ") != std::string::npos);
  CHECK(m == 2);
  CHECK(master->output().find("sgmc: error: waited 2 s for 4 workers and the collector; "
                              "missing: worker 0, worker 1, worker 2, worker 3, the collector") !=
        std::string::npos);
}

TEST_CASE("a worker reading another train.csv is refused with both files and digests",
          "[system][nodes]") {
  // The case: the same config (train = "train.csv") started in two folders, the worker's
  // targets multiplied by −1000. The config hashes agree; the data digests do not.
  tmp_dir dir("nodes-data-mismatch");
  const std::string good = dir.file("good"), bad = dir.file("bad");
  std::filesystem::create_directories(good);
  std::filesystem::create_directories(bad);
  std::ofstream(good + "/train.csv") << "1,2,3\n2,1,4\n3,3,7\n4,0,5\n";
  std::ofstream(bad + "/train.csv") << "1,2,-3000\n2,1,-4000\n3,3,-7000\n4,0,-5000\n";
  const std::string config = dir.file("linreg.toml");
  std::ofstream(config) << "name = \"data-mismatch\"\n[model]\nkind = \"linreg\"\n"
                           "[data]\nformat = \"csv\"\ntrain = \"train.csv\"\n"
                           "[sampler]\nbatch_size = 2\nstep_size = 0.001\n"
                           "[protocol]\nkind = \"async\"\nworkers = 1\n[run]\nsteps = 50\n";
  const std::string out = dir.file("out");
  auto master = std::make_unique<child_process>(args{k_sgmc, "node", "master", config, "--listen",
                                                     "127.0.0.1:0", "--wait", "5", "--out", out},
                                                good);
  auto line = master->wait_for_line("master listening on ", k_line_timeout);
  INFO(master->output());
  REQUIRE(line);
  const auto address = line->substr(line->rfind(' ') + 1);
  auto worker = std::make_unique<child_process>(
      args{k_sgmc, "node", "worker", config, "--connect", address, "--out", out}, bad);
  const int w = worker->wait_exit(k_run_timeout);
  INFO(worker->output() << "---\n" << master->output());
  CHECK(w == 2);
  const auto sha = [](const std::string& file) {
    auto r = run_command("sha256sum " + file);
    REQUIRE(r.status == 0);
    return r.output.substr(0, 64);
  };
  const auto refusal = fmt::format(
      "refused this worker: data mismatch: the worker's data.train is {}/train.csv (sha256 {}), "
      "the master's is {}/train.csv (sha256 {}); every node must read the same data",
      std::filesystem::canonical(bad).string(), sha(bad + "/train.csv"),
      std::filesystem::canonical(good).string(), sha(good + "/train.csv"));
  CHECK(worker->output().find(refusal) != std::string::npos);
  CHECK(master->wait_for_line("refused a worker from ", k_line_timeout));
  // The master is unaffected: a worker reading the right data is then admitted (and the run
  // still needs its collector, which never comes: the master gives up waiting, as it would).
  auto honest = std::make_unique<child_process>(
      args{k_sgmc, "node", "worker", config, "--connect", address, "--out", out}, good);
  CHECK(master->wait_for_line("worker 0 joined from ", k_line_timeout));
  const int m = master->wait_exit(k_run_timeout);
  CHECK(m == 2);
  CHECK(master->output().find("missing: the collector") != std::string::npos);
  honest->wait_exit(k_run_timeout);
}

TEST_CASE("bad node arguments exit with code 2 and one clear line", "[system][nodes]") {
  struct bad_case {
    std::string args;
    std::string message;
  };
  const std::string async = " --set protocol.kind=async";
  const bad_case cases[] = {
      {"master " + k_gauss + " --listen 127.0.0.1" + async, "--listen 127.0.0.1: no port"},
      {"master " + k_gauss + " --listen 127.0.0.1:70000" + async,
       "the port must be a number from 0 to 65535"},
      {"worker " + k_gauss + " --connect :7000" + async, "--connect :7000: no host"},
      {"worker " + k_gauss + " --connect 127.0.0.1:x" + async, "the port must be a number"},
      {"worker " + k_gauss + " --connect 127.0.0.1:7000 --id 7" + async,
       "--id 7 is out of range: protocol.workers = 4"},
      {"collector " + k_gauss + " --connect 127.0.0.1:7000",
       "protocol.kind = \"none\" runs in one process"},
      {"master " + k_gauss + async + " --set cluster.heartbeat_s=2" +
           " --set cluster.connection_timeout_s=3",
       "cluster.connection_timeout_s = 3 must be at least twice cluster.heartbeat_s = 2"},
      {"worker " + k_gauss + async + " --set cluster.heartbeat_s=0" + " --connect 127.0.0.1:7000",
       "cluster.heartbeat_s"},
  };
  for (const auto& c : cases) {
    auto r = run_command(k_sgmc + " node " + c.args);
    INFO(c.args << "\n→ " << r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find("sgmc: error: ") == 0);
    CHECK(r.output.find(c.message) != std::string::npos);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  }
  CHECK(run_command(k_sgmc + " node").status == 2);
  CHECK(run_command(k_sgmc + " node master " + k_gauss).status == 2);  // protocol none
}

TEST_CASE("a worker that cannot reach its master gives up after --timeout with exit code 2",
          "[system][nodes]") {
  const auto address = "127.0.0.1:" + std::to_string(free_port());
  child_process worker({k_sgmc, "node", "worker", k_gauss, "--connect", address, "--timeout", "1",
                        "--set", "protocol.kind=async"});
  const auto t0 = std::chrono::steady_clock::now();
  const int code = worker.wait_exit(k_run_timeout);
  const auto took = std::chrono::steady_clock::now() - t0;
  INFO(worker.output());
  CHECK(code == 2);
  CHECK(took < 5s);
  CHECK(worker.output().find("sgmc: error: cannot reach the master at " + address +
                             " within 1.0 s: Connection refused") == 0);
  CHECK(std::count(worker.output().begin(), worker.output().end(), '\n') == 1);
}

TEST_CASE("sgmc node auto takes each process's role from its Slurm rank", "[system][nodes]") {
  // What `srun -n 4 sgmc node auto CONFIG --master HOST:PORT` starts: the same command line
  // four times, told apart only by SLURM_PROCID.
  tmp_dir dir("nodes-auto");
  const std::string out = dir.file("out");
  const std::string master = "127.0.0.1:" + std::to_string(free_port());
  auto rank = [&](int k) {
    return std::make_unique<child_process>(
        args{"/usr/bin/env", "SLURM_PROCID=" + std::to_string(k), "SLURM_NTASKS=4", k_sgmc, "node",
             "auto", k_gauss, "--master", master, "--out", out, "--set", "protocol.kind=async",
             "--set", "protocol.workers=2", "--set", "run.steps=3000", "--set", "run.thin=10"});
  };
  std::vector<std::unique_ptr<child_process>> nodes;
  nodes.push_back(rank(0));
  auto listening = nodes[0]->wait_for_line("master listening on " + master, k_line_timeout);
  INFO(nodes[0]->output());
  REQUIRE(listening);
  for (int k = 1; k < 4; ++k) nodes.push_back(rank(k));
  std::vector<int> codes;
  for (auto& n : nodes) codes.push_back(n->wait_exit(k_run_timeout));
  std::string all;
  for (auto& n : nodes) all += "---\n" + n->output();
  INFO(all);
  CHECK(codes == std::vector<int>{0, 0, 0, 0});
  CHECK(nodes[0]->output().find("rank 0 (SLURM_PROCID): master") != std::string::npos);
  CHECK(nodes[1]->output().find("rank 1 (SLURM_PROCID): collector") != std::string::npos);
  CHECK(nodes[2]->output().find("rank 2 (SLURM_PROCID): worker 0") != std::string::npos);
  CHECK(nodes[3]->output().find("rank 3 (SLURM_PROCID): worker 1") != std::string::npos);
  CHECK(check("npy " + out + "/samples/chain-0.npy 100 2"));
  for (const char* node : {"master", "collector", "worker-0", "worker-1"})
    CHECK(std::filesystem::exists(out + "/trace/" + node + ".trace"));

  // A launch of the wrong size, or without a rank, says so and starts nothing.
  auto wrong = run_command("SLURM_PROCID=0 SLURM_NTASKS=3 " + k_sgmc + " node auto " + k_gauss +
                           " --master " + master +
                           " --set protocol.kind=async --set "
                           "protocol.workers=2");
  CHECK(wrong.status == 2);
  CHECK(wrong.output.find("the launch has 3 processes (SLURM_PROCID), but protocol.workers = 2 "
                          "needs 4") != std::string::npos);
  auto zero = run_command("SLURM_PROCID=0 SLURM_NTASKS=4 " + k_sgmc + " node auto " + k_gauss +
                          " --master 127.0.0.1:0 --set protocol.kind=async");
  CHECK(zero.status == 2);
  CHECK(zero.output.find("needs a fixed port") != std::string::npos);
}
