#include "fixture.hpp"

#include <caf/atom.hpp>

#include <unistd.h>

#include <utility>

namespace sgmc::actors::test {

test_config::test_config() {
  register_messages(*this);
  register_runtime_messages(*this);
  set("scheduler.policy", caf::atom("testing"));
  set("logger.verbosity", caf::atom("quiet"));
}

expected<void> memory_sink::on_draw(const protocols::draw& d) {
  if (fail_at_draw && draws.size() == *fail_at_draw)
    return make_error(errc::io, "test sink: disk full");
  draws.push_back(d);
  return {};
}

expected<void> memory_sink::on_finish(const engine::run_report& s) {
  finished = s;
  return {};
}

void memory_sink::on_error(const error& e) { failed = e; }

log_fn log_lines::fn() {
  return [this](const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex);
    lines.push_back(line);
  };
}

bool log_lines::contains(const std::string& text) {
  std::lock_guard<std::mutex> lock(mutex);
  for (const auto& l : lines)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

deterministic_fixture::deterministic_fixture()
    : sys(cfg), sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {}

deterministic_fixture::~deterministic_fixture() {
  run_until([] { return false; });
}

topology deterministic_fixture::start(engine::run_parts p, actor_context ctx,
                                      std::chrono::milliseconds watchdog) {
  supervisor_config sup;
  sup.watchdog = watchdog;
  sup.log = ctx.log;
  sup.on_result = [this](expected<engine::run_report> r) { result.emplace(std::move(r)); };
  parts = std::move(p);
  return spawn_topology(sys, parts, std::move(ctx), std::move(sup));
}

std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("sgmc-actors-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace sgmc::actors::test
