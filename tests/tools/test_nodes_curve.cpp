// System test of `sgmc node` with [cluster] tls = true and the data channel on
// (docs/cluster.md#tls): every payload travels over CURVE, and strangers at the master's data
// port (a raw ZeroMQ peer without CURVE, one with a random CURVE key, raw TCP bytes) file nothing
// and leave the master's memory and the run alone. Every node on 127.0.0.1; every wait bounded.
#include "child_process.hpp"
#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>
#include <zmq.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using sgmc::test::run_command;
using sgmc::test::tmp_dir;
using sgmc::tools::test::child_process;
using namespace std::chrono_literals;

namespace {

const std::string k_sgmc = SGMC_BINARY;
const std::string k_gauss = std::string(SGMC_SOURCE_DIR) + "/examples/gaussian-2d.toml";
const std::string k_certs = std::string(SGMC_SOURCE_DIR) + "/scripts/make-cluster-certs";
#ifdef SGMC_SANITIZED
constexpr auto k_run_timeout = 120s;
#else
constexpr auto k_run_timeout = 30s;
#endif
constexpr auto k_line_timeout = 15s;

using args = std::vector<std::string>;

// A short async run of one worker, every payload over the data channel.
const args k_run = {"--set", "protocol.kind=async",
                    "--set", "protocol.workers=1",
                    "--set", "run.steps=2000",
                    "--set", "run.burnin=100",
                    "--set", "cluster.data_channel=true",
                    "--set", "cluster.data_channel_min_bytes=0",
                    "-q"};

args node_args(const std::string& dir, const std::string& name, args extra) {
  args a = {k_sgmc, "node", name == "master" ? "master" : name, k_gauss};
  a.insert(a.end(), k_run.begin(), k_run.end());
  for (const auto& s : {"--set", ("cluster.tls=true"), "--set"}) a.push_back(s);
  a.push_back("cluster.certificate=" + dir + "/" + name + ".pem");
  a.push_back("--set");
  a.push_back("cluster.key=" + dir + "/" + name + ".key");
  a.push_back("--set");
  a.push_back("cluster.ca=" + dir + "/ca.pem");
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// The TCP ports process `pid` listens on (its sockets' inodes matched in /proc/net/tcp*).
std::set<int> listening_ports(pid_t pid) {
  namespace fs = std::filesystem;
  std::set<std::string> inodes;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    const auto target = fs::read_symlink(e.path(), ec).string();
    if (target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  std::set<int> ports;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the column names
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string sl, local, remote, state, queues, timer, retr, uid, timeout, inode;
      f >> sl >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode;
      if (state == "0A" && inodes.count(inode) > 0)
        ports.insert(std::stoi(local.substr(local.rfind(':') + 1), nullptr, 16));
    }
  }
  return ports;
}

// A stranger sends 16 well-formed 4 MiB payload frames to tcp://127.0.0.1:port: plain, or over
// CURVE with random keys (it does not know the node's public key).
void send_frames(zmq::context_t& ctx, int port, bool curve) {
  zmq::socket_t s(ctx, zmq::socket_type::push);
  s.set(zmq::sockopt::linger, 0);
  if (curve) {
    char pub[41], sec[41], server[41], unused[41];
    REQUIRE(zmq_curve_keypair(pub, sec) == 0);
    REQUIRE(zmq_curve_keypair(server, unused) == 0);
    s.set(zmq::sockopt::curve_serverkey, server);
    s.set(zmq::sockopt::curve_publickey, pub);
    s.set(zmq::sockopt::curve_secretkey, sec);
  }
  s.connect("tcp://127.0.0.1:" + std::to_string(port));
  const std::string body(std::size_t{4} << 20, 'x');
  for (std::uint64_t t = 1; t <= 16; ++t) {
    std::string h(32, '\0');
    const std::uint32_t magic = 0x43444753u, version = 1;
    const std::uint64_t channel = 0xbad, n = body.size() / 4;
    std::memcpy(h.data(), &magic, 4);
    std::memcpy(h.data() + 4, &version, 4);
    std::memcpy(h.data() + 8, &channel, 8);
    std::memcpy(h.data() + 16, &t, 8);
    std::memcpy(h.data() + 24, &n, 8);
    if (!s.send(zmq::buffer(h), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) break;
    (void)s.send(zmq::buffer(body), zmq::send_flags::dontwait);
  }
  std::this_thread::sleep_for(300ms);  // the handshake's time to be tried and refused
}

// Raw bytes: a ZeroMQ greeting's signature claiming a huge frame, then junk.
void send_junk(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    std::string junk(1u << 16, '\xff');
    (void)::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
    std::this_thread::sleep_for(100ms);
  }
  ::close(fd);
}

// The line "... data channel tcp://...: sent ..." of a node's output ("" if none).
std::string channel_line(const std::string& out) {
  const auto at = out.find("data channel tcp://");
  if (at == std::string::npos) return {};
  return out.substr(at, out.find('\n', at) - at);
}

}  // namespace

