#pragma once
// `sgmc node auto`: a node's role from the rank a launcher gave the process, so that one
// command line serves every process of a Slurm or MPI launch (docs/cluster.md):
//   rank 0        master (listens on the given HOST:PORT)
//   rank 1        collector
//   rank 2 + i    worker i
// so a run with protocol.workers = W takes W + 2 processes. The launcher's variables, in the
// order they are looked for:
//   Slurm            SLURM_PROCID, SLURM_NTASKS
//   Open MPI         OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE
//   MPICH, Intel MPI PMI_RANK, PMI_SIZE
//   PMIx             PMIX_RANK (no size)
// Nothing of MPI is linked: only the rank is read, and the nodes meet over the network as
// `sgmc node master|worker|collector` do.
#include "sgmc/core/error.hpp"
#include "sgmc/tools/node_runner.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace sgmc::tools {

struct launch_rank {
  std::uint32_t rank = 0;
  std::optional<std::uint32_t> size;  ///< unknown under PMIx
  std::string variable;               ///< where the rank came from ("SLURM_PROCID")
};

/// Reads the rank from `getenv` (the process environment by default). errc::invalid_argument
/// when no launcher variable is set, or one is not a number, or the rank is not below the size.
expected<launch_rank> rank_from_environment(
    const std::function<const char*(const char*)>& getenv = nullptr);

struct ranked_role {
  node_role role = node_role::master;
  std::optional<std::uint32_t> worker;  ///< the worker index (workers only)
};

/// The role of `r` in a run with `workers` workers. errc::invalid_argument when the launch has
/// another number of processes than workers + 2 (naming both), or a rank beyond them.
expected<ranked_role> role_of_rank(const launch_rank& r, std::uint32_t workers);

}  // namespace sgmc::tools
