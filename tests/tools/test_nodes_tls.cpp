// System tests of `sgmc node` with [cluster] tls = true (docs/cluster.md#tls): certificates made
// at test time by scripts/make-cluster-certs into a temporary folder; every node on 127.0.0.1.
// The last one runs every payload over the data channel's CURVE while strangers (a raw ZeroMQ
// peer without CURVE, one with a random CURVE key, raw TCP bytes) try the master's data port.
// Every wait is on an output line or a process exit, bounded.
#include "child_process.hpp"
#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>
#include <zmq.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
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

// A short async run of one worker; payloads in CAF's messages (over TLS).
const args k_run = {"--set", "protocol.kind=async",
                    "--set", "protocol.workers=1",
                    "--set", "run.steps=2000",
                    "--set", "run.burnin=100",
                    "--set", "cluster.data_channel=false",
                    "-q"};

// The TLS options of a node whose certificate is DIR/NAME.pem, trusting `ca`.
args tls(const std::string& dir, const std::string& name, const std::string& ca) {
  return {"--set", "cluster.tls=true",
          "--set", "cluster.certificate=" + dir + "/" + name + ".pem",
          "--set", "cluster.key=" + dir + "/" + name + ".key",
          "--set", "cluster.ca=" + ca};
}

args concat(args a, const args& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::unique_ptr<child_process> start(const std::string& role, const args& extra) {
  return std::make_unique<child_process>(concat({k_sgmc, "node", role, k_gauss}, extra));
}

// Makes certificates for `hosts` in `dir` (a CA of its own per folder).
void make_certs(const std::string& dir, const std::string& hosts) {
  auto r = run_command(k_certs + " " + dir + " " + hosts);
  INFO(r.output);
  REQUIRE(r.status == 0);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// VmRSS of process `pid` in kB (-1 if unknown).
long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// Connects to 127.0.0.1:port, sends one 32-byte BASP header (a client handshake claiming a
// payload of 4 GiB - 1 bytes) and waits up to `wait` for the peer to close; true if it closed.
bool send_huge_basp_header(int port, std::chrono::milliseconds wait) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  unsigned char header[32] = {};
  header[0] = 0x01;                                                     // client_handshake
  std::fill(header + 4, header + 8, static_cast<unsigned char>(0xff));  // payload_len
  REQUIRE(::send(fd, header, sizeof header, MSG_NOSIGNAL) == 32);
  bool closed = false;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    closed = n <= 0;
  }
  ::close(fd);
  return closed;
}

// A short async run of one worker with every payload on the data channel (CURVE under TLS).
const args k_curve_run = {"--set", "protocol.kind=async",
                          "--set", "protocol.workers=1",
                          "--set", "run.steps=2000",
                          "--set", "run.burnin=100",
                          "--set", "cluster.data_channel=true",
                          "--set", "cluster.data_channel_min_bytes=0",
                          "-q"};

// A CURVE-run node of role `name` whose certificate is DIR/NAME.pem.
std::unique_ptr<child_process> start_curve(const std::string& dir, const std::string& name,
                                           const args& extra) {
  return start(name, concat(concat(k_curve_run, tls(dir, name, dir + "/ca.pem")), extra));
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

// Waits for the three nodes of a run and checks that each ended with code 0 and the master
// ran all of gaussian-2d's 2000 versions.
void check_completed(child_process& master, child_process& worker, child_process& collector) {
  const int m = master.wait_exit(k_run_timeout);
  const int w = worker.wait_exit(k_run_timeout);
  const int c = collector.wait_exit(k_run_timeout);
  INFO(master.output() << "---\n" << worker.output() << "---\n" << collector.output());
  CHECK(m == 0);
  CHECK(w == 0);
  CHECK(c == 0);
  CHECK(master.output().find("sgmc: done: versions 2000") != std::string::npos);
}

}  // namespace

TEST_CASE("make-cluster-certs makes a CA and a certificate per host that it signed",
          "[system][nodes][tls]") {
  tmp_dir dir("tls-certs");
  const auto d = dir.file("certs");
  make_certs(d, "node-a 127.0.0.1");
  for (const auto* host : {"node-a", "127.0.0.1"}) {
    const std::string pem = d + "/" + host + ".pem";
    auto v = run_command("openssl verify -CAfile " + d + "/ca.pem " + pem);
    INFO(v.output);
    CHECK(v.status == 0);
    auto text = run_command("openssl x509 -noout -ext subjectAltName -in " + pem);
    INFO(text.output);
    CHECK(text.output.find(std::string(host) == "node-a" ? "DNS:node-a" : "IP Address:127.0.0.1") !=
          std::string::npos);
    CHECK(std::filesystem::exists(d + "/" + host + ".key"));
  }
  CHECK(run_command(k_certs + " " + d).status == 2);  // no host
}

