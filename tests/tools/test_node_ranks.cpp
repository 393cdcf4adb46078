// `sgmc node auto`: the role of a process from its launcher's rank variables.
#include "sgmc/tools/node_ranks.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>

using sgmc::errc;
using sgmc::tools::launch_rank;
using sgmc::tools::node_role;
using sgmc::tools::rank_from_environment;
using sgmc::tools::role_of_rank;

namespace {

// An environment of just these variables.
auto env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

}  // namespace

TEST_CASE("the rank comes from Slurm, Open MPI, PMI or PMIx, in that order", "[ranks]") {
  auto slurm = rank_from_environment(env({{"SLURM_PROCID", "3"}, {"SLURM_NTASKS", "6"}}));
  REQUIRE(slurm);
  CHECK(slurm->rank == 3);
  CHECK(slurm->size == 6u);
  CHECK(slurm->variable == "SLURM_PROCID");

  auto ompi = rank_from_environment(
      env({{"OMPI_COMM_WORLD_RANK", "0"}, {"OMPI_COMM_WORLD_SIZE", "4"}, {"PMI_RANK", "2"}}));
  REQUIRE(ompi);
  CHECK(ompi->rank == 0);
  CHECK(ompi->variable == "OMPI_COMM_WORLD_RANK");

  auto pmi = rank_from_environment(env({{"PMI_RANK", "2"}, {"PMI_SIZE", "3"}}));
  REQUIRE(pmi);
  CHECK(pmi->rank == 2);
  CHECK(pmi->size == 3u);

  auto pmix = rank_from_environment(env({{"PMIX_RANK", "5"}}));
  REQUIRE(pmix);
  CHECK(pmix->rank == 5);
  CHECK(!pmix->size);

  // Slurm wins over an MPI started inside the allocation.
  auto both = rank_from_environment(env({{"PMI_RANK", "1"}, {"SLURM_PROCID", "4"}}));
  REQUIRE(both);
  CHECK(both->rank == 4);
}

TEST_CASE("a missing or malformed rank is a clear error", "[ranks]") {
  auto none = rank_from_environment(env({}));
  REQUIRE(!none);
  CHECK(none.error().code == errc::invalid_argument);
  CHECK(none.error().message.find("SLURM_PROCID") != std::string::npos);

  for (const char* bad : {"", "x", "-1", "1.5", "3 ", "99999999999"}) {
    INFO("SLURM_PROCID=\"" << bad << "\"");
    auto r = rank_from_environment(env({{"SLURM_PROCID", bad}}));
    REQUIRE(!r);
    CHECK(r.error().message.find("SLURM_PROCID") != std::string::npos);
  }
  auto size = rank_from_environment(env({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "four"}}));
  REQUIRE(!size);
  CHECK(size.error().message.find("SLURM_NTASKS") != std::string::npos);

  auto beyond = rank_from_environment(env({{"PMI_RANK", "4"}, {"PMI_SIZE", "4"}}));
  REQUIRE(!beyond);
  CHECK(beyond.error().message.find("not below") != std::string::npos);
}

TEST_CASE("rank 0 is the master, 1 the collector, 2 + i worker i", "[ranks]") {
  auto role = [](std::uint32_t rank) {
    auto r = role_of_rank(launch_rank{rank, 5u, "SLURM_PROCID"}, 3);
    REQUIRE(r);
    return *r;
  };
  CHECK(role(0).role == node_role::master);
  CHECK(role(1).role == node_role::collector);
  CHECK(!role(1).worker);
  CHECK(role(2).role == node_role::worker);
  CHECK(role(2).worker == 0u);
  CHECK(role(4).worker == 2u);
}

TEST_CASE("a launch of the wrong size is refused, naming both numbers", "[ranks]") {
  auto small = role_of_rank(launch_rank{0, 3u, "SLURM_PROCID"}, 2);
  REQUIRE(!small);
  CHECK(small.error().code == errc::invalid_argument);
  CHECK(small.error().message.find("3 processes") != std::string::npos);
  CHECK(small.error().message.find("needs 4") != std::string::npos);

  // Without a size (PMIx), a rank beyond the run is refused on its own.
  auto beyond = role_of_rank(launch_rank{4, std::nullopt, "PMIX_RANK"}, 2);
  REQUIRE(!beyond);
  CHECK(beyond.error().message.find("rank 4") != std::string::npos);
  CHECK(role_of_rank(launch_rank{3, std::nullopt, "PMIX_RANK"}, 2));
}
