// What Ollama process discovery reads from procfs: /proc/net/tcp and tcp6, and fd link targets.
#include "collectors/ollama/process_discovery.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const std::string_view text = fuzz::as_text(data, size);
  for (const bool ipv6 : {false, true}) {
    for (const auto& socket : ollama::parse_proc_net_tcp(text, ipv6)) {
      fuzz::check(socket.address.is_v6() == ipv6, "the address family follows the file");
    }
  }
  (void)ollama::parse_socket_inode(text);
  (void)ollama::is_local_host(text);
  return 0;
}
