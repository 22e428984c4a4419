# SPDX-License-Identifier: GPL-2.0-or-later
# Copies bcast.so into a Wireshark plugin folder (run by the targets
# bcast-install-user / bcast-install-global, see CMakeLists.txt).
#   -DSO=<bcast.so> -DABI=<major.minor> -DWHERE=user|global [-DGLOBAL_DIR=<dir>]
if(WHERE STREQUAL "user")
  if(NOT DEFINED ENV{HOME} OR "$ENV{HOME}" STREQUAL "")
    message(FATAL_ERROR "HOME is not set: cannot find the personal plugin folder")
  endif()
  # Wireshark 4.0 on Linux/macOS: ~/.local/lib/wireshark/plugins/<ABI>
  set(dest "$ENV{HOME}/.local/lib/wireshark/plugins/${ABI}/epan")
  execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(uid STREQUAL "0")
    message(WARNING "Installing into root's personal plugin folder: Wireshark running as root "
                    "ignores it. Use the target bcast-install-global instead.")
  endif()
elseif(WHERE STREQUAL "global")
  set(dest "${GLOBAL_DIR}/epan")
else()
  message(FATAL_ERROR "WHERE must be user or global")
endif()
file(MAKE_DIRECTORY "${dest}")
file(COPY "${SO}" DESTINATION "${dest}"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
message(STATUS "Installed ${dest}/bcast.so; check with: tshark -G plugins | grep bcast")
