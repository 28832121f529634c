# Install rules (`make install`, PREFIX and DESTDIR), the llmon(1) manual page, and the
# Debian package (`make package`, CPack). Included from the top-level CMakeLists.txt.
include(GNUInstallDirs)

# --- llmon(1): rendered by the binary itself from its help tables (daemon/help.hpp), so the
# page and `--help` never disagree; gzip -n keeps it byte-for-byte reproducible.
set(LLMON_MAN_PAGE ${CMAKE_BINARY_DIR}/llmon.1.gz)
add_custom_command(
  OUTPUT ${LLMON_MAN_PAGE}
  COMMAND ${CMAKE_COMMAND} -DLLMON=$<TARGET_FILE:llmon> -DOUT=${LLMON_MAN_PAGE}
          -P ${CMAKE_CURRENT_LIST_DIR}/man_page.cmake
  DEPENDS llmon ${CMAKE_CURRENT_LIST_DIR}/man_page.cmake
  COMMENT "Rendering llmon(1) from llmon --help-man")
add_custom_target(man_page ALL DEPENDS ${LLMON_MAN_PAGE})

# --- hardening: the flags Debian's dpkg-buildflags gives packaged daemons (lintian checks
# them in the package); fortification needs optimisation, so not in Debug builds.
option(LLMON_HARDENING "Build with Debian's hardening flags (fortify, stack protector, bindnow)"
       ON)
if(LLMON_HARDENING)
  target_compile_definitions(llmon_core PUBLIC $<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
  target_compile_options(llmon_core PUBLIC -fstack-protector-strong)
  target_link_options(llmon PRIVATE -Wl,-z,relro -Wl,-z,now)
  target_compile_definitions(llmon_tls PRIVATE $<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
  target_compile_options(llmon_tls PRIVATE -fstack-protector-strong)
  target_link_options(llmon_tls PRIVATE -Wl,-z,relro -Wl,-z,now)
endif()

# --- install rules ---
install(TARGETS llmon RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Like dh_strip: the compiler's .comment notes are no use in an installed binary or plugin.
install(CODE "set(LLMON_TLS_PLUGIN_FILE \"${LLMON_PLUGIN_RELATIVE_DIR}/llmon-tls.so\")")
install(CODE [[
  if(CMAKE_INSTALL_DO_STRIP)
    foreach(file bin/llmon ${LLMON_TLS_PLUGIN_FILE})
      execute_process(COMMAND objcopy --remove-section=.comment
                              "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${file}")
    endforeach()
  endif()
]])
install(FILES ${LLMON_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# The unit and the configuration depend on the prefix chosen at install time (cmake --install
# --prefix, CPack's /usr), so a script places them then: see install_system_files.cmake.
install(CODE "set(LLMON_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")
              set(LLMON_BUILD_DIR \"${CMAKE_BINARY_DIR}\")")
install(SCRIPT ${CMAKE_CURRENT_LIST_DIR}/install_system_files.cmake)
# Dashboards, provisioning and alert rules (not their promtool tests), when the tree has them.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/grafana DESTINATION ${CMAKE_INSTALL_DATADIR}/llmon OPTIONAL)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/prometheus DESTINATION ${CMAKE_INSTALL_DATADIR}/llmon
        OPTIONAL PATTERN tests EXCLUDE)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
        FILES_MATCHING PATTERN "*.md")
install(FILES ${CMAKE_SOURCE_DIR}/systemd/llmon.service.d/read-ollama-environment.conf
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/llmon.service.d)

# --- the Debian package: build/llmon_<version>_amd64.deb ---
execute_process(COMMAND git log -1 --format=%an\ <%ae> WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                OUTPUT_VARIABLE LLMON_GIT_AUTHOR OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(COMMAND git log -1 --format=%cD WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                OUTPUT_VARIABLE LLMON_GIT_DATE OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT LLMON_GIT_AUTHOR)
  set(LLMON_GIT_AUTHOR "llmon maintainers <llmon@localhost>")
endif()
if(NOT LLMON_GIT_DATE)
  string(TIMESTAMP LLMON_GIT_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
endif()
set(LLMON_PACKAGE_MAINTAINER "${LLMON_GIT_AUTHOR}" CACHE STRING
    "Maintainer field of the Debian package (default: the author of the last commit)")

# Debian wants a changelog and the maintainer scripts with fixed modes.
set(LLMON_DEB_DIR ${CMAKE_BINARY_DIR}/deb)
configure_file(${CMAKE_CURRENT_LIST_DIR}/deb/changelog.in ${LLMON_DEB_DIR}/changelog @ONLY)
add_custom_command(
  OUTPUT ${LLMON_DEB_DIR}/changelog.gz
  COMMAND gzip -9nkf ${LLMON_DEB_DIR}/changelog
  DEPENDS ${LLMON_DEB_DIR}/changelog)
add_custom_target(deb_changelog ALL DEPENDS ${LLMON_DEB_DIR}/changelog.gz)
install(FILES ${LLMON_DEB_DIR}/changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME llmon)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${LLMON_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
# Install into the staging tree with DESTDIR and prefix /usr, so the install script above
# sees the real prefix and puts the configuration in /etc.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_FILE_NAME "llmon_${PROJECT_VERSION}_amd64")
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Prometheus exporter for local LLM inference boxes (AMD GPU, Ollama)")
# The long description; CPack puts the summary first and indents every line.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "llmon watches an AMD GPU (APUs such as Ryzen AI Max, discrete Radeon cards)
and every Ollama instance on the machine, and serves what it sees as
Prometheus metrics: GPU busy, memory pools (VRAM and GTT), power and energy,
clocks, temperatures, loaded models and how much of each sits on the GPU, the
server process, and optional scheduled benchmarks.

It reads sysfs, procfs, Ollama's HTTP API and, when installed, the ROCm SMI
library; it runs as a hardened systemd service.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# procps: /bin/kill of ExecReload= (not in a minimal Debian); adduser: the llmon user
# (postinst); the libraries come from dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, procps")
# dlopen()ed at run time: llmon falls back to sysfs without it.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS librocm-smi64-1)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_LIST_DIR}/deb/postinst ${CMAKE_CURRENT_LIST_DIR}/deb/prerm
    ${CMAKE_CURRENT_LIST_DIR}/deb/postrm ${CMAKE_CURRENT_LIST_DIR}/deb/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
