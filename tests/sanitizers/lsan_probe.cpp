// The LeakSanitizer probe (tests/sanitizers/CMakeLists.txt): shows that lsan.supp, which
// silences a leak inside CAF 0.17.6's network layer, still lets sgmc's own leaks through.
//   lsan_probe clean         an actor system with the middleman, an actor, a clean shutdown
//   lsan_probe direct        and memory that nothing points to (a direct leak)
//   lsan_probe actor-cycle   and an actor that keeps a handle to itself after it quit (a leak
//                            of an actor, the kind a suppression of CAF's could hide)
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace {

// Answers its first message and quits; `keep_self`: keeping a handle to itself, so that its
// memory is never freed.
class quitter : public caf::event_based_actor {
 public:
  quitter(caf::actor_config& cfg, bool keep_self)
      : caf::event_based_actor(cfg), keep_self_(keep_self) {}

  caf::behavior make_behavior() override {
    return {[this](int x) {
      if (keep_self_) self_ = caf::actor_cast<caf::actor>(this);
      quit();
      return x;
    }};
  }

 private:
  bool keep_self_;
  caf::actor self_;
};

__attribute__((noinline)) void leak_directly() {
  auto* volatile p = new int[16];
  p[0] = 1;
}

void ask_once(caf::actor_system& sys, bool keep_self) {
  auto a = sys.spawn<quitter>(keep_self);
  caf::scoped_actor self{sys};
  self->request(a, caf::infinite, 42).receive([](int) {}, [](caf::error&) {});
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode != "clean" && mode != "direct" && mode != "actor-cycle") {
    std::fprintf(stderr, "usage: lsan_probe clean|direct|actor-cycle\n");
    return 2;
  }
  {
    caf::actor_system_config cfg;
    cfg.load<caf::io::middleman>();
    cfg.set("logger.verbosity", caf::atom("quiet"));
    caf::actor_system sys{cfg};
    ask_once(sys, mode == "actor-cycle");
  }
  if (mode == "direct") leak_directly();
  std::puts("lsan_probe: done");
  return 0;
}
