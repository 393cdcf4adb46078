# sgmc_header_check(): one translation unit per public header that includes only that header,
# compiled into an object library, so that every header is self-contained (seastar's practice).
# The list of headers is found by a glob: it is a check, not a source list.
function(sgmc_header_check)
  set(units)
  foreach(module ${ARGN})
    file(GLOB_RECURSE headers CONFIGURE_DEPENDS
      RELATIVE ${CMAKE_SOURCE_DIR}/${module}/include
      ${CMAKE_SOURCE_DIR}/${module}/include/*.hpp)
    foreach(h ${headers})
      string(MAKE_C_IDENTIFIER ${h} id)
      set(unit ${CMAKE_BINARY_DIR}/header_check/${id}.cpp)
      file(CONFIGURE OUTPUT ${unit} CONTENT "#include \"${h}\"\n")
      list(APPEND units ${unit})
    endforeach()
  endforeach()
  add_library(sgmc_header_check OBJECT ${units})
  foreach(module ${ARGN})
    target_link_libraries(sgmc_header_check PRIVATE sgmc::${module})
  endforeach()
  target_link_libraries(sgmc_header_check PRIVATE sgmc::flags)
endfunction()
