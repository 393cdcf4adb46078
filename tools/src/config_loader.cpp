#include "sgmc/tools/config_loader.hpp"

#include "config_keys.hpp"
#include "config_value.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace sgmc::tools {
namespace {

using detail::config_key;

/// Prefixes an error's message with where the value came from.
unexpected located(std::string_view source, const error& e) {
  return unexpected(e.code, fmt::format("{}: {}", source, e.message));
}

unexpected config_error(std::string_view source, std::string message) {
  return make_error(errc::invalid_config, fmt::format("{}: {}", source, message));
}

bool is_section(std::string_view name) {
  for (auto s : detail::config_sections())
    if (s == name) return true;
  return false;
}

expected<void> unknown_key(std::string_view source, std::string_view section,
                           std::string_view key) {
  const std::string full = section.empty() ? std::string(key) : fmt::format("{}.{}", section, key);
  return config_error(source, fmt::format("unknown key {}{}", full, detail::suggest_key(full)));
}

expected<void> apply_key(const toml::node& node, std::string_view source, std::string_view section,
                         std::string_view key, engine::run_config& cfg) {
  const config_key* k = detail::find_key(section, key);
  if (!k) return unknown_key(source, section, key);
  if (auto r = k->read(node, cfg); !r) return located(source, r.error());
  return {};
}

expected<void> apply_section(const toml::table& table, std::string_view source,
                             std::string_view section, engine::run_config& cfg) {
  for (auto&& [key, node] : table)
    if (auto r = apply_key(node, source, section, key.str(), cfg); !r) return r;
  return {};
}

expected<void> apply_root_entry(std::string_view key, const toml::node& node,
                                std::string_view source, engine::run_config& cfg) {
  if (is_section(key)) {
    if (const auto* t = node.as_table()) return apply_section(*t, source, key, cfg);
    return config_error(source, fmt::format("{} must be a table ([{}])", key, key));
  }
  if (detail::is_future_section(key))
    return config_error(source, fmt::format("section [{}] is not yet supported", key));
  if (node.is_table())
    return config_error(source, fmt::format("unknown section [{}] (sections are: {})", key,
                                            fmt::join(detail::config_sections(), ", ")));
  return apply_key(node, source, "", key, cfg);
}

/// `seed` and `run.seed` name the same value: both may be given only if they agree.
expected<void> check_seed_alias(const toml::table& root, std::string_view source) {
  const auto top = root["seed"].value<std::int64_t>();
  const auto run = root["run"]["seed"].value<std::int64_t>();
  if (top && run && *top != *run)
    return config_error(source,
                        fmt::format("seed ({}) and run.seed ({}) disagree; give one", *top, *run));
  return {};
}

/// The key an override names ("run.seed" for "run.seed=9"), or "".
std::string_view override_key(std::string_view assignment) {
  const auto eq = assignment.find('=');
  return eq == std::string_view::npos ? std::string_view() : assignment.substr(0, eq);
}

/// `--set seed=A --set run.seed=B` names one value twice: an error unless A == B (the last
/// --set of each name counts).
expected<void> check_seed_overrides(const std::vector<std::string>& overrides) {
  engine::run_config scratch;
  std::optional<std::uint64_t> top, run;
  const std::string *top_set = nullptr, *run_set = nullptr;
  for (const auto& o : overrides) {
    const std::string_view key = override_key(o);
    if (key != "seed" && key != "run.seed") continue;
    if (!apply_override(scratch, o)) continue;  // reported when the overrides are applied
    (key == "seed" ? top : run) = scratch.seed;
    (key == "seed" ? top_set : run_set) = &o;
  }
  if (top && run && *top != *run)
    return make_error(errc::invalid_config,
                      fmt::format("--set {} and --set {} disagree (seed and run.seed are one "
                                  "value); give one",
                                  *top_set, *run_set));
  return {};
}

/// The overrides that name a key mentioned in `message`, as "--set a=1, --set b=2"; "".
std::string overrides_named_in(std::string_view message, const std::vector<std::string>& sets) {
  std::string out;
  for (const auto& o : sets) {
    const std::string_view key = override_key(o);
    if (key.empty() || message.find(key) == std::string_view::npos) continue;
    out += fmt::format("{}--set {}", out.empty() ? "" : ", ", o);
  }
  return out;
}

/// Validates `cfg` (the file `source` with `sets` applied). An error that the file alone does
/// not have is blamed on the overrides whose keys it names ("--set run.burnin=5000: ...").
expected<void> validate_resolved(const engine::run_config& cfg, const engine::run_config& file_cfg,
                                 const std::string& source, const std::vector<std::string>& sets) {
  auto r = validate(cfg);
  if (r) return {};
  if (sets.empty() || !validate(file_cfg)) return located(source, r.error());
  std::string blamed = overrides_named_in(r.error().message, sets);
  if (blamed.empty()) blamed = fmt::format("{} with the --set overrides", source);
  return located(blamed, r.error());
}

expected<toml::table> parse_toml(std::string_view text, const std::string& source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return make_error(errc::invalid_config, fmt::format("{}:{}:{}: {} (TOML syntax error)", source,
                                                        b.line, b.column, e.description()));
  }
}

