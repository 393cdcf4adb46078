# The module boundaries of docs/architecture.md that the include paths alone do not enforce:
#   protocols/ and engine/ include no CAF, ZeroMQ or socket header;
#   protocols/ reads no clock and starts no thread;
#   engine/ reads the system clock only in src/clock.cpp (its injected clock) and
#   src/trace_clock.cpp (the trace's clock), and starts threads only in its background writers
#   (trace_writer.cpp, eval_worker.hpp);
#   sim/ includes no CAF, ZeroMQ or socket header, reads no clock (its time is virtual) and
#   starts no thread.
# Run as: cmake -DSOURCE_DIR=... -P boundary_check.cmake
set(failures "")
function(check_files module pattern allowed what)
  file(GLOB_RECURSE files ${SOURCE_DIR}/${module}/*.hpp ${SOURCE_DIR}/${module}/*.cpp)
  foreach(f ${files})
    file(RELATIVE_PATH rel ${SOURCE_DIR} ${f})
    if(rel MATCHES "${allowed}")
      continue()
    endif()
    file(STRINGS ${f} hits REGEX "${pattern}")
    if(hits)
      list(GET hits 0 first)
      set(failures "${failures}\n${rel}: ${what}: ${first}")
    endif()
  endforeach()
  set(failures "${failures}" PARENT_SCOPE)
endfunction()

foreach(m protocols engine sim)
  check_files(${m} "#include <(caf/|zmq|sys/socket|netinet/)" "^$" "includes a transport header")
endforeach()
check_files(protocols "(steady_clock|system_clock|clock_gettime|std::thread|std::jthread)" "^$"
  "reads a clock or starts a thread")
check_files(sim
  "(steady_clock|system_clock|high_resolution_clock|clock_gettime|gettimeofday|std::thread|std::jthread|std::async|trace_now_ns)"
  "^$" "reads a clock or starts a thread")
check_files(engine "(steady_clock::now|system_clock::now|clock_gettime)"
  "^engine/src/(clock.cpp|trace_clock.cpp|trace_clock.hpp)$" "reads the clock outside clock.cpp")
check_files(engine "std::(j)?thread[ ({]" "^engine/src/(trace_writer.cpp|eval_worker.hpp)$"
  "starts a thread outside the background writers")
if(failures)
  message(FATAL_ERROR "module boundaries crossed:${failures}")
endif()
