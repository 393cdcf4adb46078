// The table and the JSON object of `sgmc diagnose` (docs/tools.md shows both).
#include "sgmc/tools/diagnose.hpp"

#include <fmt/format.h>

#include <cmath>

namespace sgmc::tools {

namespace {

// Vehtari et al. 2021: R-hat below 1.01 and bulk and tail ESS above 100 (for 4 chains).
constexpr double k_rhat_ok = 1.01;
constexpr double k_ess_ok = 100.0;

std::string num(double v, const char* spec = "{:.4g}") {
  return std::isfinite(v) ? fmt::format(fmt::runtime(spec), v) : std::string("-");
}

std::string json_num(double v) {
  return std::isfinite(v) ? fmt::format("{:.10g}", v) : std::string("null");
}

std::string json_str(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", c);
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string header_line(const diagnose_report& r) {
  std::string dirs;
  for (const auto& d : r.run_dirs) dirs += (dirs.empty() ? "" : ", ") + d;
  return fmt::format("sgmc diagnose: {} (dim {}), {} chain{} x {} draws from {}; sampling {} s\n",
                     r.model, r.dim, r.chains, r.chains == 1 ? "" : "s", r.draws, dirs,
                     num(r.wall_s, "{:.2f}"));
}

std::string verdict(const diagnose_report& r) {
  std::size_t bad_rhat = 0, low_ess = 0;
  const quantity_report* worst = nullptr;
  for (const auto& q : r.quantities) {
    if (!(q.stats.rhat < k_rhat_ok)) {
      ++bad_rhat;
      if (!worst || q.stats.rhat > worst->stats.rhat) worst = &q;
    }
    if (!(std::min(q.stats.ess_bulk, q.stats.ess_tail) >= k_ess_ok)) ++low_ess;
  }
  if (bad_rhat == 0 && low_ess == 0)
    return fmt::format(
        "converged by the usual rule: R-hat < {} and bulk and tail ESS >= {} for "
        "every quantity\n",
        k_rhat_ok, k_ess_ok);
  std::string out;
  if (bad_rhat > 0)
    out += fmt::format("warning: R-hat >= {} (or undefined) for {} of {} quantities{}\n", k_rhat_ok,
                       bad_rhat, r.quantities.size(),
                       worst && std::isfinite(worst->stats.rhat)
                           ? fmt::format(" (worst {:.3f}, {})", worst->stats.rhat, worst->name)
                           : std::string());
  if (low_ess > 0)
    out += fmt::format("warning: bulk or tail ESS below {} for {} of {} quantities\n", k_ess_ok,
                       low_ess, r.quantities.size());
  return out;
}

}  // namespace

std::string format_table(const diagnose_report& r) {
  std::string out = header_line(r);
  out += fmt::format("{:<14} {:>11} {:>10} {:>10} {:>9} {:>9} {:>7} {:>9}\n", "quantity", "mean",
                     "sd", "mcse", "ess_bulk", "ess_tail", "r_hat", "ess/s");
  for (const auto& q : r.quantities) {
    const auto& s = q.stats;
    out +=
        fmt::format("{:<14} {:>11} {:>10} {:>10} {:>9} {:>9} {:>7} {:>9}\n", q.name, num(s.mean),
                    num(s.sd), num(s.mcse_mean), num(s.ess_bulk, "{:.0f}"),
                    num(s.ess_tail, "{:.0f}"), num(s.rhat, "{:.3f}"), num(q.ess_per_s, "{:.3g}"));
  }
  out += verdict(r);
  if (r.exact)
    out += fmt::format(
        "exact posterior: |mean - mu| {} (at most {} posterior sd per coordinate), "
        "|cov - Sigma|_F / |Sigma|_F {}\n",
        num(r.exact->mean_error), num(r.exact->mean_error_sd, "{:.3g}"),
        num(r.exact->cov_error, "{:.3g}"));
  if (r.predictive)
    out += fmt::format(
        "posterior predictive on {} test examples, {} draws: accuracy {}, NLL {}, "
        "ECE (15 bins) {}\n",
        r.predictive->test_size, r.predictive->draws, num(r.predictive->scores.accuracy),
        num(r.predictive->scores.nll), num(r.predictive->scores.ece));
  for (const auto& n : r.notes) out += "note: " + n + "\n";
  return out;
}

std::string format_json(const diagnose_report& r) {
  std::string out = "{\"run_dirs\": [";
  for (std::size_t i = 0; i < r.run_dirs.size(); ++i)
    out += (i ? ", " : "") + json_str(r.run_dirs[i]);
  out += fmt::format(
      "], \"model\": {}, \"dim\": {}, \"chains\": {}, \"draws\": {}, "
      "\"draws_dropped\": {}, \"wall_s\": {}, \"elastic\": {}, \"params\": [",
      json_str(r.model), r.dim, r.chains, r.draws, r.draws_dropped, json_num(r.wall_s),
      r.elastic ? "true" : "false");
  for (std::size_t i = 0; i < r.params.size(); ++i)
    out += fmt::format("{}{}", i ? ", " : "", r.params[i]);
  out += fmt::format("], \"params_sampled\": {}, \"quantities\": [",
                     r.params_sampled ? "true" : "false");
  for (std::size_t i = 0; i < r.quantities.size(); ++i) {
    const auto& q = r.quantities[i];
    const auto& s = q.stats;
    out += fmt::format(
        "{}{{\"name\": {}, \"mean\": {}, \"sd\": {}, \"mcse_mean\": {}, \"q05\": {}, \"q50\": {}, "
        "\"q95\": {}, \"mcse_q05\": {}, \"mcse_q50\": {}, \"mcse_q95\": {}, \"ess_bulk\": {}, "
        "\"ess_tail\": {}, \"rhat\": {}, \"ess_bulk_per_s\": {}}}",
        i ? ", " : "", json_str(q.name), json_num(s.mean), json_num(s.sd), json_num(s.mcse_mean),
        json_num(s.q05), json_num(s.q50), json_num(s.q95), json_num(s.mcse_q05),
        json_num(s.mcse_q50), json_num(s.mcse_q95), json_num(s.ess_bulk), json_num(s.ess_tail),
        json_num(s.rhat), json_num(q.ess_per_s));
  }
  out += "]";
  if (r.exact)
    out += fmt::format(
        ", \"exact\": {{\"mean_error\": {}, \"mean_error_sd\": {}, "
        "\"cov_error\": {}}}",
        json_num(r.exact->mean_error), json_num(r.exact->mean_error_sd),
        json_num(r.exact->cov_error));
  if (r.predictive)
    out += fmt::format(
        ", \"predictive\": {{\"test_size\": {}, \"draws\": {}, \"accuracy\": {}, "
        "\"nll\": {}, \"ece\": {}, \"ece_bins\": {}}}",
        r.predictive->test_size, r.predictive->draws, json_num(r.predictive->scores.accuracy),
        json_num(r.predictive->scores.nll), json_num(r.predictive->scores.ece), k_ece_bins);
  out += ", \"notes\": [";
  for (std::size_t i = 0; i < r.notes.size(); ++i) out += (i ? ", " : "") + json_str(r.notes[i]);
  return out + "]}\n";
}

}  // namespace sgmc::tools
