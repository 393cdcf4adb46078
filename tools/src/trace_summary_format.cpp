// The text and JSON forms of `sgmc trace summary` (trace_summary.hpp).
#include "sgmc/tools/trace_summary.hpp"

#include <fmt/format.h>

namespace sgmc::tools {
namespace {

using engine::trace_type;

constexpr trace_type kTypes[] = {trace_type::push,     trace_type::pull,   trace_type::params,
                                 trace_type::exchange, trace_type::sample, trace_type::hello,
                                 trace_type::welcome,  trace_type::stop};

std::string human_bytes(std::uint64_t b) {
  if (b < 10'000) return fmt::format("{} B", b);
  if (b < 10'000'000) return fmt::format("{:.1f} kB", static_cast<double>(b) / 1e3);
  if (b < 10'000'000'000) return fmt::format("{:.1f} MB", static_cast<double>(b) / 1e6);
  return fmt::format("{:.1f} GB", static_cast<double>(b) / 1e9);
}

std::string micros(std::int64_t ns) { return fmt::format("{:.1f}", static_cast<double>(ns) / 1e3); }

}  // namespace

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

namespace {

std::string json_strings(const std::vector<std::string>& v) {
  std::vector<std::string> q;
  for (const auto& s : v) q.push_back(json_string(s));
  return fmt::format("[{}]", fmt::join(q, ", "));
}

std::string json_dist(const int_distribution& d) {
  if (d.count == 0) return "{\"count\": 0}";
  return fmt::format(
      "{{\"count\": {}, \"mean\": {:.6g}, \"min\": {}, \"median\": {}, \"p95\": {}, \"p99\": {}, "
      "\"max\": {}}}",
      d.count, d.mean(), d.min(), d.quantile(0.5), d.quantile(0.95), d.quantile(0.99), d.max());
}

std::string text_nodes(const trace_summary& s) {
  std::string out = fmt::format("nodes\n  {:<14} {:>7} {:>12} {:>7}  {}\n", "node", "format",
                                "records", "spans", "clock offset");
  for (const auto& n : s.nodes) {
    const auto offset = n.offset_method == "reference"
                            ? std::string("reference")
                            : fmt::format("{:+.1f} µs ± {:.1f} ({})", n.offset_ns / 1e3,
                                          n.uncertainty_ns / 1e3, n.offset_method);
    out += fmt::format("  {:<14} {:>7} {:>12} {:>7}  {}{}\n", n.node, n.format_version, n.records,
                       n.spans, offset, n.truncated ? " [cut short]" : "");
  }
  out += fmt::format("messages per node\n  {:<14} {:<9} {:>10} {:>10} {:>10} {:>10}\n", "node",
                     "type", "sent", "bytes", "received", "bytes");
  for (const auto& n : s.nodes)
    for (auto t : kTypes) {
      const auto& a = n.sent[static_cast<std::size_t>(t)];
      const auto& b = n.received[static_cast<std::size_t>(t)];
      if (a.count == 0 && b.count == 0) continue;
      out += fmt::format("  {:<14} {:<9} {:>10} {:>10} {:>10} {:>10}\n", n.node, to_string(t),
                         a.count, human_bytes(a.bytes), b.count, human_bytes(b.bytes));
    }
  return out;
}

std::string text_workers(const trace_summary& s) {
  std::string out = fmt::format(
      "workers (applied/rejected: by the master; staleness of the applied updates)\n"
      "  {:<7} {:>8} {:>8} {:>9} {:>9} {:>9}  {:<27} {:>9} {:>9} {:>6}\n",
      "worker", "pushes", "pulls", "exchanges", "applied", "rejected",
      "staleness min/med/p95/p99/max", "sent", "received", "busy");
  for (const auto& w : s.workers) {
    if (!w.seen && w.applied == 0 && w.rejected == 0) continue;
    const auto& d = w.staleness;
    const auto st = d.count == 0 ? std::string("-")
                                 : fmt::format("{}/{}/{}/{}/{}", d.min(), d.quantile(0.5),
                                               d.quantile(0.95), d.quantile(0.99), d.max());
    const auto busy = s.has_spans ? fmt::format("{:.0f} %", 100.0 * w.busy()) : std::string("-");
    out += fmt::format("  {:<7} {:>8} {:>8} {:>9} {:>9} {:>9}  {:<27} {:>9} {:>9} {:>6}\n",
                       w.worker, w.pushes, w.pulls, w.exchanges, w.applied, w.rejected, st,
                       human_bytes(w.bytes_sent), human_bytes(w.bytes_received), busy);
  }
  const auto& d = s.staleness;
  if (d.count > 0)
    out += fmt::format(
        "  all: {} applied, staleness mean {:.2f} min {} median {} p95 {} p99 {} "
        "max {}\n",
        d.count, d.mean(), d.min(), d.quantile(0.5), d.quantile(0.95), d.quantile(0.99), d.max());
  if (s.has_spans)
    for (const auto& w : s.workers)
      if (w.computes > 0) {
        const auto span = w.last_ns - w.first_ns;
        out += fmt::format("  worker {}: compute {:.3f} s in {} spans, wait {:.3f} s\n", w.worker,
                           w.compute_ns / 1e9, w.computes,
                           (span > w.compute_ns ? span - w.compute_ns : 0) / 1e9);
      }
  return out;
}

std::string text_links(const trace_summary& s) {
  std::string out = fmt::format(
      "links (latency: send to receive, µs, from paired ids)\n"
      "  {:<24} {:>10} {:>10} {:>10}  {}\n",
      "from -> to", "messages", "bytes", "paired", "latency med/p99/max");
  for (const auto& l : s.links) {
    const auto& d = l.latency_ns;
    const auto lat = d.count == 0 ? std::string("-")
                                  : fmt::format("{}/{}/{}", micros(d.quantile(0.5)),
                                                micros(d.quantile(0.99)), micros(d.max()));
    out += fmt::format("  {:<24} {:>10} {:>10} {:>10}  {}\n",
                       describe(l.from) + " -> " + describe(l.to), l.count, human_bytes(l.bytes),
                       l.paired, lat);
  }
  return out;
}

}  // namespace

std::string format_text(const trace_summary& s) {
  std::string out = text_nodes(s) + text_workers(s) + text_links(s);
  if (s.master_applies > 0)
    out += fmt::format("master: {} apply spans, {:.3f} s applying\n", s.master_applies,
                       s.master_apply_ns / 1e9);
  for (const auto& f : s.foreign) out += "foreign, left out: " + f + "\n";
  for (const auto& n : s.notes) out += "note: " + n + "\n";
  return out;
}

std::string format_json(const trace_summary& s) {
  std::vector<std::string> nodes, workers, links;
  for (const auto& n : s.nodes) {
    std::vector<std::string> types;
    for (auto t : kTypes) {
      const auto& a = n.sent[static_cast<std::size_t>(t)];
      const auto& b = n.received[static_cast<std::size_t>(t)];
      if (a.count == 0 && b.count == 0) continue;
      types.push_back(fmt::format(
          "\"{}\": {{\"sent\": {}, \"sent_bytes\": {}, \"received\": {}, \"received_bytes\": {}}}",
          to_string(t), a.count, a.bytes, b.count, b.bytes));
    }
    nodes.push_back(fmt::format(
        "{{\"node\": {}, \"path\": {}, \"format_version\": {}, \"records\": {}, \"truncated\": {}, "
        "\"spans\": {}, \"anchors\": {}, \"offset_ns\": {}, \"offset_uncertainty_ns\": {}, "
        "\"offset_method\": {}, \"messages\": {{{}}}}}",
        json_string(n.node), json_string(n.path), n.format_version, n.records, n.truncated, n.spans,
        n.anchors, n.offset_ns, n.uncertainty_ns, json_string(n.offset_method),
        fmt::join(types, ", ")));
  }
  for (const auto& w : s.workers)
    workers.push_back(fmt::format(
        "{{\"worker\": {}, \"pushes\": {}, \"pulls\": {}, \"exchanges\": {}, \"applied\": {}, "
        "\"rejected\": {}, \"bytes_sent\": {}, \"bytes_received\": {}, \"staleness\": {}, "
        "\"compute_ns\": {}, \"computes\": {}, \"busy\": {}}}",
        w.worker, w.pushes, w.pulls, w.exchanges, w.applied, w.rejected, w.bytes_sent,
        w.bytes_received, json_dist(w.staleness), w.compute_ns, w.computes,
        s.has_spans ? fmt::format("{:.6g}", w.busy()) : std::string("null")));
  for (const auto& l : s.links)
    links.push_back(
        fmt::format("{{\"from\": {}, \"to\": {}, \"messages\": {}, \"bytes\": {}, \"paired\": {}, "
                    "\"latency_ns\": {}}}",
                    json_string(describe(l.from)), json_string(describe(l.to)), l.count, l.bytes,
                    l.paired, json_dist(l.latency_ns)));
  return fmt::format(
      "{{\"nodes\": [{}], \"workers\": [{}], \"links\": [{}], \"staleness\": {}, "
      "\"message_ids\": {}, \"spans\": {}, \"foreign\": {}, \"notes\": {}}}\n",
      fmt::join(nodes, ", "), fmt::join(workers, ", "), fmt::join(links, ", "),
      json_dist(s.staleness), s.has_ids, s.has_spans, json_strings(s.foreign),
      json_strings(s.notes));
}

}  // namespace sgmc::tools
