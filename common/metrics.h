// A process-wide Prometheus metrics registry: counters, gauges and histograms with labels,
// rendered in the Prometheus text exposition format 0.0.4 for GET /metrics.
//
// Usage: describe() each metric once at startup (gives HELP and TYPE), then call inc/set/observe
// from anywhere. A metric used before it is described gets the type of the first call and an
// empty HELP. Label sets are matched as given: pass the same label names in the same order for
// one series. Keep label values low-cardinality (a verb or status, never a path or key): every
// distinct set lives until the process exits.
//
// Misuse never throws or crashes a hot path: an invalid metric or label name, a negative
// counter increment, or a call that does not fit the metric's type (set() on a counter,
// observe() on a gauge) is dropped and logged once.
//
// Thread-safe. inc/set/observe on an existing series take one mutex and two hash lookups and do
// not allocate.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class Type { kCounter, kGauge, kHistogram };

// Declares a metric's type and help text. Describing it again with the same type only updates
// the help; with another type it is ignored (and logged).
void describe(std::string_view name, Type type, std::string_view help);
// Adds `delta` (>= 0) to a counter; also works on a gauge, where delta may be negative.
void inc(std::string_view name, const Labels& labels = {}, double delta = 1);
// Sets a gauge.
void set(std::string_view name, const Labels& labels, double value);
// Records one observation (in seconds) in a histogram with buckets 0.0005 s .. 30 s.
void observe(std::string_view name, const Labels& labels, double value);
// All metrics in text format 0.0.4, sorted by name and labels, with HELP/TYPE lines.
std::string render();

}  // namespace strata::metrics
