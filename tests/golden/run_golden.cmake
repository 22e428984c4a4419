# SPDX-License-Identifier: MIT
# Golden test runner (cmake -P).  One case = tests/golden/<case>.args (+ .out,
# optional .exit, optional .err).  Registered by tests/CMakeLists.txt as golden.<case>.
#
#   cmake -DCLI=<bcastdec> -DCASE=<dir>/<case> -DSRC=<repo root> -P run_golden.cmake
#
# <case>.args: one CLI argument per line, used verbatim (leading/trailing
#   spaces kept); empty lines and lines starting with '#' are skipped;
#   @SRC@ is replaced by the repo root.  An argument cannot contain ';'.
# The CLI runs with SRC as working directory and stdin from /dev/null.
# Its stdout must equal <case>.out byte for byte and its exit status must
# equal <case>.exit (a number; 0 when the file is absent).  When <case>.err
# exists, stderr must equal it byte for byte too (for error-path cases);
# otherwise stderr is not compared.  A sanitizer report on stderr always
# fails the case.
#
# BCASTDEC_GOLDEN_UPDATE=1 (environment or -D) rewrites <case>.out and
# <case>.exit from the actual run instead of comparing (.exit is written only
# for a non-zero status, and removed for 0), and <case>.err when the case
# has one (create an empty <case>.err first to start comparing stderr).
cmake_minimum_required(VERSION 3.20)

foreach(v CLI CASE SRC)
  if(NOT DEFINED ${v} OR "${${v}}" STREQUAL "")
    message(FATAL_ERROR "run_golden.cmake: -D${v}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${CLI}")
  message(FATAL_ERROR "run_golden.cmake: CLI not found: ${CLI}")
endif()
if(NOT EXISTS "${CASE}.args")
  message(FATAL_ERROR "run_golden.cmake: no ${CASE}.args")
endif()
get_filename_component(case_name "${CASE}" NAME)

set(update OFF)
if(DEFINED ENV{BCASTDEC_GOLDEN_UPDATE} AND "$ENV{BCASTDEC_GOLDEN_UPDATE}")
  set(update ON)
elseif(BCASTDEC_GOLDEN_UPDATE)
  set(update ON)
endif()

# --- arguments: one per line ---------------------------------------------
file(READ "${CASE}.args" text)
string(REPLACE "\r\n" "\n" text "${text}")
if(text MATCHES ";")
  message(FATAL_ERROR "run_golden.cmake: ${CASE}.args: ';' is not supported in arguments")
endif()
string(REPLACE "\n" ";" lines "${text}")
set(args)
foreach(line IN LISTS lines)
  if(line STREQUAL "" OR line MATCHES "^#")
    continue()
  endif()
  string(REPLACE "@SRC@" "${SRC}" line "${line}")
  list(APPEND args "${line}")
endforeach()

# --- run -----------------------------------------------------------------
# Actual output goes next to the test's working directory (the build tree),
# never into the source tree, so a failing case can be inspected afterwards.
set(outdir "${CMAKE_CURRENT_BINARY_DIR}/golden")
file(MAKE_DIRECTORY "${outdir}")
set(actual_out "${outdir}/${case_name}.actual")
set(actual_err "${outdir}/${case_name}.stderr")

string(REPLACE ";" " " shown "${args}")
message(STATUS "golden ${case_name}: ${CLI} ${shown}")
execute_process(
  COMMAND "${CLI}" ${args}
  WORKING_DIRECTORY "${SRC}"
  INPUT_FILE /dev/null
  OUTPUT_FILE "${actual_out}"
  ERROR_FILE "${actual_err}"
  RESULT_VARIABLE rc)

file(READ "${actual_err}" err)
if(err MATCHES "(AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:)")
  message("---- stderr ----\n${err}")
  message(FATAL_ERROR "golden ${case_name}: sanitizer report (see stderr above)")
endif()
if(NOT rc MATCHES "^[0-9]+$")
  message("---- stderr ----\n${err}")
  message(FATAL_ERROR "golden ${case_name}: CLI did not exit normally: ${rc}")
endif()

# --- update mode -----------------------------------------------------------
if(update)
  execute_process(COMMAND "${CMAKE_COMMAND}" -E copy "${actual_out}" "${CASE}.out"
                  RESULT_VARIABLE cp_rc)
  if(NOT cp_rc EQUAL 0)
    message(FATAL_ERROR "golden ${case_name}: cannot write ${CASE}.out")
  endif()
  if(EXISTS "${CASE}.err")
    execute_process(COMMAND "${CMAKE_COMMAND}" -E copy "${actual_err}" "${CASE}.err"
                    RESULT_VARIABLE cp_rc)
    if(NOT cp_rc EQUAL 0)
      message(FATAL_ERROR "golden ${case_name}: cannot write ${CASE}.err")
    endif()
  endif()
  if(rc EQUAL 0)
    file(REMOVE "${CASE}.exit")
  else()
    file(WRITE "${CASE}.exit" "${rc}\n")
  endif()
  message(STATUS "golden ${case_name}: UPDATED ${CASE}.out (exit ${rc})")
  return()
endif()

# --- compare -----------------------------------------------------------------
set(expected_rc 0)
if(EXISTS "${CASE}.exit")
  file(READ "${CASE}.exit" expected_rc)
  string(STRIP "${expected_rc}" expected_rc)
endif()
if(NOT EXISTS "${CASE}.out")
  message(FATAL_ERROR "golden ${case_name}: no ${CASE}.out; create it with "
                      "BCASTDEC_GOLDEN_UPDATE=1 ctest -R golden.${case_name}")
endif()

set(failed OFF)
find_program(DIFF diff)
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E compare_files "${CASE}.out" "${actual_out}"
  RESULT_VARIABLE same
  OUTPUT_QUIET ERROR_QUIET)
if(NOT same EQUAL 0)
  set(failed ON)
  if(DIFF)
    execute_process(
      COMMAND "${DIFF}" -u --label "expected ${case_name}.out" --label "actual"
              "${CASE}.out" "${actual_out}"
      OUTPUT_VARIABLE d)
    message("---- stdout differs (- expected, + actual) ----\n${d}")
  else()
    file(READ "${actual_out}" got)
    message("---- stdout differs; actual stdout ----\n${got}")
  endif()
endif()
if(EXISTS "${CASE}.err")
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E compare_files "${CASE}.err" "${actual_err}"
    RESULT_VARIABLE same_err
    OUTPUT_QUIET ERROR_QUIET)
  if(NOT same_err EQUAL 0)
    set(failed ON)
    if(DIFF)
      execute_process(
        COMMAND "${DIFF}" -u --label "expected ${case_name}.err" --label "actual"
                "${CASE}.err" "${actual_err}"
        OUTPUT_VARIABLE d)
      message("---- stderr differs (- expected, + actual) ----\n${d}")
    else()
      message("---- stderr differs; actual stderr ----\n${err}")
    endif()
    set(err "") # already shown
  endif()
endif()
if(NOT rc STREQUAL expected_rc)
  set(failed ON)
  message("---- exit status ${rc}, expected ${expected_rc} ----")
endif()
if(failed)
  if(NOT err STREQUAL "")
    message("---- stderr ----\n${err}")
  endif()
  message(FATAL_ERROR "golden ${case_name}: FAILED (actual output: ${actual_out}; "
                      "after review, BCASTDEC_GOLDEN_UPDATE=1 rewrites the expected files)")
endif()
message(STATUS "golden ${case_name}: ok")
