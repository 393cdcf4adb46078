// Reads trace files of versions 1 and 2 (trace_format.hpp), strictly: every byte is checked,
// and the first thing wrong is reported with the file, its byte offset and what it is. The
// file is read in large chunks and decoded in one tight loop (the rare failing record is
// explained by a slow path), so that tools summarise traces at disk or page-cache speed.
#include "trace_format.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/mman.h>

namespace sgmc::engine {
namespace {

namespace tf = trace_format;

struct file_closer {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

unexpected bad(const std::filesystem::path& path, std::uint64_t offset, const std::string& what) {
  return make_error(errc::invalid_data,
                    "trace " + path.string() + ": byte " + std::to_string(offset) + ": " + what);
}

std::string str(std::uint64_t x) { return std::to_string(x); }

// The byte offset of the first byte of `p` (a header of `size` bytes) that differs from the
// magic, or 8 when it all matches.
std::size_t magic_mismatch(const unsigned char* p, std::size_t size) {
  for (std::size_t i = 0; i < std::min<std::size_t>(size, 8); ++i)
    if (p[i] != tf::kMagic[i]) return i;
  return 8;
}

// Validates the header in `head` (the file's first bytes, `size` the file's size); fills `out`
// and returns the header's length.
expected<std::size_t> read_header(const std::filesystem::path& path, const unsigned char* head,
                                  std::size_t have, std::uint64_t size, trace_file& out) {
  if (magic_mismatch(head, have) < std::min<std::size_t>(have, 8))
    return bad(path, magic_mismatch(head, have), "not an sgmc trace (bad magic)");
  if (size < tf::kCommonHeaderBytes) {
    return bad(path, size,
               "truncated header (" + str(size) + " bytes; a header has at least " +
                   str(tf::kCommonHeaderBytes) + ")");
  }
  const std::uint32_t version = tf::get_u32(head + 8);
  if (version != 1 && version != 2) {
    return bad(path, 8,
               "unknown format version " + str(version) + " (this build reads versions 1 and 2)");
  }
  out.format_version = version;
  const std::uint32_t header_bytes = tf::get_u32(head + 12);
  const std::uint32_t record_bytes = tf::get_u32(head + 16);
  const std::uint32_t node_bytes = tf::get_u32(head + 20);
  if (record_bytes != tf::record_bytes(version)) {
    return bad(path, 16,
               "record size " + str(record_bytes) + ", version " + str(version) + " has " +
                   str(tf::record_bytes(version)));
  }
  if (node_bytes > tf::kMaxNodeBytes) {
    return bad(path, 20,
               "malformed header (node name of " + str(node_bytes) + " bytes, at most " +
                   str(tf::kMaxNodeBytes) + ")");
  }
  if (header_bytes != tf::header_bytes(version, node_bytes)) {
    return bad(path, 12,
               "malformed header (header of " + str(header_bytes) + " bytes; version " +
                   str(version) + " with a node name of " + str(node_bytes) + " bytes has " +
                   str(tf::header_bytes(version, node_bytes)) + ")");
  }
  if (size < header_bytes) {
    return bad(path, size,
               "truncated header (" + str(size) + " of " + str(header_bytes) + " bytes)");
  }
  const std::size_t fixed = tf::fixed_header_bytes(version);
  for (std::size_t i = fixed + node_bytes; i < header_bytes; ++i)
    if (head[i] != 0) return bad(path, i, "header padding is not zero");
  out.node.assign(reinterpret_cast<const char*>(head + fixed), node_bytes);
  if (version == 2) {
    std::memcpy(out.run_id.data(), head + tf::v2::kRunId, out.run_id.size());
    out.config_hash = tf::get_u64(head + tf::v2::kConfigHash);
    out.anchor_t_ns = tf::get_u64(head + tf::v2::kAnchorT);
    out.anchor_realtime_ns = tf::get_u64(head + tf::v2::kAnchorRealtime);
  }
  return static_cast<std::size_t>(header_bytes);
}

// Field offsets of a record, per version (v1 has no seq and no duration).
struct layout {
  std::size_t record, actor_index, peer_index, actor_role, peer_role, type, dir, reserved;
  unsigned max_type, max_dir;
};
constexpr layout kV1{48, 32, 36, 40, 41, 42, 43, 44, 8, 1};
constexpr layout kV2{64, 48, 52, 56, 57, 58, 59, 60, 11, 3};

enum class kind { message, span, anchor };
kind kind_of(unsigned type) {
  if (type == static_cast<unsigned>(trace_type::anchor)) return kind::anchor;
  if (type >= static_cast<unsigned>(trace_type::compute)) return kind::span;
  return kind::message;
}
constexpr const char* kDirNames[] = {"sent", "received", "span", "none"};

// "a push", "an apply".
std::string a_record(const char* name) {
  const bool vowel = std::strchr("aeiou", name[0]) != nullptr;
  return std::string(vowel ? "an " : "a ") + name + " record";
}

// Why record `k` at `p` (at byte `at` of the file) is not valid, or nullopt when it is.
std::optional<sgmc::error> explain(const std::filesystem::path& path, const layout& L,
                                   std::uint64_t k, std::uint64_t at, const unsigned char* p) {
  const auto where = "record " + str(k) + ": ";
  auto fail = [&](std::size_t field, const std::string& what) {
    return std::optional<sgmc::error>(bad(path, at + field, where + what).err);
  };
  const unsigned type = p[L.type];
  if (type < 1 || type > L.max_type) return fail(L.type, "unknown message type " + str(type));
  if (p[L.actor_role] > 2) return fail(L.actor_role, "unknown role " + str(p[L.actor_role]));
  if (p[L.peer_role] > 2) return fail(L.peer_role, "unknown role " + str(p[L.peer_role]));
  const unsigned dir = p[L.dir];
  if (dir > L.max_dir) return fail(L.dir, "unknown direction " + str(dir));
  for (std::size_t i = 0; i < 4; ++i)
    if (p[L.reserved + i] != 0) return fail(L.reserved + i, "reserved bytes are not zero");
  const auto staleness = static_cast<std::int64_t>(tf::get_u64(p + 24));
  if (staleness < -1) return fail(24, "staleness " + std::to_string(staleness) + " below -1");
  if (L.record == tf::v1::kRecordBytes) return std::nullopt;
  const char* name = to_string(static_cast<trace_type>(type));
  const auto k_of = kind_of(type);
  const unsigned want_dir = k_of == kind::anchor ? 3 : k_of == kind::span ? 2 : dir;
  if (dir != want_dir || (k_of == kind::message && dir > 1))
    return fail(L.dir, a_record(name) + " with direction " + kDirNames[dir]);
  using namespace tf::v2;
  if (k_of == kind::message && tf::get_u64(p + kExtra) != 0)
    return fail(kExtra, a_record(name) + " with a duration");
  if (k_of != kind::message && tf::get_u64(p + kSeq) != 0)
    return fail(kSeq, a_record(name) + " with a message id");
  if (k_of == kind::anchor) {
    for (std::size_t f : {kBytes, kVersionField})
      if (tf::get_u64(p + f) != 0) return fail(f, "an anchor record with a message's fields");
    if (tf::get_u32(p + kActorIndex) != 0 || tf::get_u32(p + kPeerIndex) != 0 ||
        p[kActorRole] != 0 || p[kPeerRole] != 0)
      return fail(kActorIndex, "an anchor record naming an actor");
  }
  return std::nullopt;
}

// Decodes n records at p (record `k0` of the file at byte `at0`), validates each and appends
// it to `out` (its capacity reserved).
template <bool V2>
expected<void> decode(const std::filesystem::path& path, const unsigned char* p, std::size_t n,
                      std::uint64_t k0, std::uint64_t at0, std::vector<trace_event>& out) {
  constexpr const layout& L = V2 ? kV2 : kV1;
  for (std::size_t i = 0; i < n; ++i, p += L.record) {
    const unsigned type = p[L.type];
    const unsigned dir = p[L.dir];
    const std::int64_t staleness = static_cast<std::int64_t>(tf::get_u64(p + 24));
    // The common case in one test: each field within its range, nothing reserved set.
    bool ok = type - 1 < L.max_type && p[L.actor_role] <= 2 && p[L.peer_role] <= 2 &&
              dir <= L.max_dir && tf::get_u32(p + L.reserved) == 0 && staleness >= -1;
    trace_event e;
    e.t_ns = tf::get_u64(p);
    e.bytes = tf::get_u64(p + 8);
    e.version = tf::get_u64(p + 16);
    e.staleness = staleness;
    e.actor = {static_cast<trace_role>(p[L.actor_role]), tf::get_u32(p + L.actor_index)};
    e.peer = {static_cast<trace_role>(p[L.peer_role]), tf::get_u32(p + L.peer_index)};
    e.type = static_cast<trace_type>(type);
    e.dir = static_cast<trace_direction>(dir);
    if constexpr (V2) {
      e.seq = tf::get_u64(p + tf::v2::kSeq);
      const std::uint64_t extra = tf::get_u64(p + tf::v2::kExtra);
      if (type < static_cast<unsigned>(trace_type::compute)) {
        ok = ok && dir <= 1 && extra == 0;
      } else if (type < static_cast<unsigned>(trace_type::anchor)) {
        ok = ok && dir == 2 && e.seq == 0;
        e.duration_ns = extra;
      } else {
        ok = ok && dir == 3 && e.seq == 0 && e.bytes == 0 && e.version == 0 &&
             tf::get_u64(p + tf::v2::kActorIndex) == 0 && p[tf::v2::kActorRole] == 0 &&
             p[tf::v2::kPeerRole] == 0;
        e.realtime_ns = extra;
      }
    }
    if (!ok) [[unlikely]] {
      const auto at = at0 + i * L.record;
      if (auto err = explain(path, L, k0 + i, at, p)) return unexpected(*err);
      return bad(path, at, "record " + str(k0 + i) + ": malformed");  // not reached
    }
    out.push_back(e);
  }
  return {};
}

// Asks for transparent huge pages for the decoded records (where the kernel gives them only on
// request): a large trace fills hundreds of MB, and 4 KiB pages cost a fault each, about as
// much as decoding them.
void huge_pages(void* p, std::size_t bytes) {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = (reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace

expected<trace_file> read_trace(const std::filesystem::path& path) {
  file_ptr f{std::fopen(path.c_str(), "rb")};
  if (!f) {
    return make_error(errc::io,
                      "trace: cannot open " + path.string() + ": " + std::strerror(errno));
  }
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return make_error(errc::io, "trace: cannot read " + path.string() + ": " + ec.message());
  auto read_some = [&](unsigned char* to, std::size_t n) -> expected<std::size_t> {
    const std::size_t got = std::fread(to, 1, n, f.get());
    if (got < n && std::ferror(f.get()))
      return make_error(errc::io,
                        "trace: cannot read " + path.string() + ": " + std::strerror(errno));
    return got;
  };

  // The header: at most 64 bytes and a 4096-byte name, padded.
  trace_file out;
  std::vector<unsigned char> head(tf::header_bytes(2, tf::kMaxNodeBytes));
  auto got =
      read_some(head.data(), static_cast<std::size_t>(std::min<std::uint64_t>(size, head.size())));
  if (!got) return unexpected(got.error());
  auto start = read_header(path, head.data(), *got, size, out);
  if (!start) return unexpected(start.error());

  const std::size_t rb = tf::record_bytes(out.format_version);
  const std::uint64_t body = size - *start;
  const std::uint64_t n = body / rb;
  out.truncated = body % rb != 0;
  out.events.reserve(n);
  huge_pages(out.events.data(), n * sizeof(trace_event));

  // The records, in chunks of whole records (what the header read took first is reused).
  // Uninitialised: a zeroing pass would cost as much as reading from the page cache.
  // 4096 records: 256 KiB of version 2, decoded while in the core's cache.
  constexpr std::size_t kChunkRecords = 1 << 12;
  const std::size_t carried0 = *got - *start;  // record bytes already read with the header
  const std::size_t cap = std::max<std::size_t>(
      static_cast<std::size_t>(std::min<std::uint64_t>(n, kChunkRecords)) * rb, carried0);
  std::unique_ptr<unsigned char[]> storage(new unsigned char[cap]);
  unsigned char* buf = storage.get();
  std::size_t carried = carried0;
  std::memcpy(buf, head.data() + *start, carried);
  std::uint64_t done = 0;
  while (done < n) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(n - done, kChunkRecords));
    if (carried < want * rb) {
      auto more = read_some(buf + carried, want * rb - carried);
      if (!more) return unexpected(more.error());
      if (carried + *more < want * rb)
        return make_error(errc::io, "trace: " + path.string() + " shrank while it was read");
      carried += *more;
    }
    const std::uint64_t at = *start + done * rb;
    auto ok = out.format_version == 2 ? decode<true>(path, buf, want, done, at, out.events)
                                      : decode<false>(path, buf, want, done, at, out.events);
    if (!ok) return unexpected(ok.error());
    // Bytes read beyond these records (only possible from the header read) move to the front.
    std::memmove(buf, buf + want * rb, carried - want * rb);
    carried -= want * rb;
    done += want;
  }
  return out;
}

}  // namespace sgmc::engine
