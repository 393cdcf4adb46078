// Addresses, the node's actor system config, and connecting to a master without ever blocking
// for longer than asked: CAF's middleman connects with a blocking TCP connect inside its own
// actor (which an unreachable host can hold for minutes, and which then also holds up the
// actor system's shutdown), so a plain non-blocking connect with poll() goes first, retried
// while the master is not listening yet.
#include "node_net.hpp"
#include "sgmc/actors/wire.hpp"

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sgmc::actors {
namespace {

using clock_type = std::chrono::steady_clock;

unexpected bad_address(std::string_view text, std::string_view option, std::string_view why) {
  return make_error(errc::invalid_argument,
                    fmt::format("{} {}: {} (expected HOST:PORT, e.g. 127.0.0.1:7000)", option,
                                text.empty() ? "\"\"" : text, why));
}

// The numeric host of the local end of socket `fd` ("" if unknown).
std::string local_host_of(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  char host[NI_MAXHOST] = {};
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, nullptr, 0,
                    NI_NUMERICHOST) != 0)
    return "";
  return host;
}

// One non-blocking connect to `ai`, bounded by `deadline`; "" on success (with the local
// address in `local`), else why not.
std::string try_connect(const addrinfo& ai, clock_type::time_point deadline, std::string& local) {
  const int fd = ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK, ai.ai_protocol);
  if (fd < 0) return std::strerror(errno);
  std::string why;
  if (::connect(fd, ai.ai_addr, ai.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      why = std::strerror(errno);
    } else {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
      pollfd p{fd, POLLOUT, 0};
      const int n = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
      int err = 0;
      socklen_t len = sizeof(err);
      if (n == 0)
        why = "no answer (timed out)";
      else if (n < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        why = std::strerror(errno);
      else if (err != 0)
        why = std::strerror(err);
    }
  }
  if (why.empty()) local = local_host_of(fd);
  ::close(fd);
  return why;
}

// One round of TCP connects to every address of `a`; "" on success, else why not (`final`
// when trying again cannot help: the host name does not resolve).
std::string connect_once(const net_address& a, clock_type::time_point deadline, bool& final,
                         std::string& local) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const auto port = std::to_string(a.port);
  if (int rc = ::getaddrinfo(a.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    final = true;
    return ::gai_strerror(rc);
  }
  std::string why = "no address";
  for (auto* ai = res; ai != nullptr; ai = ai->ai_next) {
    why = try_connect(*ai, deadline, local);
    if (why.empty()) break;
  }
  ::freeaddrinfo(res);
  return why;
}

// A TCP connect to `a` before `deadline`, tried again every kRetry while refused (the master
// may start at the same time as its nodes); an error naming the address otherwise.
expected<void> probe(const net_address& a, clock_type::time_point deadline,
                     std::chrono::milliseconds timeout, std::string& local) {
  constexpr auto kRetry = std::chrono::milliseconds(200);
  std::string why;
  for (bool final = false;;) {
    why = connect_once(a, deadline, final, local);
    if (why.empty()) return {};
    if (final || clock_type::now() + kRetry >= deadline) break;
    std::this_thread::sleep_for(kRetry);
  }
  return make_error(errc::io,
                    fmt::format("cannot reach the master at {} within {:.1f} s: {} (is `sgmc node "
                                "master` running and listening there?)",
                                to_string(a), static_cast<double>(timeout.count()) / 1e3, why));
}

}  // namespace

std::string to_string(const net_address& a) {
  if (a.host.find(':') != std::string::npos) return fmt::format("[{}]:{}", a.host, a.port);
  return fmt::format("{}:{}", a.host, a.port);
}

expected<net_address> parse_address(std::string_view text, std::string_view option) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad_address(text, option, "no port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string_view::npos)
    return bad_address(text, option, "write an IPv6 host in brackets, [::1]:PORT");
  if (host.empty()) return bad_address(text, option, "no host");
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value > 65535)
    return bad_address(text, option, "the port must be a number from 0 to 65535");
  return net_address{std::string(host), static_cast<std::uint16_t>(value)};
}

