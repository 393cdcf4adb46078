# Third-party dependencies, all from Debian 12 packages (scripts/install-deps installs them).
# Every include directory is SYSTEM so that -Werror on our code does not trip on theirs.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
# zlib streams the text formats with bounds (models/src/text_file.cpp), reads an IDX file's
# header (a few bytes) and writes the gzip files of the IDX loader's tests; IDX files inflate
# whole with libdeflate.
find_package(ZLIB REQUIRED)
# libssl checks a node's TLS certificate, key and CA before CAF's OpenSSL module uses them
# (actors/src/tls.cpp); libcaf_openssl links it too. libcrypto digests the data files a node
# reads (SHA-256, models/data_digest.hpp).
find_package(OpenSSL 1.1 REQUIRED COMPONENTS SSL Crypto)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(TBB REQUIRED)
find_package(fmt REQUIRED)
find_package(Catch2 2 REQUIRED)
find_package(benchmark REQUIRED)
find_package(CLI11 REQUIRED)
pkg_check_modules(tomlplusplus REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(zmq REQUIRED IMPORTED_TARGET libzmq)
pkg_check_modules(libdeflate REQUIRED IMPORTED_TARGET libdeflate)
# `sgmc diagnose`: autocovariances by FFT (FFTW), Φ⁻¹ and Beta quantiles (Boost.Math, headers).
pkg_check_modules(fftw3 REQUIRED IMPORTED_TARGET fftw3)
find_package(Boost 1.74 REQUIRED)
# libnetcdf (netCDF-4 on HDF5) writes OUT/posterior.nc, ArviZ's format (engine/src/netcdf_writer.cpp).
pkg_check_modules(netcdf REQUIRED IMPORTED_TARGET netcdf)

# Random123 is header-only and ships no CMake or pkg-config file.
find_path(RANDOM123_INCLUDE_DIR Random123/philox.h REQUIRED)
add_library(sgmc_random123 INTERFACE)
target_include_directories(sgmc_random123 SYSTEM INTERFACE ${RANDOM123_INCLUDE_DIR})
add_library(Random123::Random123 ALIAS sgmc_random123)

# CAF 0.17.6 ships neither a CMake config nor a pkg-config file: wrap it in imported targets.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
foreach(part core io openssl)
  find_library(CAF_${part}_LIBRARY NAMES caf_${part} libcaf_${part}.so.0.17.6 REQUIRED)
  add_library(CAF::${part} SHARED IMPORTED)
  set_target_properties(CAF::${part} PROPERTIES
    IMPORTED_LOCATION ${CAF_${part}_LIBRARY}
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${CAF_INCLUDE_DIR}
    INTERFACE_INCLUDE_DIRECTORIES ${CAF_INCLUDE_DIR})
endforeach()
set_property(TARGET CAF::io APPEND PROPERTY INTERFACE_LINK_LIBRARIES CAF::core Threads::Threads)
set_property(TARGET CAF::openssl APPEND PROPERTY INTERFACE_LINK_LIBRARIES CAF::io)

# Eigen's own include dir is not marked SYSTEM by its config; re-export it as such.
get_target_property(_eigen_inc Eigen3::Eigen INTERFACE_INCLUDE_DIRECTORIES)
add_library(sgmc_eigen INTERFACE)
target_include_directories(sgmc_eigen SYSTEM INTERFACE ${_eigen_inc})
# Eigen must never start its own OpenMP threads: parallelism is TBB's.
target_compile_definitions(sgmc_eigen INTERFACE EIGEN_DONT_PARALLELIZE)
add_library(sgmc::eigen ALIAS sgmc_eigen)