TEST_CASE(
    "a TLS cluster carries every payload over CURVE and strangers at its data port file "
    "nothing",
    "[system][nodes][tls]") {
  tmp_dir dir("tls-curve");
  const auto certs = dir.file("certs");
  {
    auto r = run_command(k_certs + " " + certs + " master worker collector");
    INFO(r.output);
    REQUIRE(r.status == 0);
  }
  const std::string out = dir.file("out");
  auto master = std::make_unique<child_process>(
      node_args(certs, "master", {"--listen", "127.0.0.1:0", "--wait", "25", "--out", out}));
  auto line = master->wait_for_line("master listening on ", k_line_timeout);
  INFO(master->output());
  REQUIRE(line);
  const int caf_port = std::stoi(line->substr(line->rfind(':') + 1));
  auto ports = listening_ports(master->pid());
  ports.erase(caf_port);
  REQUIRE_FALSE(ports.empty());  // the data channel's (and the live trace's, if any)

  const long before = rss_kb(master->pid());
  REQUIRE(before > 0);
  {
    zmq::context_t ctx;
    for (int port : ports) {
      send_frames(ctx, port, false);
      send_frames(ctx, port, true);
      send_junk(port);
    }
  }
  std::this_thread::sleep_for(200ms);
  const long after = rss_kb(master->pid());
  INFO("VmRSS before " << before << " kB, after " << after << " kB");
  CHECK(after - before < 32 * 1024);  // 128 MiB were offered

  const args connect = {"--connect", line->substr(line->rfind(' ') + 1), "--out", out};
  auto worker = std::make_unique<child_process>(node_args(certs, "worker", connect));
  auto collector = std::make_unique<child_process>(node_args(certs, "collector", connect));
  const int m = master->wait_exit(k_run_timeout);
  const int w = worker->wait_exit(k_run_timeout);
  const int c = collector->wait_exit(k_run_timeout);
  INFO(master->output() << "---\n" << worker->output() << "---\n" << collector->output());
  CHECK(m == 0);
  CHECK(w == 0);
  CHECK(c == 0);
  CHECK(master->output().find("sgmc: done: versions 2000") != std::string::npos);
  // Every node's channel is a CURVE server that carried payloads and refused, rejected and
  // dropped nothing (the strangers never got past the handshake).
  const std::regex counts(
      "sent ([0-9]+) payloads? \\([0-9.]+ MB\\), received ([0-9]+) "
      "\\([0-9.]+ MB\\), (copied [0-9]+ unaligned payloads?, )?CURVE$");
  for (const auto* p : {master.get(), worker.get(), collector.get()}) {
    const auto l = channel_line(p->output());
    INFO(l);
    std::smatch sm;
    REQUIRE(std::regex_search(l, sm, counts));
    CHECK(std::stol(sm[1].str()) + std::stol(sm[2].str()) > 0);
    CHECK(p->output().find("warning") == std::string::npos);
  }
  CHECK(std::stol([&] {
          std::smatch sm;
          const auto l = channel_line(master->output());
          std::regex_search(l, sm, counts);
          return sm[2].str();
        }()) >= 2000);  // every push reached the master over CURVE
}
