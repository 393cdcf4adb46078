#include "sgmc/engine/checkpoint.hpp"
#include "sgmc/engine/run_plan.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace sgmc::engine {

namespace fs = std::filesystem;

namespace {

// The value of `key` ("\"step\": ") in one metrics line (metrics_writer's layout); false when
// absent.
bool value_of(const std::string& line, std::string_view key, std::uint64_t& x) {
  const auto at = line.find(key);
  if (at == std::string::npos) return false;
  const char* first = line.data() + at + key.size();
  return std::from_chars(first, line.data() + line.size(), x).ec == std::errc{};
}

bool step_of(const std::string& line, std::uint64_t& step) {
  return value_of(line, "\"step\": ", step);
}

}  // namespace

expected<void> resume_metrics(const fs::path& path, std::uint64_t step,
                              const std::vector<std::uint64_t>& chain_steps) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream kept;
  std::string line;
  while (std::getline(in, line)) {
    std::uint64_t s = 0, chain = 0;
    const bool per_chain = value_of(line, "\"chain\": ", chain) && chain < chain_steps.size();
    if (!step_of(line, s) || s <= (per_chain ? chain_steps[chain] : step)) kept << line << '\n';
  }
  in.close();
  std::ofstream out(path, std::ios::trunc);
  out << kept.str();
  out.flush();
  if (!out)
    return make_error(errc::io,
                      fmt::format("cannot rewrite {}: {}", path.string(), std::strerror(errno)));
  return {};
}

expected<void> resume_parts(run_parts& parts, const checkpoint& c) {
  if (c.shards.size() != parts.masters.size())
    return make_error(errc::invalid_argument,
                      fmt::format("the checkpoint has {} master shards, the run {}",
                                  c.shards.size(), parts.masters.size()));
  if (c.computed.size() > parts.workers.size())
    return make_error(errc::invalid_argument,
                      fmt::format("the checkpoint counts gradients of {} workers, the run has {}",
                                  c.computed.size(), parts.workers.size()));
  for (std::size_t k = 0; k < parts.masters.size(); ++k)
    if (auto ok = parts.masters[k]->restore(c.shards[k]); !ok) return ok;
  parts.first_draws = c.draws;
  parts.computed = c.computed;
  if (!c.chains.empty()) {  // elastic: every worker continues its own chain
    if (c.chains.size() != parts.workers.size())
      return make_error(errc::invalid_argument,
                        fmt::format("the checkpoint holds the chains of {} workers, the run has {}",
                                    c.chains.size(), parts.workers.size()));
    for (std::size_t i = 0; i < parts.workers.size(); ++i)
      if (auto ok = parts.workers[i]->restore_chain(c.chains[i]); !ok) return ok;
    return {};
  }
  const auto theta = c.theta();
  for (std::size_t i = 0; i < parts.workers.size(); ++i)
    if (auto ok = parts.workers[i]->resume(i < c.computed.size() ? c.computed[i] : 0, theta); !ok)
      return ok;
  return {};
}

}  // namespace sgmc::engine
