# Called after mtc_fuzz is built: one symbolic link per target it lists (MTC_FUZZ_LIST=1), so
# `DIR/<target>` runs that target. Every other symbolic link in DIR (a removed target's) goes.
execute_process(COMMAND ${CMAKE_COMMAND} -E env MTC_FUZZ_LIST=1 ${BIN}
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${BIN} could not list its targets (exit ${rc})")
endif()
file(GLOB old LIST_DIRECTORIES false ${DIR}/*)
foreach(link ${old})
  if(IS_SYMLINK ${link})
    file(REMOVE ${link})
  endif()
endforeach()
get_filename_component(bin_name ${BIN} NAME)
string(REPLACE "\n" ";" lines "${out}")
foreach(line ${lines})
  # "mtc-fuzz-target NAME KIND DESCRIPTION"; anything else is the engine driver's own text.
  if(line MATCHES "^mtc-fuzz-target ([^ ]+)")
    file(CREATE_LINK ${bin_name} ${DIR}/${CMAKE_MATCH_1} SYMBOLIC)
  endif()
endforeach()
