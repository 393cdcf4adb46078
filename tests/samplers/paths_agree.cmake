# Runs DIGEST (sgmc_path_digest) once per generator path, forced with SGMC_RNG_PATH, and requires
# every path this CPU runs to print the scalar path's digests line for line. A path the CPU
# cannot run is named in the output (the automatic choice then stands, which the run checks).
#   cmake -DDIGEST=<sgmc_path_digest> -P paths_agree.cmake
function(run_path path out_var)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env SGMC_RNG_PATH=${path} ${DIGEST}
    OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "sgmc_path_digest with SGMC_RNG_PATH=${path} failed (${rc}):\n${out}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

# The path line first, then the digests.
function(split out path_var body_var)
  string(REGEX MATCH "^path ([a-z0-9]+)\n" head "${out}")
  set(${path_var} "${CMAKE_MATCH_1}" PARENT_SCOPE)
  string(LENGTH "${head}" n)
  string(SUBSTRING "${out}" ${n} -1 body)
  set(${body_var} "${body}" PARENT_SCOPE)
endfunction()

run_path(scalar ref)
split("${ref}" ref_path ref_body)
if(NOT ref_path STREQUAL "scalar")
  message(FATAL_ERROR "SGMC_RNG_PATH=scalar ran path '${ref_path}'")
endif()
string(REGEX MATCHALL "\n" lines "${ref_body}")
list(LENGTH lines n_lines)
if(n_lines LESS 40 OR ref_body MATCHES "error|diverged")
  message(FATAL_ERROR "the scalar run printed too little or failed:\n${ref}")
endif()
set(untested "")
foreach(path avx2 avx512)
  run_path(${path} got)
  split("${got}" got_path got_body)
  if(NOT got_path STREQUAL path)
    message(STATUS "path ${path}: this CPU cannot run it, NOT TESTED (the automatic choice "
      "'${got_path}' ran instead)")
    list(APPEND untested ${path})
  endif()
  if(NOT got_body STREQUAL ref_body)
    message(FATAL_ERROR "path ${got_path} differs from the scalar path:\n"
      "--- scalar\n${ref_body}--- ${got_path}\n${got_body}")
  endif()
  if(got_path STREQUAL path)
    message(STATUS "path ${path}: ${n_lines} digests equal to the scalar path's")
  endif()
endforeach()
if(untested)
  message(STATUS "paths this CPU cannot run, not tested here: ${untested}")
endif()
