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

void encode_shard(put& p, const protocols::master_state& s) {
  p.value(s.version);
  p.value(s.potential);
  p.floats(s.theta);
  p.floats(s.kernel_state);
  p.counts(s.exchanged);
}

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
  for (const auto& s : c.shards) encode_shard(p, s);
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

}  // namespace sgmc::engine
