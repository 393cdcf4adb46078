// `--params` lists, the default subset of parameters, and the potential check of `sgmc run`.
#include "diagnose_load.hpp"
#include "sgmc/tools/diagnose.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <numeric>
#include <random>

namespace sgmc::tools {

namespace {

constexpr std::uint64_t k_subset_seed = 20210601;  // any fixed value: the subset is reported

expected<std::size_t> parse_index(std::string_view text, std::size_t dim) {
  std::size_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    return make_error(errc::invalid_argument,
                      fmt::format("--params: '{}' is not an index (e.g. 0,5,17 or 0-9)", text));
  if (v >= dim)
    return make_error(errc::invalid_argument,
                      fmt::format("--params: index {} is out of range (dim {})", v, dim));
  return v;
}

}  // namespace

expected<std::vector<std::size_t>> parse_params(const std::string& text, std::size_t dim) {
  std::vector<std::size_t> out;
  std::string_view rest = text;
  while (true) {
    const auto comma = rest.find(',');
    const auto item = rest.substr(0, comma);
    const auto dash = item.find('-');
    auto first = parse_index(item.substr(0, dash), dim);
    if (!first) return unexpected(first.error());
    std::size_t last = *first;
    if (dash != std::string_view::npos) {
      auto l = parse_index(item.substr(dash + 1), dim);
      if (!l) return unexpected(l.error());
      if (*l < *first)
        return make_error(errc::invalid_argument,
                          fmt::format("--params: range '{}' ends before it starts", item));
      last = *l;
    }
    for (std::size_t j = *first; j <= last; ++j) out.push_back(j);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::size_t> default_params(std::size_t dim) {
  std::vector<std::size_t> all(dim);
  std::iota(all.begin(), all.end(), std::size_t{0});
  if (dim <= k_default_params) return all;
  // A partial Fisher-Yates shuffle with mt19937_64, whose output the standard fixes.
  std::mt19937_64 gen(k_subset_seed);
  for (std::size_t i = 0; i < k_default_params; ++i) std::swap(all[i], all[i + gen() % (dim - i)]);
  all.resize(k_default_params);
  std::sort(all.begin(), all.end());
  return all;
}

expected<potential_check> check_potential(const std::string& out_dir) {
  auto chains = detail::load_chains(std::filesystem::path(out_dir) / "samples", false);
  if (!chains) return unexpected(chains.error());
  std::size_t n = std::numeric_limits<std::size_t>::max();
  for (const auto& c : *chains) n = std::min(n, c.stats ? c.stats->size() : std::size_t{0});
  chain_draws d{chains->size(), n, {}};
  for (const auto& c : *chains)
    for (std::size_t s = 0; s < n; ++s) d.values.push_back((*c.stats)[s].potential);
  return potential_check{rhat(d), ess_bulk(d), chains->size()};
}

}  // namespace sgmc::tools
