#include "collectors/gpu/counter_history.hpp"

#include <vector>

namespace llmon::gpu {

namespace {

struct Series {
  std::optional<double> CounterPoint::*total;
  std::optional<double> CounterPoint::*reading;
};

double seconds(SteadyTime from, SteadyTime to) {
  return std::chrono::duration<double>(to - from).count();
}

// The running total at `x`, from samples that all have it (oldest first, at least one).
double total_at(const std::vector<const CounterPoint*>& p, const Series& s, SteadyTime x) {
  const CounterPoint& first = *p.front();
  const CounterPoint& last = *p.back();
  // Outside the samples the nearest reading is held: the first one stood for the time before it
  // too, the last one goes on until the next sample says otherwise.
  if (x <= first.time)
    return *(first.*s.total) - (first.*s.reading).value_or(0) * seconds(x, first.time);
  if (x >= last.time)
    return *(last.*s.total) + (last.*s.reading).value_or(0) * seconds(last.time, x);
  for (std::size_t i = 1; i < p.size(); ++i) {
    const CounterPoint& a = *p[i - 1];
    const CounterPoint& b = *p[i];
    if (x > b.time) continue;
    const double span = seconds(a.time, b.time);
    const double part = span > 0 ? seconds(a.time, x) / span : 1.0;
    return *(a.*s.total) + (*(b.*s.total) - *(a.*s.total)) * part;
  }
  return *(last.*s.total);
}

std::optional<double> integrate(const std::deque<CounterPoint>& points, const CounterPoint* anchor,
                                const Series& s, SteadyTime start, SteadyTime end) {
  std::vector<const CounterPoint*> p;
  if (anchor != nullptr && anchor->*s.total &&
      (points.empty() || anchor->time < points.front().time)) {
    p.push_back(anchor);  // the history no longer reaches back to it
  }
  for (const CounterPoint& point : points) {
    if (point.*s.total) p.push_back(&point);
  }
  if (p.empty()) return std::nullopt;
  bool inside = false;
  for (const CounterPoint* point : p)
    inside = inside || (point->time >= start && point->time <= end);
  const bool bracketed = p.front()->time <= start && p.back()->time >= end;
  if (!inside && !bracketed) return std::nullopt;
  return total_at(p, s, end) - total_at(p, s, start);
}

}  // namespace

void CounterHistory::add(const CounterPoint& point) {
  if (!points_.empty() && point.time < points_.back().time) return;
  points_.push_back(point);
  while (points_.size() > capacity_) points_.pop_front();
}

WindowTotals CounterHistory::totals(const CounterPoint* anchor, SteadyTime start,
                                    SteadyTime end) const {
  WindowTotals t;
  if (end < start) return t;
  t.busy_seconds = integrate(points_, anchor,
                             {&CounterPoint::busy_seconds, &CounterPoint::busy_ratio}, start, end);
  t.package_joules = integrate(
      points_, anchor, {&CounterPoint::package_joules, &CounterPoint::package_watts}, start, end);
  t.gfx_joules =
      integrate(points_, anchor, {&CounterPoint::gfx_joules, &CounterPoint::gfx_watts}, start, end);
  t.complete = !points_.empty() && points_.back().time >= end;
  return t;
}

}  // namespace llmon::gpu