TEST_CASE("a TLS cluster runs with each node's own certificate and refuses other CAs' nodes",
          "[system][nodes][tls]") {
  tmp_dir dir("tls-run");
  const auto good = dir.file("good");
  const auto rogue = dir.file("rogue");
  make_certs(good, "master worker collector");
  make_certs(rogue, "worker");
  const std::string ca = good + "/ca.pem";
  // The master's key encrypted: CAF's OpenSSL module gets the passphrase.
  REQUIRE(run_command("openssl pkey -in " + good +
                      "/master.key -aes256 -passout pass:s3cret -out " + good + "/master-enc.key")
              .status == 0);
  const std::string out = dir.file("out");
  auto master = start(
      "master",
      concat(k_run, {"--listen", "127.0.0.1:0", "--wait", "25", "--out", out, "--set",
                     "cluster.tls=true", "--set", "cluster.certificate=" + good + "/master.pem",
                     "--set", "cluster.key=" + good + "/master-enc.key", "--set",
                     "cluster.passphrase=s3cret", "--set", "cluster.ca=" + ca}));
  auto line = master->wait_for_line("master listening on ", k_line_timeout);
  INFO(master->output());
  REQUIRE(line);
  const auto address = line->substr(line->rfind(' ') + 1);

  // A worker with a certificate of another CA (which it trusts): refused in the handshake.
  auto intruder =
      start("worker", concat(concat(k_run, {"--connect", address, "--timeout", "5", "--out", out}),
                             tls(rogue, "worker", rogue + "/ca.pem")));
  CHECK(intruder->wait_exit(k_run_timeout) == 2);
  INFO(intruder->output());
  CHECK(intruder->output().find("sgmc: error: cannot connect to the master at " + address) !=
        std::string::npos);
  CHECK(intruder->output().find("the TLS handshake failed") != std::string::npos);
  // One that trusts both CAs, so that only the master's check of its certificate stops it.
  const auto both = dir.file("both.pem");
  REQUIRE(run_command("cat " + ca + " " + rogue + "/ca.pem > " + both).status == 0);
  auto sly =
      start("worker", concat(concat(k_run, {"--connect", address, "--timeout", "5", "--out", out}),
                             tls(rogue, "worker", both)));
  CHECK(sly->wait_exit(k_run_timeout) == 2);
  INFO(sly->output());
  CHECK(sly->output().find("sgmc: error: cannot connect to the master at " + address) !=
        std::string::npos);
  CHECK(sly->output().find("the TLS handshake failed") != std::string::npos);
  // A node without TLS cannot join either.
  auto plain =
      start("worker", concat(k_run, {"--connect", address, "--timeout", "5", "--out", out}));
  CHECK(plain->wait_exit(k_run_timeout) == 2);
  INFO(plain->output());
  CHECK(plain->output().find("sgmc: error: cannot connect to the master at " + address) !=
        std::string::npos);

  // The master noticed none of them and runs the real nodes to the end.
  auto worker = start("worker", concat(concat(k_run, {"--connect", address, "--out", out}),
                                       tls(good, "worker", ca)));
  auto collector = start("collector", concat(concat(k_run, {"--connect", address, "--out", out}),
                                             tls(good, "collector", ca)));
  check_completed(*master, *worker, *collector);
  CHECK(collector->output().find("collector: done: ") != std::string::npos);
  // The nodes' TLS keys differ and stay out of the config hash; the passphrase stays out of
  // the resolved config.
  const auto resolved = read_text(out + "/config.toml");
  CHECK(resolved.find("s3cret") == std::string::npos);
  CHECK(resolved.find("passphrase = \"\"") != std::string::npos);
}

TEST_CASE("a BASP header claiming 4 GiB sent to a TLS master's port allocates nothing",
          "[system][nodes][tls]") {
  tmp_dir dir("tls-basp");
  const auto certs = dir.file("certs");
  make_certs(certs, "master");
  auto master = start(
      "master",
      concat(concat(k_run, {"--listen", "127.0.0.1:0", "--wait", "20", "--out", dir.file("out")}),
             tls(certs, "master", certs + "/ca.pem")));
  auto line = master->wait_for_line("master listening on ", k_line_timeout);
  INFO(master->output());
  REQUIRE(line);
  const int port = std::stoi(line->substr(line->rfind(':') + 1));
  const long before = rss_kb(master->pid());
  REQUIRE(before > 0);
  // Not TLS: the master ends the handshake at once and never reads a BASP header.
  CHECK(send_huge_basp_header(port, 5s));
  std::this_thread::sleep_for(200ms);  // give an allocation, if any, time to show
  const long after = rss_kb(master->pid());
  INFO("VmRSS before " << before << " kB, after " << after << " kB");
  CHECK(after - before < 64 * 1024);
  // TLS clients that send the header as soon as their side of the handshake is done: one
  // without a certificate, one with a certificate of another CA (it trusts both CAs, so only
  // the master's check can stop it). Both are refused before a byte of BASP is read.
  const std::string client = "/usr/bin/python3 " + std::string(SGMC_SOURCE_DIR) +
                             "/tests/tools/tls_basp_client.py " + std::to_string(port) + " ";
  const auto other = dir.file("other");
  make_certs(other, "intruder");
  const auto both = dir.file("both.pem");
  REQUIRE(run_command("cat " + certs + "/ca.pem " + other + "/ca.pem > " + both).status == 0);
  for (const auto& who :
       {certs + "/ca.pem", both + " " + other + "/intruder.pem " + other + "/intruder.key"}) {
    auto r = run_command(client + who);
    const long now = rss_kb(master->pid());
    INFO(who << ": " << r.output << "VmRSS before " << before << " kB, now " << now << " kB");
    CHECK(r.status == 0);
    CHECK(r.output.find("refused") != std::string::npos);
    CHECK(now - before < 64 * 1024);
  }
  // (The same client with a certificate of the cluster's CA passes, and then the master does
  // reserve the claimed 4 GiB: TLS keeps out who has no certificate, nothing more.)
  // Without TLS the same header makes CAF 0.17 reserve the claimed payload (1.86 GB of
  // VmRSS measured): docs/cluster.md#tls.
  master->signal(SIGTERM);
  master->wait_exit(k_run_timeout);
}

