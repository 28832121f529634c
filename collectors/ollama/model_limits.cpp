#include "collectors/ollama/model_limits.hpp"

#include <algorithm>
#include <numeric>
#include <tuple>

namespace llmon::ollama {

std::size_t keep_first_models(std::vector<LoadedModel>& loaded, std::size_t limit) {
  if (loaded.size() <= limit) return 0;
  std::vector<std::size_t> order(loaded.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto by_name = [&](std::size_t a, std::size_t b) {
    return std::tie(loaded[a].name, a) < std::tie(loaded[b].name, b);
  };
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(limit), order.end(),
                   by_name);
  std::vector<bool> keep(loaded.size(), false);
  for (std::size_t i = 0; i < limit; ++i) keep[order[i]] = true;
  std::vector<LoadedModel> kept;
  kept.reserve(limit);
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    if (keep[i]) kept.push_back(std::move(loaded[i]));
  }
  const std::size_t dropped = loaded.size() - kept.size();
  loaded = std::move(kept);
  return dropped;
}

}  // namespace llmon::ollama
