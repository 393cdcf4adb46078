#include "sgmc/engine/netcdf_writer.hpp"

#include "sgmc/core/assert.hpp"
#include "sgmc/engine/clock.hpp"

#include <fmt/format.h>
#include <netcdf.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace sgmc::engine {

namespace {

constexpr float k_nan_f = std::numeric_limits<float>::quiet_NaN();
constexpr double k_nan_d = std::numeric_limits<double>::quiet_NaN();

/// A posterior variable: a block of θ.
struct block_var {
  int id = -1;
  std::size_t offset = 0;
  std::size_t size = 0;
  std::vector<std::size_t> shape;
};

}  // namespace

struct netcdf_writer::impl {
  std::string path;
  int ncid = -1;
  int post = -1;
  int stats = -1;
  std::size_t dim = 0;
  std::size_t max_draws = 0;
  std::vector<std::uint64_t> chain_draws;
  std::vector<block_var> blocks;
  int step = -1, potential = -1, lp = -1, step_size = -1, staleness = -1;

  ~impl() {
    if (ncid >= 0) nc_close(ncid);
  }

  expected<void> check(int status, const std::string& what) const {
    if (status == NC_NOERR) return {};
    return make_error(errc::io, fmt::format("{}: {}: {}", path, what, nc_strerror(status)));
  }

  expected<void> text_attr(int gid, int var, const char* name, const std::string& value) const {
    return check(nc_put_att_text(gid, var, name, value.size(), value.c_str()),
                 fmt::format("attribute {}", name));
  }

  /// A dimension with its coordinate variable 0, 1, ..., n−1 (int64, as xarray writes them).
  expected<int> coordinate(int gid, const std::string& name, std::size_t n) const {
    int dim_id = -1, var_id = -1;
    if (auto r = check(nc_def_dim(gid, name.c_str(), n, &dim_id), "dimension " + name); !r)
      return unexpected(r.error());
    if (auto r = check(nc_def_var(gid, name.c_str(), NC_INT64, 1, &dim_id, &var_id),
                       "coordinate " + name);
        !r)
      return unexpected(r.error());
    std::vector<long long> values(n);
    std::iota(values.begin(), values.end(), 0LL);
    if (n > 0)
      if (auto r = check(nc_put_var_longlong(gid, var_id, values.data()), "coordinate " + name); !r)
        return unexpected(r.error());
    return dim_id;
  }

  expected<int> group(const char* name, const posterior_options& options) const;
  expected<void> define_blocks(std::span<const models::param_block> layout);
  expected<int> variable(int gid, const std::string& name, nc_type type,
                         const std::vector<int>& dims) const;
  expected<void> define_stats();
  expected<void> put_block(std::uint32_t k, const block_var& b, const posterior_chain& c) const;
};

expected<int> netcdf_writer::impl::group(const char* name, const posterior_options& options) const {
  int gid = -1;
  if (auto r = check(nc_def_grp(ncid, name, &gid), fmt::format("group {}", name)); !r)
    return unexpected(r.error());
  for (auto [key, value] : {std::pair<const char*, std::string>{"created_at", utc_now_iso()},
                            {"inference_library", "sgmc"},
                            {"inference_library_version", SGMC_VERSION},
                            {"model", options.model_name}})
    if (auto r = text_attr(gid, NC_GLOBAL, key, value); !r) return unexpected(r.error());
  if (auto r = check(
          nc_put_att_ulonglong(gid, NC_GLOBAL, "chain_draws", NC_UINT64, chain_draws.size(),
                               reinterpret_cast<const unsigned long long*>(chain_draws.data())),
          "attribute chain_draws");
      !r)
    return unexpected(r.error());
  const auto [lo, hi] = std::minmax_element(chain_draws.begin(), chain_draws.end());
  if (lo != chain_draws.end() && *lo != *hi)
    if (auto r = text_attr(gid, NC_GLOBAL, "padding",
                           fmt::format("chains differ in length ({} to {} draws): shorter chains "
                                       "are padded to {} draws with NaN (and -1 for step and "
                                       "staleness); chain_draws gives each chain's length",
                                       *lo, *hi, *hi));
        !r)
      return unexpected(r.error());
  for (auto [dim_name, n] :
       {std::pair<const char*, std::size_t>{"chain", chain_draws.size()}, {"draw", max_draws}})
    if (auto r = coordinate(gid, dim_name, n); !r) return unexpected(r.error());
  return gid;
}

