#include "sgmc/engine/checkpoint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace sgmc::engine {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "SGMCCKPT";
constexpr std::uint32_t kFormat = 2;
constexpr std::uint32_t kFormatOne = 1;  // before elastic: no exchanged, no worker chains
constexpr std::uint8_t kPending = 1;
constexpr std::uint8_t kFinished = 2;
constexpr std::size_t kPrefix = 8 + 4 + 8;  // magic, format, payload length
constexpr std::size_t kChecksum = 8;

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// Little-endian writer and reader of the payload (this build's targets are little-endian).
class put {
 public:
  template <class T>
  void value(T x) {
    out_.append(reinterpret_cast<const char*>(&x), sizeof(T));
  }
  void text(std::string_view s) {
    value<std::uint64_t>(s.size());
    out_.append(s);
  }
  void floats(std::span<const float> v) {
    value<std::uint64_t>(v.size());
    out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  }
  void counts(std::span<const std::uint64_t> v) {
    value(static_cast<std::uint32_t>(v.size()));
    for (auto n : v) value(n);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class get {
 public:
  explicit get(std::string_view in) : in_(in) {}
  template <class T>
  bool value(T& x) {
    if (in_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(&x, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool text(std::string& s) {
    std::uint64_t n = 0;
    if (!value(n) || n > in_.size() - pos_) return false;
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool floats(std::vector<float>& v) {
    std::uint64_t n = 0;
    if (!value(n) || n > (in_.size() - pos_) / sizeof(float)) return false;
    v.resize(n);
    if (n > 0) std::memcpy(v.data(), in_.data() + pos_, n * sizeof(float));  // data() may be null
    pos_ += n * sizeof(float);
    return true;
  }
  template <class T>
  bool counts(std::vector<T>& v) {
    std::uint32_t n = 0;
    if (!value(n) || n > (in_.size() - pos_) / sizeof(T)) return false;
    v.resize(n);
    for (auto& x : v) value(x);
    return true;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

bool decode_shard(get& in, protocols::master_state& s, std::uint32_t format) {
  return in.value(s.version) && in.value(s.potential) && in.floats(s.theta) &&
         in.floats(s.kernel_state) && (format == kFormatOne || in.counts(s.exchanged));
}

void encode_chain(put& p, const protocols::worker_chain& c) {
  p.floats(c.theta);
  p.floats(c.kernel_state);
  p.value(c.local_steps);
  p.value(c.computed);
  p.floats(c.centre);
  p.counts(c.centre_versions);
  p.value(static_cast<std::uint8_t>((c.pending ? kPending : 0) | (c.finished ? kFinished : 0)));
}

bool decode_chain(get& in, protocols::worker_chain& c) {
  std::uint8_t flags = 0;
  if (!in.floats(c.theta) || !in.floats(c.kernel_state) || !in.value(c.local_steps) ||
      !in.value(c.computed) || !in.floats(c.centre) || !in.counts(c.centre_versions) ||
      !in.value(flags) || flags > (kPending | kFinished))
    return false;
  c.pending = (flags & kPending) != 0;
  c.finished = (flags & kFinished) != 0;
  return true;
}

std::string line_at(std::string_view text, std::size_t line) {
  std::istringstream in{std::string(text)};
  std::string s;
  for (std::size_t i = 0; i <= line; ++i)
    if (!std::getline(in, s)) return "(end of file)";
  return s;
}

}  // namespace

std::vector<float> checkpoint::theta() const {
  std::vector<float> t;
  for (const auto& s : shards) t.insert(t.end(), s.theta.begin(), s.theta.end());
  return t;
}

std::uint64_t draws_at(const protocols::run_length& run, protocols::version_t v) {
  return v > run.burnin ? (v - run.burnin) / run.thin : 0;
}

std::string encode_checkpoint(const checkpoint& c) {
  put p;
  p.value(c.config_hash);
  p.text(c.config);
  p.value(static_cast<std::uint32_t>(c.shards.size()));
  for (const auto& s : c.shards) {
    p.value(s.version);
    p.value(s.potential);
    p.floats(s.theta);
    p.floats(s.kernel_state);
    p.counts(s.exchanged);
  }
  p.counts(c.computed);
  p.counts(c.draws);
  p.value(static_cast<std::uint32_t>(c.chains.size()));
  for (const auto& w : c.chains) encode_chain(p, w);
  const std::string payload = p.take();
  put file;
  std::string out(kMagic);
  file.value(kFormat);
  file.value<std::uint64_t>(payload.size());
  out += file.take();
  out += payload;
  put sum;
  sum.value(fnv1a(payload));
  out += sum.take();
  return out;
}

expected<checkpoint> decode_checkpoint(std::string_view bytes, const std::string& source) {
  auto bad = [&](const std::string& why) {
    return make_error(errc::invalid_data, fmt::format("checkpoint {}: {}", source, why));
  };
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic)
    return bad("not an sgmc checkpoint (no SGMCCKPT magic)");
  get head(bytes.substr(kMagic.size()));
  std::uint32_t format = 0;
  std::uint64_t length = 0;
  if (!head.value(format) || !head.value(length)) return bad("truncated header");
  if (format != kFormat && format != kFormatOne)
    return bad(fmt::format("format version {}, this sgmc reads versions {} and {}", format,
                           kFormatOne, kFormat));
  if (bytes.size() != kPrefix + length + kChecksum)
    return bad(fmt::format("truncated or padded: {} bytes, the header announces {}", bytes.size(),
                           kPrefix + length + kChecksum));
  const auto payload = bytes.substr(kPrefix, length);
  std::uint64_t sum = 0;
  std::memcpy(&sum, bytes.data() + kPrefix + length, sizeof sum);
  if (sum != fnv1a(payload)) return bad("checksum mismatch (the file is corrupt)");
  checkpoint c;
  get in(payload);
  std::uint32_t shards = 0;
  if (!in.value(c.config_hash) || !in.text(c.config) || !in.value(shards))
    return bad("malformed payload");
  if (shards == 0 || shards > length) return bad("malformed payload (shard count)");
  c.shards.resize(shards);
  for (auto& s : c.shards)
    if (!decode_shard(in, s, format)) return bad("malformed payload (shard state)");
  if (!in.counts(c.computed) || !in.counts(c.draws)) return bad("malformed payload (counts)");
  if (format != kFormatOne) {
    std::uint32_t chains = 0;
    if (!in.value(chains) || chains > length) return bad("malformed payload (worker chains)");
    c.chains.resize(chains);
    for (auto& w : c.chains)
      if (!decode_chain(in, w)) return bad("malformed payload (worker chain)");
  }
  if (!in.done()) return bad("malformed payload (trailing bytes)");
  return c;
}

expected<void> write_checkpoint(const fs::path& path, const checkpoint& c) {
  const std::string bytes = encode_checkpoint(c);
  auto tmp = path;
  tmp += ".tmp";
  auto fail = [&](int err) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return make_error(
        errc::io, fmt::format("cannot write checkpoint {}: {}", path.string(), std::strerror(err)));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      return fail(err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return fail(err);
  }
  if (::close(fd) != 0) return fail(errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(errno);
  // The rename is durable once the folder is.
  const auto dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

expected<checkpoint> read_checkpoint(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(errc::io, fmt::format("cannot read checkpoint {}: {}", path.string(),
                                            std::strerror(errno)));
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return decode_checkpoint(bytes, path.string());
}

expected<void> check_config(const checkpoint& c, std::string_view config, std::uint64_t config_hash,
                            const std::string& source) {
  if (c.config_hash == config_hash && c.config == config) return {};
  std::size_t line = 0;
  for (std::size_t i = 0; i < std::min(c.config.size(), config.size()); ++i) {
    if (c.config[i] != config[i]) break;
    if (config[i] == '\n') ++line;
  }
  return make_error(errc::invalid_config,
                    fmt::format("checkpoint {} belongs to another config: it has `{}` where this "
                                "config has `{}` (line {} of config.toml)",
                                source, line_at(c.config, line), line_at(config, line), line + 1));
}

checkpoint_writer::checkpoint_writer(fs::path path, std::string config, std::uint64_t config_hash,
                                     protocols::run_length run, std::uint32_t chains,
                                     std::uint32_t shards, bool worker_chains)
    : path_(std::move(path)),
      config_(std::move(config)),
      hash_(config_hash),
      run_(run),
      chains_(chains),
      shards_(std::max<std::uint32_t>(1, shards)),
      parts_(shards_),
      worker_chains_(worker_chains),
      chains_parts_(worker_chains ? chains : 0),
      done_draws_(worker_chains ? chains : 0) {}

expected<void> checkpoint_writer::write(const checkpoint_request& r) const {
  if (worker_chains_) {
    if (r.shard != 0 || shards_ != 1)
      return make_error(errc::protocol,
                        "an elastic checkpoint part of a master shard other than "
                        "the one shard");
    if (r.state.version < id_) return {};  // an older one, late
    id_ = r.state.version;
    parts_[0] = r;
    return try_write_chains();
  }
  if (r.shard >= shards_)
    return make_error(errc::protocol, fmt::format("a checkpoint part of master shard {} (the run "
                                                  "has {} shards)",
                                                  r.shard, shards_));
  // A part of a newer version than the parts kept: those will never be completed.
  for (auto& p : parts_)
    if (p && p->state.version < r.state.version) p.reset();
  auto& mine = parts_[r.shard];
  if (mine && mine->state.version > r.state.version) return {};  // an older one, late
  mine = r;
  for (const auto& p : parts_)
    if (!p || p->state.version != r.state.version) return {};
  checkpoint c;
  c.config_hash = hash_;
  c.config = config_;
  for (auto& p : parts_) {
    c.shards.push_back(std::move(p->state));
    // Every shard counts the pushes it saw; the workers push to every shard alike.
    c.computed.resize(std::max(c.computed.size(), p->computed.size()), 0);
    for (std::size_t i = 0; i < p->computed.size(); ++i)
      c.computed[i] = std::max(c.computed[i], p->computed[i]);
    p.reset();
  }
  c.draws.assign(chains_, draws_at(run_, r.state.version));
  return write_checkpoint(path_, c);
}

}  // namespace sgmc::engine

namespace sgmc::engine {

expected<void> checkpoint_writer::write_chain(const chain_part& p) const {
  if (!worker_chains_ || p.worker >= chains_parts_.size())
    return make_error(errc::protocol,
                      fmt::format("a checkpoint chain of worker {} (the run checkpoints {} worker "
                                  "chains)",
                                  p.worker, chains_parts_.size()));
  if (p.id < id_) return {};  // a part of a checkpoint that was overtaken
  id_ = p.id;
  chains_parts_[p.worker] = p;
  return try_write_chains();
}

expected<void> checkpoint_writer::worker_done(protocols::worker_id w, std::uint64_t draws) const {
  if (!worker_chains_ || w >= done_draws_.size()) return {};
  if (!done_draws_[w]) done_draws_[w] = draws;
  return try_write_chains();
}

// Writes the checkpoint id_ once the master's part and every worker's chain (or its end) of
// that id are here.
expected<void> checkpoint_writer::try_write_chains() const {
  auto& master = parts_[0];
  if (!master || master->state.version != id_) return {};
  for (std::size_t i = 0; i < chains_parts_.size(); ++i)
    if (!done_draws_[i] && !(chains_parts_[i] && chains_parts_[i]->id == id_)) return {};
  checkpoint c;
  c.config_hash = hash_;
  c.config = config_;
  c.shards.push_back(std::move(master->state));
  master.reset();
  auto& centre = c.shards[0];
  const std::size_t workers = chains_parts_.size();
  centre.exchanged.resize(std::max(centre.exchanged.size(), workers), 0);
  for (std::size_t i = 0; i < workers; ++i) {
    protocols::worker_chain w;
    std::uint64_t draws = 0;
    if (chains_parts_[i] && chains_parts_[i]->id == id_) {
      w = std::move(chains_parts_[i]->chain);
      draws = draws_at(run_, w.local_steps);
      // An exchange the worker had sent (pending, or a finished chain's last): settled if the
      // master had applied it at its cut (the chain holds the centre the master then held),
      // sent again on resume otherwise.
      if (w.pending || w.finished) {
        if (centre.exchanged[i] >= w.local_steps) {
          w.pending = false;
          if (!w.finished) {
            w.centre = centre.theta;
            w.centre_versions.assign(1, centre.version);
          }
        } else {
          w.pending = true;
        }
      }
      // A centre newer than the cut's (the worker's exchanges after the master's cut were
      // answered before its own): the master will not have it, and would take the next
      // exchange, built on it, for one from the future. The chain takes the cut's centre.
      if (!w.finished && std::any_of(w.centre_versions.begin(), w.centre_versions.end(),
                                     [&](protocols::version_t v) { return v > centre.version; })) {
        w.centre = centre.theta;
        w.centre_versions.assign(1, centre.version);
      }
    } else {
      // Done before its answer (its node may have ended): its chain is over; its last exchange
      // counts as applied so that the master does not wait for it.
      draws = *done_draws_[i];
      w.finished = true;
      w.local_steps = run_.steps;
      centre.exchanged[i] = std::max(centre.exchanged[i], run_.steps);
    }
    chains_parts_[i].reset();
    c.computed.push_back(w.computed);
    c.draws.push_back(draws);
    c.chains.push_back(std::move(w));
  }
  return write_checkpoint(path_, c);
}

}  // namespace sgmc::engine
