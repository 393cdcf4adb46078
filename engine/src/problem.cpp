#include "sgmc/engine/problem.hpp"

#include "sgmc/samplers/sampler.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <regex>
#include <utility>

#include <unistd.h>

namespace sgmc::engine {

namespace fs = std::filesystem;

unexpected prefixed(const std::string& source, const error& e) {
  return unexpected(e.code, fmt::format("{}: {}", source, e.message));
}

expected<problem> load_problem(const run_config& cfg, const std::string& source) {
  problem p;
  if (!models::is_data_free(cfg.model.kind)) {
    auto data = models::load_data(cfg.data, cfg.seed);
    if (!data) return prefixed(source, data.error());
    p.data = std::move(*data);
  }
  // The model shares the training set; only the test set stays here.
  auto m = models::is_data_free(cfg.model.kind)
               ? models::make_model(cfg.model, p.data)
               : models::make_model(
                     cfg.model, std::make_shared<const models::dataset>(std::move(p.data.train)));
  if (!m) return prefixed(source, m.error());
  p.model = std::move(*m);
  return p;
}

expected<samplers::schedule> check_sampler(const run_config& cfg, const models::model& m,
                                           const std::string& source) {
  const std::size_t n = m.data_size();
  if (n > 0 && cfg.sampler.batch_size > n)
    return make_error(errc::invalid_config,
                      fmt::format("{}: sampler.batch_size ({}) exceeds the training set size ({})",
                                  source, cfg.sampler.batch_size, n));
  auto sched = cfg.make_schedule();
  if (!sched) return prefixed(source, sched.error());
  return sched;
}

expected<void> write_text(const fs::path& path, const std::string& text) {
  // Written beside and renamed: nodes of one run on one host may write the same file at once.
  auto tmp = path;
  tmp += fmt::format(".{}.tmp", ::getpid());
  auto fail = [&](int err) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return make_error(errc::io,
                      fmt::format("cannot write {}: {}", path.string(), std::strerror(err)));
  };
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return fail(errno);
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int write_err = errno;
  if (std::fclose(f) != 0 || !written) return fail(written ? errno : write_err);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return fail(ec.value());
  return {};
}

expected<void> prepare_output(const fs::path& out, const std::string& config_text,
                              bool remove_traces) {
  std::error_code ec;
  fs::create_directories(out / "samples", ec);
  if (ec)
    return make_error(errc::io, fmt::format("cannot create output folder {}: {}",
                                            (out / "samples").string(), ec.message()));
  static const std::regex chain_file(R"(chain-[0-9]+\.npy)");
  for (const auto& entry : fs::directory_iterator(out / "samples", ec))
    if (std::regex_match(entry.path().filename().string(), chain_file))
      fs::remove(entry.path(), ec);
  fs::remove(out / "posterior.nc", ec);  // written again only if this run succeeds
  if (remove_traces)
    for (const auto& entry : fs::directory_iterator(out / "trace", ec))
      if (entry.path().extension() == ".trace") fs::remove(entry.path(), ec);
  ec.clear();
  return write_text(out / "config.toml", config_text);
}

}  // namespace sgmc::engine
