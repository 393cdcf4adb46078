# Flags for sgmc's own code: warnings as errors, the target CPU (the portable baseline, or
# -march=native) and optional sanitizers.
add_library(sgmc_flags INTERFACE)
target_compile_options(sgmc_flags INTERFACE -Wall -Wextra -Wpedantic -Werror
  -Wno-error=deprecated-declarations)
# GCC 12 bug 105593: its own AVX-512 intrinsics (`__m512 __Y = __Y;`) trip -Wuninitialized once
# inlined into our code (Eigen's vectorised sqrt). Fixed in GCC 13.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(sgmc_flags INTERFACE -Wno-uninitialized -Wno-maybe-uninitialized)
endif()
# The portable default: every translation unit is compiled for SGMC_BASELINE, and only the files
# of the faster paths (core/src/rng_avx512.cpp) for more, each called after a run-time check of
# the CPU. -mtune=generic: no scheduling for the build host either.
if(SGMC_NATIVE)
  target_compile_options(sgmc_flags INTERFACE -march=native)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$" AND SGMC_BASELINE)
  target_compile_options(sgmc_flags INTERFACE -march=${SGMC_BASELINE} -mtune=generic)
endif()
if(SGMC_SANITIZE)
  target_compile_options(sgmc_flags INTERFACE -fsanitize=address,undefined
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(sgmc_flags INTERFACE -fsanitize=address,undefined)
endif()
add_library(sgmc::flags ALIAS sgmc_flags)

# sgmc_add_module(NAME SOURCES ... DEPS ...): one library per top-level folder, public headers
# under NAME/include/sgmc/NAME/, private sources under NAME/src/.
function(sgmc_add_module name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS" ${ARGN})
  add_library(sgmc_${name} ${arg_SOURCES})
  add_library(sgmc::${name} ALIAS sgmc_${name})
  target_include_directories(sgmc_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(sgmc_${name} PUBLIC ${arg_DEPS} PRIVATE sgmc::flags)
endfunction()

# sgmc_add_test(NAME LABELS ... SOURCES ... DEPS ...): one Catch2 binary per module. Every
# test case becomes one CTest test labelled LABELS; cases tagged [slow] are labelled "slow"
# instead (Catch's discovery flattens a list of labels into separate words, so a test cannot
# carry both). `ctest -L unit` is therefore the quick unit tests, `ctest -L slow` the long ones.
list(APPEND CMAKE_MODULE_PATH ${Catch2_DIR})
include(Catch)
function(sgmc_add_test name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_DEPS} sgmc_catch_main sgmc::flags)
  catch_discover_tests(${name} TEST_SPEC "~[slow]" TEST_PREFIX "${name}: "
    PROPERTIES LABELS "${arg_LABELS}")
  catch_discover_tests(${name} TEST_SPEC "[slow]" TEST_PREFIX "${name}: "
    PROPERTIES LABELS slow)
endfunction()
