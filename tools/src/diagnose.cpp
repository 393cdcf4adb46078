// `sgmc diagnose`: gathers the chains of every folder, then summarises each quantity
// (diagnostics.hpp) and checks the draws against the exact posterior or the test set.
#include "sgmc/tools/diagnose.hpp"

#include "diagnose_load.hpp"
#include "sgmc/engine/problem.hpp"
#include "sgmc/models/exact_posterior.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace sgmc::tools {

namespace {

using detail::loaded_chain;
using detail::loaded_run;

constexpr std::size_t k_min_draws = 4;
constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

expected<std::vector<loaded_run>> load_runs(const std::vector<std::string>& dirs) {
  if (dirs.empty()) return make_error(errc::invalid_argument, "no run folder given");
  std::vector<loaded_run> runs;
  for (const auto& dir : dirs) {
    auto run = detail::load_run(dir);
    if (!run) return unexpected(run.error());
    if (!runs.empty()) {
      const auto& a = runs.front();
      const auto kind_a = models::to_string(a.cfg.model.kind);
      const auto kind_b = models::to_string(run->cfg.model.kind);
      const auto dim_a = a.chains.front().theta.cols, dim_b = run->chains.front().theta.cols;
      if (std::string(kind_a) != kind_b || dim_a != dim_b)
        return make_error(errc::dimension_mismatch,
                          fmt::format("{}: model {} with dim {}, but {} has model {} with dim {}; "
                                      "chains of one posterior must share model and dim",
                                      dir, kind_b, dim_b, a.dir, kind_a, dim_a));
    }
    runs.push_back(std::move(*run));
  }
  return runs;
}

// Chain c's value of quantity f at draw s, for s < n.
template <class F>
chain_draws gather(const std::vector<const loaded_chain*>& chains, std::size_t n, F f) {
  chain_draws d{chains.size(), n, std::vector<double>(chains.size() * n)};
  for (std::size_t c = 0; c < chains.size(); ++c)
    for (std::size_t s = 0; s < n; ++s) d.values[c * n + s] = f(*chains[c], s);
  return d;
}

std::span<const float> row(const loaded_chain& c, std::size_t s) {
  const auto dim = static_cast<std::size_t>(c.theta.cols);
  return std::span<const float>(c.theta.values).subspan(s * dim, dim);
}

void add_quantity(diagnose_report& r, std::string name, const chain_draws& d) {
  quantity_report q{std::move(name), summarize(d), k_nan};
  if (r.wall_s > 0) q.ess_per_s = q.stats.ess_bulk / r.wall_s;
  r.quantities.push_back(std::move(q));
}

void add_potential(diagnose_report& r, const std::vector<const loaded_chain*>& chains) {
  for (const auto* c : chains)
    if (!c->stats || c->stats->size() < r.draws) {
      r.notes.push_back(
          "potential: no samples/chain-K.stats.npy with a row per draw (a run "
          "from an older sgmc?); not diagnosed");
      return;
    }
  const auto d = gather(chains, r.draws, [](const loaded_chain& c, std::size_t s) {
    return (*c.stats)[s].potential;
  });
  if (std::any_of(d.values.begin(), d.values.end(), [](double v) { return !std::isfinite(v); })) {
    r.notes.push_back("potential: not known for every draw; not diagnosed");
    return;
  }
  add_quantity(r, "potential", d);
}

void add_exact(diagnose_report& r, const models::model& m,
               const std::vector<const loaded_chain*>& chains) {
  const auto exact = models::exact_posterior(m);
  if (!exact) return;
  Eigen::MatrixXd draws(static_cast<Eigen::Index>(chains.size() * r.draws),
                        static_cast<Eigen::Index>(r.dim));
  Eigen::Index i = 0;
  for (const auto* c : chains)
    for (std::size_t s = 0; s < r.draws; ++s, ++i) {
      const auto x = row(*c, s);
      for (std::size_t j = 0; j < r.dim; ++j) draws(i, static_cast<Eigen::Index>(j)) = x[j];
    }
  r.exact = compare_moments(draws, *exact);
}

void add_predictive(diagnose_report& r, const models::model& m, const models::dataset& test,
                    const std::vector<const loaded_chain*>& chains) {
  if (m.kind() != models::task::classification || test.size() == 0) return;
  auto ws = m.make_workspace(1, 1000);
  Eigen::VectorXf loglik;
  models::row_matrix probs, sum = models::row_matrix::Zero(static_cast<Eigen::Index>(test.size()),
                                                           static_cast<Eigen::Index>(m.classes()));
  for (const auto* c : chains)
    for (std::size_t s = 0; s < r.draws; ++s) {
      m.predict(row(*c, s), test, loglik, &probs, *ws);
      sum += probs;
    }
  const std::size_t draws = chains.size() * r.draws;
  sum /= static_cast<float>(draws);
  r.predictive = predictive_report{score_classifier(sum, test.y), test.size(), draws};
}

// The checks that need the model (and the test set): skipped with a note when the data that
// the run read cannot be read now.
void add_model_checks(diagnose_report& r, const loaded_run& run,
                      const std::vector<const loaded_chain*>& chains) {
  const auto kind = run.cfg.model.kind;
  const bool exact = kind == models::model_kind::gaussian || kind == models::model_kind::linreg;
  const bool classifier = kind == models::model_kind::logreg ||
                          kind == models::model_kind::softmax || kind == models::model_kind::mlp;
  if (!exact && !classifier) return;
  auto prob = engine::load_problem(run.cfg, run.config_path);
  if (!prob) {
    r.notes.push_back("checks against the model skipped: " + prob.error().message);
    return;
  }
  if (prob->model->dim() != r.dim) {
    r.notes.push_back(
        fmt::format("checks against the model skipped: the model has dim {}, "
                    "the draws {}",
                    prob->model->dim(), r.dim));
    return;
  }
  if (exact) add_exact(r, *prob->model, chains);
  if (classifier) add_predictive(r, *prob->model, prob->data.test, chains);
}

void add_notes(diagnose_report& r, std::size_t total_dim) {
  if (r.params_sampled)
    r.notes.push_back(
        fmt::format("parameters: {} of {}, a fixed random subset (--params to "
                    "choose)",
                    r.params.size(), total_dim));
  if (r.draws_dropped > 0)
    r.notes.push_back(fmt::format("chains cut to the shortest ({} draws): {} draws left out",
                                  r.draws, r.draws_dropped));
  if (r.chains == 1)
    r.notes.push_back(
        "one chain: R-hat compares its two halves (split R-hat); give several run "
        "folders (or run.chains > 1) to compare chains");
  if (r.elastic)
    r.notes.push_back(
        "elastic: one chain per worker; the elastic coupling pulls the workers' "
        "chains together and shrinks their spread, so R-hat across them reads "
        "optimistic (lower than for independent chains)");
}

}  // namespace

