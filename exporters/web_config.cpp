#include "exporters/web_config.hpp"

#include "exporters/listen_address.hpp"

namespace llmon {

void read_web_config(const TableReader& t, WebConfig& web) {
  t.reject_unknown({"listen"});
  t.get("listen", web.listen);
  if (auto endpoint = parse_listen_address(web.listen); !endpoint && t.raw().contains("listen")) {
    t.error("listen", endpoint.error().message);
  }
}

void render_web_config(std::ostream& out, const WebConfig& web) {
  out << "[web]\n"
      << "listen = " << toml_quote(web.listen) << "\n";
}

}  // namespace llmon