std::uint64_t config_hash(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string hash_hex(std::uint64_t hash) { return fmt::format("{:016x}", hash); }

namespace detail {

node_config::node_config(unsigned threads, const node_options& o) {
  load<caf::io::middleman>();
  register_messages(*this);
  register_runtime_messages(*this);
  set("scheduler.policy", caf::atom("sharing"));
  set("scheduler.max-threads", static_cast<std::size_t>(threads));
  set("middleman.workers", std::size_t{0});
  set("logger.verbosity", caf::atom("quiet"));
  if (o.tls.enabled) {
    // Checked by check_tls() first: CAF loads them only at the first connection, and throws
    // there on a bad file or passphrase.
    load<caf::openssl::manager>();
    set("openssl.certificate", o.tls.certificate);
    set("openssl.key", o.tls.key);
    set("openssl.cafile", o.tls.ca);
    if (!o.tls.passphrase.empty()) set("openssl.passphrase", o.tls.passphrase);
  }
  if (o.heartbeat.count() > 0) {
    set("middleman.heartbeat-interval", caf::timespan{o.heartbeat});
    set("middleman.connection-timeout", caf::timespan{o.connection_timeout});
  }
}

log_fn serialized(log_fn f) {
  if (!f) return f;
  auto mutex = std::make_shared<std::mutex>();
  return [mutex, f = std::move(f)](const std::string& line) {
    std::lock_guard<std::mutex> lock(*mutex);
    f(line);
  };
}

std::string node_origin() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) std::strcpy(host, "?");
  return fmt::format("{} (pid {})", host, ::getpid());
}

expected<caf::actor> connect_gate(caf::actor_system& sys, const net_address& a,
                                  std::chrono::milliseconds timeout, std::string* local_host) {
  const auto deadline = clock_type::now() + timeout;
  std::string local;
  if (auto r = probe(a, deadline, timeout, local); !r) return unexpected(r.error());
  if (local_host != nullptr) *local_host = local;
  const auto left =
      std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()),
               std::chrono::milliseconds(100));
  expected<caf::actor> result = make_error(
      errc::timeout, fmt::format("no sgmc master answered at {} within {:.1f} s (is it an sgmc "
                                 "master of the same version?)",
                                 to_string(a), static_cast<double>(timeout.count()) / 1000.0));
  const bool tls = sys.has_openssl_manager();
  if (tls)
    result = make_error(
        errc::timeout,
        fmt::format("no TLS connection to an sgmc master at {} within {:.1f} s (is the master "
                    "running with cluster.tls = true, and are both nodes' certificates signed by "
                    "the same CA, cluster.ca?)",
                    to_string(a), static_cast<double>(timeout.count()) / 1000.0));
  // The OpenSSL module's middleman actor speaks TLS; it answers the same messages.
  const auto mm = tls ? sys.openssl_manager().actor_handle() : sys.middleman().actor_handle();
  caf::scoped_actor self{sys};
  self->request(mm, left, caf::connect_atom::value, a.host, a.port)
      .receive(
          [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
            if (ptr)
              result = caf::actor_cast<caf::actor>(std::move(ptr));
            else
              result = make_error(errc::protocol,
                                  fmt::format("{} answers but publishes no master", to_string(a)));
          },
          [&](caf::error& err) {
            if (err == caf::sec::request_timeout) return;  // the message above
            result = make_error(
                errc::io,
                fmt::format("cannot connect to the master at {}: {}{}", to_string(a),
                            sys.render(err),
                            tls ? " (the TLS handshake failed: are both nodes' certificates "
                                  "signed by the same CA, cluster.ca, and does the master run "
                                  "with cluster.tls = true?)"
                                : " (if the master runs with cluster.tls = true, this node "
                                  "needs it too)"));
          });
  return result;
}

}  // namespace detail
}  // namespace sgmc::actors