TEST_CASE("bad TLS settings stop a node at once with one line naming the file",
          "[system][nodes][tls]") {
  tmp_dir dir("tls-bad");
  const auto d = dir.file("certs");
  const auto other = dir.file("other");
  make_certs(d, "a b");
  make_certs(other, "c");
  REQUIRE(run_command("openssl pkey -in " + d + "/a.key -aes256 -passout pass:right -out " + d +
                      "/a-enc.key")
              .status == 0);
  const std::string base = "master " + k_gauss +
                           " --listen 127.0.0.1:0 --wait 1 --set protocol.kind=async "
                           "--set cluster.tls=true ";
  auto files = [&](const std::string& cert, const std::string& key, const std::string& ca) {
    return "--set cluster.certificate=" + cert + " --set cluster.key=" + key +
           " --set cluster.ca=" + ca;
  };
  struct bad_case {
    std::string args;
    std::string message;
  };
  const bad_case cases[] = {
      {"", "cluster.tls = true needs cluster.certificate"},
      {files(d + "/a.pem", d + "/missing.key", d + "/ca.pem"),
       "cluster.key " + d + "/missing.key: cannot read it"},
      {files(d + "/a.pem", d + "/b.key", d + "/ca.pem"), "does not belong to cluster.certificate"},
      {files(d + "/a.pem", d + "/a.pem", d + "/ca.pem"), "not a PEM private key"},
      {files(other + "/c.pem", other + "/c.key", d + "/ca.pem"),
       "does not verify against cluster.ca " + d + "/ca.pem"},
      {files(d + "/a.pem", d + "/a-enc.key", d + "/ca.pem"),
       "is encrypted: set cluster.passphrase"},
      {files(d + "/a.pem", d + "/a-enc.key", d + "/ca.pem") + " --set cluster.passphrase=wrong",
       "cannot decrypt it with cluster.passphrase"},
  };
  for (const auto& c : cases) {
    auto r = run_command(k_sgmc + " node " + base + c.args);
    INFO(c.args << "\n→ " << r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find("sgmc: error: ") == 0);
    CHECK(r.output.find(c.message) != std::string::npos);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  }
}

TEST_CASE("without TLS a master listens on loopback unless told, and warns beyond it",
          "[system][nodes][tls]") {
  // No --listen: 127.0.0.1, no warning.
  auto local = start("master", {"--wait", "1", "--set", "protocol.kind=async"});
  auto line = local->wait_for_line("master listening on ", k_line_timeout);
  INFO(local->output());
  REQUIRE(line);
  CHECK(line->find("master listening on 127.0.0.1:") != std::string::npos);
  CHECK(local->wait_exit(k_run_timeout) == 2);  // nobody came
  CHECK(local->output().find("warning") == std::string::npos);
  // Another address (TEST-NET-1, on no interface here: nothing is exposed): the warning comes
  // first, then the master cannot listen.
  auto r = run_command(k_sgmc + " node master " + k_gauss +
                       " --listen 192.0.2.1:0 --wait 1 --set protocol.kind=async");
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(r.output.find("sgmc: warning: listening on 192.0.2.1:0 without TLS: anyone who can reach "
                      "this port can join the run") == 0);
  // A worker connecting beyond loopback without TLS warns likewise (and then finds no master).
  auto w = run_command(k_sgmc + " node worker " + k_gauss +
                       " --connect 192.0.2.1:7000 --timeout 1 --set protocol.kind=async");
  INFO(w.output);
  CHECK(w.status == 2);
  CHECK(w.output.find("sgmc: warning: connecting to 192.0.2.1:7000 without TLS: ") == 0);
}

TEST_CASE(
    "a TLS cluster carries every payload over CURVE and strangers at its data port file "
    "nothing",
    "[system][nodes][tls]") {
  tmp_dir dir("tls-curve");
  const auto certs = dir.file("certs");
  make_certs(certs, "master worker collector");
  const std::string out = dir.file("out");
  auto master =
      start_curve(certs, "master", {"--listen", "127.0.0.1:0", "--wait", "25", "--out", out});
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
  auto worker = start_curve(certs, "worker", connect);
  auto collector = start_curve(certs, "collector", connect);
  check_completed(*master, *worker, *collector);
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
