# cmake -DLLMON=path/to/llmon -DOUT=llmon.1.gz -P man_page.cmake
# Renders llmon(1) with `llmon --help-man` and compresses it without a timestamp (gzip -n).
get_filename_component(out_dir ${OUT} DIRECTORY)
string(REGEX REPLACE "\\.gz$" "" roff ${OUT})
execute_process(COMMAND ${LLMON} --help-man OUTPUT_FILE ${roff} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${LLMON} --help-man failed (${rc})")
endif()
execute_process(COMMAND gzip -9nf ${roff} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip ${roff} failed (${rc})")
endif()
