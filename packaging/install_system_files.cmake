# Runs at install time (make install, cmake --install, CPack), when the prefix is known:
# places the systemd unit under PREFIX/lib/systemd/system and the configuration under
# SYSCONFDIR/llmon, and points the unit at both. DESTDIR is honoured by file(INSTALL).
#   prefix /usr (the Debian package):  /usr/lib/systemd/system, /etc/llmon/llmon.toml
#   prefix /usr/local or elsewhere:    PREFIX/lib/systemd/system, PREFIX/etc/llmon/llmon.toml
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(sysconfdir "/etc")
else()
  set(sysconfdir "${prefix}/etc")
endif()
set(config "${sysconfdir}/llmon/llmon.toml")
set(staging "${LLMON_BUILD_DIR}/install-staging")

file(READ "${LLMON_SOURCE_DIR}/systemd/llmon.service" unit)
string(REPLACE "ExecStart=/usr/bin/llmon serve" "ExecStart=${prefix}/bin/llmon serve" unit "${unit}")
string(REPLACE "file:/usr/share/doc/llmon/" "file:${prefix}/share/doc/llmon/" unit "${unit}")
if(NOT sysconfdir STREQUAL "/etc")
  # llmon's built-in default is /etc/llmon/llmon.toml: name the installed file instead.
  string(REPLACE "ExecStart=${prefix}/bin/llmon serve" "ExecStart=${prefix}/bin/llmon serve --config ${config}" unit "${unit}")
endif()
file(WRITE "${staging}/llmon.service" "${unit}")

file(INSTALL "${staging}/llmon.service" DESTINATION "${prefix}/lib/systemd/system"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL "${LLMON_SOURCE_DIR}/etc/llmon.toml" DESTINATION "${sysconfdir}/llmon"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
