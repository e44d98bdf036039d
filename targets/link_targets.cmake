# Called after a fuzz binary is built: one symbolic link per target it lists (MTC_FUZZ_LIST=1),
# so `DIR/<target>` runs that target. The binary's old links go first (a removed target's),
# and so does any link whose binary is gone; other binaries' links stay.
execute_process(COMMAND ${CMAKE_COMMAND} -E env MTC_FUZZ_LIST=1 ${BIN}
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${BIN} could not list its targets (exit ${rc})")
endif()
get_filename_component(bin_name ${BIN} NAME)
file(GLOB old LIST_DIRECTORIES false ${DIR}/*)
foreach(link ${old})
  if(IS_SYMLINK ${link})
    file(READ_SYMLINK ${link} to)
    if(to STREQUAL bin_name OR NOT EXISTS ${DIR}/${to})
      file(REMOVE ${link})
    endif()
  endif()
endforeach()
string(REPLACE "\n" ";" lines "${out}")
foreach(line ${lines})
  # "mtc-fuzz-target NAME KIND DESCRIPTION"; anything else is the engine driver's own text.
  if(line MATCHES "^mtc-fuzz-target ([^ ]+)")
    file(CREATE_LINK ${bin_name} ${DIR}/${CMAKE_MATCH_1} SYMBOLIC)
  endif()
endforeach()
