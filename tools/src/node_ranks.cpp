#include "sgmc/tools/node_ranks.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <string_view>
#include <utility>

namespace sgmc::tools {
namespace {

struct launcher {
  const char* rank;
  const char* size;  ///< nullptr: the launcher gives no size
};

constexpr std::array<launcher, 4> k_launchers{{{"SLURM_PROCID", "SLURM_NTASKS"},
                                               {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"},
                                               {"PMI_RANK", "PMI_SIZE"},
                                               {"PMIX_RANK", nullptr}}};

expected<std::uint32_t> number(const char* name, std::string_view text) {
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    return make_error(errc::invalid_argument,
                      fmt::format("{}=\"{}\" is not a rank number (0 to 4294967295)", name, text));
  return v;
}

}  // namespace

expected<launch_rank> rank_from_environment(const std::function<const char*(const char*)>& getenv) {
  auto get = [&](const char* name) -> const char* {
    return getenv ? getenv(name) : std::getenv(name);
  };
  for (const auto& l : k_launchers) {
    const char* rank = get(l.rank);
    if (rank == nullptr) continue;
    auto r = number(l.rank, rank);
    if (!r) return unexpected(r.error());
    launch_rank out{*r, std::nullopt, l.rank};
    if (l.size != nullptr) {
      if (const char* size = get(l.size)) {
        auto s = number(l.size, size);
        if (!s) return unexpected(s.error());
        if (*r >= *s)
          return make_error(errc::invalid_argument,
                            fmt::format("{}={} is not below {}={}", l.rank, *r, l.size, *s));
        out.size = *s;
      }
    }
    return out;
  }
  return make_error(errc::invalid_argument,
                    "sgmc node auto takes its role from a launcher's rank, but none is set "
                    "(SLURM_PROCID, OMPI_COMM_WORLD_RANK, PMI_RANK or PMIX_RANK); start it with "
                    "srun or mpirun, or use sgmc node master|worker|collector");
}

expected<ranked_role> role_of_rank(const launch_rank& r, std::uint32_t workers) {
  const std::uint64_t needed = std::uint64_t{workers} + 2;
  if (r.size && *r.size != needed)
    return make_error(
        errc::invalid_argument,
        fmt::format("the launch has {} processes ({}), but protocol.workers = {} "
                    "needs {}: one master, one collector and {} worker{}",
                    *r.size, r.variable, workers, needed, workers, workers == 1 ? "" : "s"));
  if (r.rank >= needed)
    return make_error(errc::invalid_argument,
                      fmt::format("rank {} ({}) has no role: protocol.workers = {} uses ranks 0 to "
                                  "{}",
                                  r.rank, r.variable, workers, needed - 1));
  if (r.rank == 0) return ranked_role{node_role::master, std::nullopt};
  if (r.rank == 1) return ranked_role{node_role::collector, std::nullopt};
  return ranked_role{node_role::worker, r.rank - 2};
}

}  // namespace sgmc::tools