expected<diagnose_report> diagnose(const diagnose_options& options) {
  auto runs = load_runs(options.run_dirs);
  if (!runs) return unexpected(runs.error());
  diagnose_report r;
  r.run_dirs = options.run_dirs;
  r.model = models::to_string(runs->front().cfg.model.kind);
  r.dim = static_cast<std::size_t>(runs->front().chains.front().theta.cols);
  std::vector<const loaded_chain*> chains;
  std::size_t total = 0, shortest = std::numeric_limits<std::size_t>::max();
  double wall = 0;
  for (const auto& run : *runs) {
    wall += run.wall_s;
    r.elastic |= run.cfg.protocol.params.kind == protocols::protocol_kind::elastic;
    for (const auto& c : run.chains) {
      chains.push_back(&c);
      total += c.theta.rows;
      if (c.theta.rows < shortest) {
        shortest = c.theta.rows;
        if (shortest < k_min_draws)
          return make_error(errc::invalid_data,
                            fmt::format("{}: {} draw{}; diagnostics need at least {} per chain",
                                        c.path, shortest, shortest == 1 ? "" : "s", k_min_draws));
      }
    }
  }
  r.chains = chains.size();
  r.draws = shortest;
  r.draws_dropped = total - shortest * chains.size();
  r.wall_s = std::isfinite(wall) ? wall : k_nan;
  if (options.params.empty()) {
    r.params = default_params(r.dim);
    r.params_sampled = r.params.size() < r.dim;
  } else {
    auto p = parse_params(options.params, r.dim);
    if (!p) return unexpected(p.error());
    r.params = std::move(*p);
  }
  add_potential(r, chains);
  add_quantity(r, "|theta|", gather(chains, r.draws, [](const loaded_chain& c, std::size_t s) {
                 double ss = 0;
                 for (float v : row(c, s)) ss += static_cast<double>(v) * v;
                 return std::sqrt(ss);
               }));
  for (const std::size_t j : r.params)
    add_quantity(r, fmt::format("theta[{}]", j),
                 gather(chains, r.draws, [j](const loaded_chain& c, std::size_t s) {
                   return static_cast<double>(row(c, s)[j]);
                 }));
  add_model_checks(r, runs->front(), chains);
  add_notes(r, r.dim);
  return r;
}

}  // namespace sgmc::tools
