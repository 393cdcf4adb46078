// The config key table against docs/config.md: every key documented with its type and default,
// no documented key missing from the table, and kind names taken from their modules.
#include "sgmc/tools/config_loader.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using sgmc::tools::describe_keys;
using sgmc::tools::key_info;

namespace {

/// One row of a key table of docs/config.md.
struct doc_row {
  std::string type;
  std::string default_value;  ///< without the backticks; "" when the cell is empty
};

/// "model" for "## `[model]`", "" for "## Top level"; "-" for headings of no key table.
std::string section_of(const std::string& heading) {
  if (heading == "## Top level") return "";
  if (heading.rfind("## `[", 0) == 0 && heading.size() > 7)
    return heading.substr(5, heading.size() - 7);
  return "-";
}

/// The cells of a markdown table row "| a | b | c |", trimmed.
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 1;
  for (std::size_t bar = line.find('|', start); bar != std::string::npos;
       start = bar + 1, bar = line.find('|', start)) {
    std::string c = line.substr(start, bar - start);
    c.erase(0, c.find_first_not_of(' '));
    c.erase(c.find_last_not_of(' ') + 1);
    out.push_back(c);
  }
  return out;
}

std::string unquote(const std::string& cell) {
  return cell.size() >= 2 && cell.front() == '`' && cell.back() == '`'
             ? cell.substr(1, cell.size() - 2)
             : cell;
}

/// "section.key" (or "key" at top level) -> its row, for every key table of docs/config.md.
std::map<std::string, doc_row> documented_keys() {
  std::ifstream in(std::string(SGMC_SOURCE_DIR) + "/docs/config.md");
  REQUIRE(in);
  std::map<std::string, doc_row> rows;
  std::string line, section = "-";
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) section = section_of(line);
    if (section == "-" || line.rfind("| `", 0) != 0) continue;
    const auto c = cells(line);
    if (c.size() < 5) continue;
    const std::string key = unquote(c[0]);
    rows[section.empty() ? key : section + "." + key] = {c[1], unquote(c[2])};
  }
  return rows;
}

const key_info* find(const std::vector<key_info>& keys, const std::string& name) {
  auto it =
      std::find_if(keys.begin(), keys.end(), [&](const key_info& k) { return k.key == name; });
  return it == keys.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("docs/config.md documents every key of the table with its type and default",
          "[config][docs]") {
  const auto docs = documented_keys();
  const auto keys = describe_keys();
  REQUIRE(keys.size() > 50);
  for (const auto& k : keys) {
    INFO(k.key);
    auto row = docs.find(k.key);
    REQUIRE(row != docs.end());
    CHECK(row->second.type == k.type);
    if (!k.alias) CHECK(row->second.default_value == k.default_value);
    CHECK_FALSE(k.description.empty());
    CHECK(k.description.find('\n') == std::string::npos);
  }
  for (const auto& [name, row] : docs) {
    INFO(name);
    CHECK(find(keys, name) != nullptr);
  }
}

TEST_CASE("the key table takes its kind names from the modules that own them", "[config][docs]") {
  const auto keys = describe_keys();
  auto range_of = [&](const std::string& name) {
    const key_info* k = find(keys, name);
    REQUIRE(k != nullptr);
    return k->range;
  };
  CHECK(range_of("protocol.kind") == "none | sync | async | ssp | downpour | elastic");
  CHECK(range_of("sampler.kind") ==
        "sgld | sghmc | sghmc-euler | sghmc-exact | sgld-fp | psgld | sgd | sgd-momentum");
  CHECK(range_of("sampler.schedule") == "constant | polynomial | cyclical");
  CHECK(range_of("model.kind") == "gaussian | linreg | logreg | softmax | mlp | mixture");
  CHECK(range_of("data.format") == "idx | csv | libsvm | synthetic");
  CHECK(range_of("protocol.workers") == "in [1, 4096]");
  CHECK(find(keys, "run.seed")->alias);
}