expected<int> netcdf_writer::impl::variable(int gid, const std::string& name, nc_type type,
                                            const std::vector<int>& dims) const {
  int id = -1;
  if (auto r = check(
          nc_def_var(gid, name.c_str(), type, static_cast<int>(dims.size()), dims.data(), &id),
          "variable " + name);
      !r)
    return unexpected(r.error());
  int status = NC_NOERR;
  if (type == NC_FLOAT)
    status = nc_def_var_fill(gid, id, 0, &k_nan_f);
  else if (type == NC_DOUBLE)
    status = nc_def_var_fill(gid, id, 0, &k_nan_d);
  else
    status = nc_def_var_fill(gid, id, 1, nullptr);  // integers: every cell is written
  if (auto r = check(status, "fill value of " + name); !r) return unexpected(r.error());
  return id;
}

expected<void> netcdf_writer::impl::define_blocks(std::span<const models::param_block> layout) {
  int chain_dim = -1, draw_dim = -1;
  if (auto r = check(nc_inq_dimid(post, "chain", &chain_dim), "dimension chain"); !r) return r;
  if (auto r = check(nc_inq_dimid(post, "draw", &draw_dim), "dimension draw"); !r) return r;
  for (const auto& b : layout) {
    std::vector<int> dims{chain_dim, draw_dim};
    for (std::size_t i = 0; i < b.shape.size(); ++i) {
      auto d = coordinate(post, fmt::format("{}_dim_{}", b.name, i), b.shape[i]);
      if (!d) return unexpected(d.error());
      dims.push_back(*d);
    }
    auto id = variable(post, b.name, NC_FLOAT, dims);
    if (!id) return unexpected(id.error());
    // Chunks of whole draws of one chain, about 4 MiB each (one draw at least).
    std::vector<std::size_t> chunk{1, 1};
    chunk.insert(chunk.end(), b.shape.begin(), b.shape.end());
    const std::size_t per_draw = std::max<std::size_t>(b.size() * sizeof(float), 1);
    chunk[1] = std::clamp<std::size_t>((std::size_t{4} << 20) / per_draw, 1,
                                       std::max<std::size_t>(max_draws, 1));
    if (auto r = check(nc_def_var_chunking(post, *id, NC_CHUNKED, chunk.data()),
                       "chunking of " + b.name);
        !r)
      return r;
    blocks.push_back({*id, b.offset, b.size(), b.shape});
  }
  return {};
}

expected<void> netcdf_writer::impl::define_stats() {
  int chain_dim = -1, draw_dim = -1;
  if (auto r = check(nc_inq_dimid(stats, "chain", &chain_dim), "dimension chain"); !r) return r;
  if (auto r = check(nc_inq_dimid(stats, "draw", &draw_dim), "dimension draw"); !r) return r;
  const std::vector<int> dims{chain_dim, draw_dim};
  struct spec {
    int* id;
    const char* name;
    nc_type type;
    const char* description;
  };
  for (const spec& s :
       {spec{&step, "step", NC_INT64, "chain step (or master version) that produced the draw"},
        spec{&potential, "potential", NC_DOUBLE, "U-hat, minibatch estimate of -log posterior"},
        spec{&lp, "lp", NC_DOUBLE, "-U-hat, minibatch estimate of the log posterior density"},
        spec{&step_size, "step_size", NC_DOUBLE, "step size of the step that produced the draw"},
        spec{&staleness, "staleness", NC_INT64,
             "staleness of the update that produced the draw, -1 when not applicable"}}) {
    auto id = variable(stats, s.name, s.type, dims);
    if (!id) return unexpected(id.error());
    *s.id = *id;
    if (auto r = text_attr(stats, *id, "description", s.description); !r) return r;
  }
  return {};
}

