# Runs DIGEST (sgmc_path_digest) once per generator path, forced with SGMC_RNG_PATH, and requires
# every path this CPU runs to print the scalar path's digests line for line. With SGMC (the
# binary), SOURCE_DIR and WORK_DIR it also runs whole `sgmc run`s under each path (a linear
# regression with SGLD, and an MLP on synthetic classes with SGHMC under the sync protocol: the
# minibatches, the model's products and the kernels) and requires the same draws, byte for byte.
# A path the CPU cannot run is named in the output (the automatic choice then stands).
#   cmake -DDIGEST=<sgmc_path_digest> [-DSGMC=<sgmc> -DSOURCE_DIR=<repo> -DWORK_DIR=<dir>]
#     -P paths_agree.cmake
cmake_minimum_required(VERSION 3.25)
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

# The draws of two whole runs under SGMC_RNG_PATH=path, concatenated as hex.
function(run_sgmc path out_var)
  set(all "")
  set(mlp_sets --set model.kind=mlp --set "model.layers=[20, 32, 3]" --set data.generator=softmax
    --set data.synthetic_features=20 --set data.classes=3 --set sampler.kind=sghmc
    --set sampler.step_size=1e-3 --set protocol.kind=sync --set protocol.workers=2
    --set run.steps=300 --set run.burnin=100 --set run.thin=10 --set run.eval_every=100)
  foreach(run linreg mlp)
    set(out ${WORK_DIR}/${path}-${run})
    file(REMOVE_RECURSE ${out})
    if(run STREQUAL "linreg")
      set(args ${SOURCE_DIR}/examples/linreg.toml --set run.steps=2000)
    else()
      set(args ${SOURCE_DIR}/examples/logreg.toml ${mlp_sets})
    endif()
    execute_process(COMMAND ${CMAKE_COMMAND} -E env SGMC_RNG_PATH=${path} ${SGMC} run ${args}
      --out ${out} OUTPUT_VARIABLE log ERROR_VARIABLE log RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0 OR NOT EXISTS ${out}/samples/chain-0.npy)
      message(FATAL_ERROR "sgmc run (${run}) with SGMC_RNG_PATH=${path} failed (${rc}):\n${log}")
    endif()
    file(READ ${out}/samples/chain-0.npy draws HEX)
    string(APPEND all "${run}: ${draws}\n")
  endforeach()
  set(${out_var} "${all}" PARENT_SCOPE)
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
if(SGMC)
  run_sgmc(scalar ref_runs)
  foreach(path avx2 avx512)
    if(path IN_LIST untested)
      continue()
    endif()
    run_sgmc(${path} got_runs)
    if(NOT got_runs STREQUAL ref_runs)
      message(FATAL_ERROR "path ${path}: the draws of `sgmc run` differ from the scalar path's")
    endif()
    string(LENGTH "${ref_runs}" n)
    math(EXPR n "${n} / 2")
    message(STATUS "path ${path}: the draws of two `sgmc run`s equal the scalar path's (${n} bytes)")
  endforeach()
endif()
if(untested)
  message(STATUS "paths this CPU cannot run, not tested here: ${untested}")
endif()
