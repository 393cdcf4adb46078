#include "trace_format.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace sgmc::engine {
namespace {

namespace tf = trace_format;

unexpected bad(const std::filesystem::path& path, const std::string& what) {
  return make_error(errc::invalid_data, "trace " + path.string() + ": " + what);
}

// Validates the header; returns where the records start.
expected<std::size_t> read_header(const std::filesystem::path& path,
                                  const std::vector<unsigned char>& data, trace_file& out) {
  if (data.size() < tf::kFixedHeaderBytes) {
    return bad(path, "truncated header (" + std::to_string(data.size()) + " bytes)");
  }
  if (std::memcmp(data.data(), tf::kMagic.data(), tf::kMagic.size()) != 0) {
    return bad(path, "not an sgmc trace (bad magic)");
  }
  out.format_version = tf::get_u32(data.data() + 8);
  if (out.format_version != tf::kVersion) {
    return bad(path, "unknown format version " + std::to_string(out.format_version) +
                         " (this build reads version " + std::to_string(tf::kVersion) + ")");
  }
  const std::uint32_t header_bytes = tf::get_u32(data.data() + 12);
  const std::uint32_t record_bytes = tf::get_u32(data.data() + 16);
  const std::uint32_t node_bytes = tf::get_u32(data.data() + 20);
  if (record_bytes != tf::kRecordBytes) {
    return bad(path, "record size " + std::to_string(record_bytes) + ", version 1 has " +
                         std::to_string(tf::kRecordBytes));
  }
  if (node_bytes > tf::kMaxNodeBytes || header_bytes != tf::header_bytes(node_bytes)) {
    return bad(path, "malformed header (node name of " + std::to_string(node_bytes) +
                         " bytes, header of " + std::to_string(header_bytes) + " bytes)");
  }
  if (data.size() < header_bytes) {
    return bad(path, "truncated header (" + std::to_string(data.size()) + " of " +
                         std::to_string(header_bytes) + " bytes)");
  }
  const auto* name = reinterpret_cast<const char*>(data.data() + tf::kFixedHeaderBytes);
  out.node.assign(name, node_bytes);
  return static_cast<std::size_t>(header_bytes);
}

// Decodes and validates record `k` at p.
expected<trace_event> decode(const std::filesystem::path& path, std::size_t k,
                             const unsigned char* p) {
  const auto where = "record " + std::to_string(k) + ": ";
  const unsigned char type = p[42];
  if (type < 1 || type > 8) {
    return bad(path, where + "unknown message type " + std::to_string(type));
  }
  if (p[40] > 2 || p[41] > 2) {
    return bad(path, where + "unknown role " + std::to_string(p[40] > 2 ? p[40] : p[41]));
  }
  if (p[43] > 1) return bad(path, where + "unknown direction " + std::to_string(p[43]));
  if (tf::get_u32(p + 44) != 0) return bad(path, where + "reserved bytes are not zero");
  trace_event e;
  e.t_ns = tf::get_u64(p + 0);
  e.bytes = tf::get_u64(p + 8);
  e.version = tf::get_u64(p + 16);
  e.staleness = static_cast<std::int64_t>(tf::get_u64(p + 24));
  e.actor = {static_cast<trace_role>(p[40]), tf::get_u32(p + 32)};
  e.peer = {static_cast<trace_role>(p[41]), tf::get_u32(p + 36)};
  e.type = static_cast<trace_type>(type);
  e.dir = static_cast<trace_direction>(p[43]);
  return e;
}

}  // namespace

expected<trace_file> read_trace(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(errc::io,
                      "trace: cannot open " + path.string() + ": " + std::strerror(errno));
  }
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0) return make_error(errc::io, "trace: cannot read " + path.string());
  std::vector<unsigned char> data(static_cast<std::size_t>(size));
  if (!in.read(reinterpret_cast<char*>(data.data()), size)) {
    return make_error(errc::io, "trace: cannot read " + path.string());
  }
  trace_file out;
  auto start = read_header(path, data, out);
  if (!start) return unexpected(start.error());
  const std::size_t body = data.size() - *start;
  const std::size_t n = body / tf::kRecordBytes;
  if (body % tf::kRecordBytes != 0) {
    return bad(path, "record " + std::to_string(n) + " truncated (" +
                         std::to_string(body % tf::kRecordBytes) + " of " +
                         std::to_string(tf::kRecordBytes) + " bytes)");
  }
  out.events.reserve(n);
  for (std::size_t k = 0; k < n; ++k) {
    auto e = decode(path, k, data.data() + *start + k * tf::kRecordBytes);
    if (!e) return unexpected(e.error());
    out.events.push_back(*e);
  }
  return out;
}

}  // namespace sgmc::engine