netcdf_writer::netcdf_writer(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
netcdf_writer::netcdf_writer(netcdf_writer&&) noexcept = default;
netcdf_writer& netcdf_writer::operator=(netcdf_writer&&) noexcept = default;
netcdf_writer::~netcdf_writer() = default;

expected<netcdf_writer> netcdf_writer::create(const std::string& path,
                                              std::span<const models::param_block> layout,
                                              std::size_t dim,
                                              std::span<const std::uint64_t> chain_draws,
                                              const posterior_options& options) {
  auto p = std::make_unique<impl>();
  p->path = path;
  p->dim = dim;
  p->chain_draws.assign(chain_draws.begin(), chain_draws.end());
  for (const auto d : chain_draws) p->max_draws = std::max<std::size_t>(p->max_draws, d);
  if (auto r = p->check(nc_create(path.c_str(), NC_NETCDF4 | NC_CLOBBER, &p->ncid), "create"); !r)
    return unexpected(r.error());
  auto post = p->group("posterior", options);
  if (!post) return unexpected(post.error());
  p->post = *post;
  auto stats = p->group("sample_stats", options);
  if (!stats) return unexpected(stats.error());
  p->stats = *stats;
  const std::vector<models::param_block> flat{{"theta", {dim}, 0}};
  if (auto r = p->define_blocks(options.flat ? std::span(flat) : layout); !r)
    return unexpected(r.error());
  if (auto r = p->define_stats(); !r) return unexpected(r.error());
  return netcdf_writer(std::move(p));
}

expected<void> netcdf_writer::impl::put_block(std::uint32_t k, const block_var& b,
                                              const posterior_chain& c) const {
  const std::size_t n = c.draws();
  std::vector<float> buf(n * b.size);
  for (std::size_t d = 0; d < n; ++d)
    std::copy_n(c.theta.begin() + static_cast<std::ptrdiff_t>(d * dim + b.offset), b.size,
                buf.begin() + static_cast<std::ptrdiff_t>(d * b.size));
  std::vector<std::size_t> start(2 + b.shape.size(), 0), count{1, n};
  start[0] = k;
  count.insert(count.end(), b.shape.begin(), b.shape.end());
  return check(nc_put_vara_float(post, b.id, start.data(), count.data(), buf.data()),
               fmt::format("posterior of chain {}", k));
}

expected<void> netcdf_writer::put_chain(std::uint32_t k, const posterior_chain& c) {
  const impl& p = *impl_;
  SGMC_ASSERT(k < p.chain_draws.size() && c.draws() == p.chain_draws[k], "chain k's draws");
  SGMC_ASSERT(c.theta.size() == c.draws() * p.dim && c.potential.size() == c.draws() &&
                  c.step_size.size() == c.draws() && c.staleness.size() == c.draws(),
              "posterior_chain lengths");
  if (c.draws() > 0)
    for (const auto& b : p.blocks)
      if (auto r = p.put_block(k, b, c); !r) return r;
  // Statistics are written padded to max_draws (the integers have no fill value).
  const std::size_t m = p.max_draws, n = c.draws();
  if (m == 0) return {};
  const std::size_t start[2] = {k, 0}, count[2] = {1, m};
  std::vector<long long> ints(m, -1);
  std::vector<double> reals(m, k_nan_d);
  const auto put_ints = [&](int var, auto&& value) {
    for (std::size_t i = 0; i < n; ++i) ints[i] = static_cast<long long>(value(i));
    return p.check(nc_put_vara_longlong(p.stats, var, start, count, ints.data()),
                   fmt::format("sample_stats of chain {}", k));
  };
  const auto put_reals = [&](int var, auto&& value) {
    for (std::size_t i = 0; i < n; ++i) reals[i] = value(i);
    return p.check(nc_put_vara_double(p.stats, var, start, count, reals.data()),
                   fmt::format("sample_stats of chain {}", k));
  };
  if (auto r = put_ints(p.step, [&](std::size_t i) { return c.step[i]; }); !r) return r;
  if (auto r = put_ints(p.staleness, [&](std::size_t i) { return c.staleness[i]; }); !r) return r;
  if (auto r = put_reals(p.potential, [&](std::size_t i) { return c.potential[i]; }); !r) return r;
  if (auto r = put_reals(p.lp, [&](std::size_t i) { return -c.potential[i]; }); !r) return r;
  return put_reals(p.step_size, [&](std::size_t i) { return c.step_size[i]; });
}

expected<void> netcdf_writer::close() {
  const int id = std::exchange(impl_->ncid, -1);
  return impl_->check(nc_close(id), "close");
}

}  // namespace sgmc::engine
