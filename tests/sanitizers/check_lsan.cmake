# Runs lsan_probe (PROBE) under LeakSanitizer with the suppressions SUPP (lsan.supp) and checks
# that they silence nothing of sgmc's: a clean run passes, a direct leak and an actor that
# leaks itself are both reported. cmake -DPROBE=... -DSUPP=... -P check_lsan.cmake
foreach(var PROBE SUPP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_lsan.cmake needs -D${var}=...")
  endif()
endforeach()

function(run_probe mode out_code out_text)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
      LSAN_OPTIONS=suppressions=${SUPP} ${PROBE} ${mode}
    RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  set(${out_code} "${code}" PARENT_SCOPE)
  set(${out_text} "${out}${err}" PARENT_SCOPE)
endfunction()

run_probe(clean code text)
if(NOT code EQUAL 0 OR text MATCHES "LeakSanitizer")
  message(FATAL_ERROR "lsan_probe clean: expected exit 0 and no leak, got ${code}:\n${text}")
endif()

foreach(pair "direct;leak_directly" "actor-cycle;quitter")
  list(GET pair 0 mode)
  list(GET pair 1 where)
  run_probe(${mode} code text)
  if(code EQUAL 0 OR NOT text MATCHES "LeakSanitizer: detected memory leaks"
     OR NOT text MATCHES "${where}")
    message(FATAL_ERROR
      "lsan_probe ${mode}: the suppressions hid sgmc's leak (expected a report naming "
      "${where}), exit ${code}:\n${text}")
  endif()
endforeach()
message(STATUS "lsan.supp silences none of the probe's leaks; the clean run passes")