/// Reads `text` as a TOML value; nullptr when it is not one.
std::unique_ptr<toml::node> parse_value(std::string_view text) {
  try {
    toml::table t = toml::parse(fmt::format("v = {}", text));
    if (t.size() != 1 || !t.contains("v")) return nullptr;
    std::unique_ptr<toml::node> out;
    t["v"].node()->visit(
        [&](const auto& n) { out = std::make_unique<std::decay_t<decltype(n)>>(n); });
    return out;
  } catch (const toml::parse_error&) {
    return nullptr;
  }
}

}  // namespace

expected<void> apply_override(engine::run_config& cfg, std::string_view assignment) {
  const std::string source = fmt::format("--set {}", assignment);
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return make_error(errc::invalid_argument,
                      fmt::format("{}: expected section.key=value", source));
  const std::string_view full = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  const auto dot = full.find('.');
  const std::string_view section = dot == std::string_view::npos ? "" : full.substr(0, dot);
  const std::string_view key = dot == std::string_view::npos ? full : full.substr(dot + 1);
  if (!section.empty() && !is_section(section) && !detail::is_future_section(section))
    return config_error(source, fmt::format("unknown key {}{}", full, detail::suggest_key(full)));
  if (detail::is_future_section(section))
    return config_error(source, fmt::format("section [{}] is not yet supported", section));
  const config_key* k = detail::find_key(section, key);
  if (!k) return unknown_key(source, section, key);
  auto node = parse_value(text);
  const toml::value<std::string> as_string{std::string(text)};
  if (!node) {  // not a TOML value: a bare word, valid only for string keys
    if (auto r = k->read(as_string, cfg); !r) return located(source, r.error());
    return {};
  }
  auto r = k->read(*node, cfg);
  if (r) return {};
  if (!node->is_string() && k->read(as_string, cfg)) return {};  // a bare word for a string key
  return located(source, r.error());
}

expected<engine::run_config> parse_config(std::string_view text, const std::string& source,
                                          const std::vector<std::string>& overrides) {
  auto root = parse_toml(text, source);
  if (!root) return unexpected(root.error());
  engine::run_config cfg;
  for (auto&& [key, node] : *root)
    if (auto r = apply_root_entry(key.str(), node, source, cfg); !r) return unexpected(r.error());
  if (auto r = check_seed_alias(*root, source); !r) return unexpected(r.error());
  const engine::run_config file_cfg = cfg;
  for (const auto& o : overrides)
    if (auto r = apply_override(cfg, o); !r) return unexpected(r.error());
  if (auto r = check_seed_overrides(overrides); !r) return unexpected(r.error());
  if (auto r = validate_resolved(cfg, file_cfg, source, overrides); !r)
    return unexpected(r.error());
  return cfg;
}

expected<engine::run_config> load_config(const std::string& path,
                                         const std::vector<std::string>& overrides) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return make_error(errc::io, fmt::format("cannot read config {}: it is a directory", path));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(errc::io,
                      fmt::format("cannot read config {}: {}", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return make_error(errc::io, fmt::format("cannot read config {}: read failed", path));
  return parse_config(text.str(), path, overrides);
}

std::string to_toml(const engine::run_config& cfg) {
  std::string out =
      "# Resolved configuration of this run: every key with its effective value, defaults\n"
      "# included (see docs/config.md). `sgmc run` accepts this file as it is.\n";
  auto write_section = [&](std::string_view section) {
    for (const auto& k : detail::config_keys())
      if (k.section == section && !k.alias) out += fmt::format("{} = {}\n", k.name, k.write(cfg));
  };
  write_section("");
  for (auto s : detail::config_sections()) {
    out += fmt::format("\n[{}]\n", s);
    write_section(s);
  }
  return out;
}

}  // namespace sgmc::tools
