# Writes belay's bash completion script: cmake -DBELAY=<binary> -DOUTPUT=<file> -P this file.
execute_process(COMMAND "${BELAY}" completion bash OUTPUT_FILE "${OUTPUT}" RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${BELAY} completion bash failed: ${result}")
endif()
