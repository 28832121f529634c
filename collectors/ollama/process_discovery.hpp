#pragma once
// Finding the Ollama server's pid through a procfs root (listening socket, then process name).
// Pure parsers plus stateless directory scans; safe to call from any thread.
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmon::ollama {

// One line of /proc/net/tcp or /proc/net/tcp6: only what discovery needs.
struct ListenSocket {
  boost::asio::ip::address address;  // local address
  std::uint16_t port = 0;            // local port
  std::uint64_t inode = 0;           // 0 for sockets no process owns (e.g. TIME_WAIT)
  bool listening = false;            // state 0A (TCP_LISTEN)
};

// Every well-formed socket line of /proc/net/tcp (ipv6 = false) or /proc/net/tcp6 (ipv6 =
// true), listening or not. The header and malformed lines are skipped. Addresses are read in
// this machine's byte order, which is how the kernel prints them.
std::vector<ListenSocket> parse_proc_net_tcp(std::string_view text, bool ipv6);

// The inode of an fd symlink target "socket:[123456]"; nullopt for anything else.
std::optional<std::uint64_t> parse_socket_inode(std::string_view link_target);

// 127.0.0.0/8, ::1, ::ffff:127.x.y.z, 0.0.0.0, ::, "localhost" (any case), "[::1]" or "".
// Other names are not resolved (no DNS from a collector), so they count as remote.
bool is_local_host(std::string_view host);

// The pid holding a LISTEN socket on `port` (any local address, IPv4 or IPv6) according to
// {procfs_root}/net/tcp{,6} and {procfs_root}/<pid>/fd/*. Lowest pid first, first match wins.
// Vanished processes and unreadable fd directories (other users' processes when not root) are
// skipped, so without privileges this only finds processes of the same user.
std::optional<int> find_listening_pid(const std::filesystem::path& procfs_root, std::uint16_t port);

// A process whose {procfs_root}/<pid>/comm or argv[0] basename equals `name`. Ollama's model
// runners are child processes with the same name, so the choice is: argv[1] == "serve" first,
// then the earliest start time, then the lowest pid.
std::optional<int> find_pid_by_name(const std::filesystem::path& procfs_root,
                                    const std::string& name);

// find_listening_pid when `host` is local, then find_pid_by_name when `process_name` is not
// empty. nullopt when neither applies or neither finds anything.
std::optional<int> discover_ollama_pid(const std::filesystem::path& procfs_root,
                                       const std::string& host, std::uint16_t port,
                                       const std::string& process_name);

}  // namespace llmon::ollama
