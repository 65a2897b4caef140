#include "common/metrics.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace strata::metrics {
namespace {

// Latency buckets in seconds: from a fast metadata transaction to a slow 4 MiB upload.
constexpr std::array<double, 15> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                             0.25,   0.5,   1,      2.5,   5,     10,   30};

struct Series {
  double value = 0;                               // counter / gauge
  std::array<uint64_t, kBuckets.size() + 1> buckets{};  // histogram, non-cumulative; last = +Inf
  double sum = 0;
  uint64_t count = 0;
};

struct LabelsHash {
  size_t operator()(const Labels& labels) const noexcept {
    size_t h = 0;
    std::hash<std::string> hs;
    for (const auto& [k, v] : labels) {
      h = h * 1000003 ^ hs(k);
      h = h * 1000003 ^ hs(v);
    }
    return h;
  }
};

struct Family {
  Type type;
  std::string help;
  std::unordered_map<Labels, Series, LabelsHash> series;
};

// Heterogeneous lookup: find(std::string_view) without building a std::string.
struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

bool validMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool validLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;  // "__" is reserved by Prometheus
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  // "le" is the histogram bucket label; a caller's "le" would produce duplicate labels.
  return name != "le";
}

std::string_view typeName(Type type) {
  switch (type) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
  }
  return "untyped";
}

class Registry {
 public:
  void describe(std::string_view name, Type type, std::string_view help) {
    std::lock_guard lock(mu_);
    Family* f = familyLocked(name, type);
    if (f == nullptr) return;
    if (f->type != type) {
      // A family that has no series yet was only named by a stray call: let describe() win.
      if (!f->series.empty()) {
        complainLocked(name, "describe() with a type other than the one in use");
        return;
      }
      f->type = type;
    }
    f->help = std::string(help);
  }

  void inc(std::string_view name, const Labels& labels, double delta) {
    std::lock_guard lock(mu_);
    Family* f = familyLocked(name, Type::kCounter);
    if (f == nullptr) return;
    if (f->type == Type::kHistogram || (f->type == Type::kCounter && !(delta >= 0))) {
      complainLocked(name, "inc() with a negative delta or on a histogram");
      return;
    }
    if (Series* s = seriesLocked(*f, name, labels)) s->value += delta;
  }

  void set(std::string_view name, const Labels& labels, double value) {
    std::lock_guard lock(mu_);
    Family* f = familyLocked(name, Type::kGauge);
    if (f == nullptr) return;
    if (f->type != Type::kGauge) {
      complainLocked(name, "set() on a metric that is not a gauge");
      return;
    }
    if (Series* s = seriesLocked(*f, name, labels)) s->value = value;
  }

  void observe(std::string_view name, const Labels& labels, double value) {
    std::lock_guard lock(mu_);
    Family* f = familyLocked(name, Type::kHistogram);
    if (f == nullptr) return;
    if (f->type != Type::kHistogram) {
      complainLocked(name, "observe() on a metric that is not a histogram");
      return;
    }
    Series* s = seriesLocked(*f, name, labels);
    if (s == nullptr) return;
    size_t i = std::lower_bound(kBuckets.begin(), kBuckets.end(), value) - kBuckets.begin();
    s->buckets[i]++;  // i == kBuckets.size() is the +Inf bucket (also NaN)
    s->sum += value;
    s->count++;
  }

  std::string render() {
    std::lock_guard lock(mu_);
    std::vector<const std::pair<const std::string, Family>*> families;
    families.reserve(families_.size());
    for (const auto& entry : families_) families.push_back(&entry);
    std::sort(families.begin(), families.end(), [](auto* a, auto* b) { return a->first < b->first; });

    std::string out;
    for (const auto* entry : families) {
      const std::string& name = entry->first;
      const Family& f = entry->second;
      if (!f.help.empty()) out += fmt::format("# HELP {} {}\n", name, escapeHelp(f.help));
      out += fmt::format("# TYPE {} {}\n", name, typeName(f.type));
      std::vector<const std::pair<const Labels, Series>*> series;
      series.reserve(f.series.size());
      for (const auto& s : f.series) series.push_back(&s);
      std::sort(series.begin(), series.end(), [](auto* a, auto* b) { return a->first < b->first; });
      for (const auto* s : series) {
        if (f.type == Type::kHistogram) {
          renderHistogram(out, name, s->first, s->second);
        } else {
          out += fmt::format("{}{} {}\n", name, labelText(s->first, {}), number(s->second.value));
        }
      }
    }
    return out;
  }

 private:
  // Finds `name`, creating it with `type` when absent. nullptr (and a log line) when the name
  // is not a valid Prometheus metric name.
  Family* familyLocked(std::string_view name, Type type) {
    auto it = families_.find(name);
    if (it != families_.end()) return &it->second;
    if (!validMetricName(name)) {
      complainLocked(name, "invalid metric name");
      return nullptr;
    }
    Family& f = families_[std::string(name)];
    f.type = type;
    return &f;
  }

  Series* seriesLocked(Family& f, std::string_view name, const Labels& labels) {
    auto it = f.series.find(labels);
    if (it != f.series.end()) return &it->second;
    for (const auto& [k, v] : labels) {
      if (!validLabelName(k)) {
        complainLocked(name, "invalid label name");
        return nullptr;
      }
    }
    return &f.series[labels];
  }

  void complainLocked(std::string_view name, std::string_view what) {
    // Logged once per metric so a misused hot path cannot flood the log.
    if (complained_.insert(std::string(name)).second) {
      spdlog::error("metrics: {} for '{}'; dropped", what, name);
    }
  }

  static std::string escapeHelp(std::string_view s) {
    std::string out;
    for (char c : s) {
      if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    return out;
  }

  static std::string escapeValue(std::string_view s) {
    std::string out;
    for (char c : s) {
      if (c == '\\') out += "\\\\";
      else if (c == '"') out += "\\\"";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    return out;
  }

  // `{a="x",b="y"}`, with `le` appended for histogram buckets; "" when there are no labels.
  static std::string labelText(const Labels& labels, std::string_view le) {
    if (labels.empty() && le.empty()) return "";
    std::string out = "{";
    for (const auto& [k, v] : labels) {
      if (out.size() > 1) out += ',';
      out += fmt::format("{}=\"{}\"", k, escapeValue(v));
    }
    if (!le.empty()) {
      if (out.size() > 1) out += ',';
      out += fmt::format("le=\"{}\"", le);
    }
    out += '}';
    return out;
  }

  static std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", v);  // shortest representation that round-trips
  }

  static void renderHistogram(std::string& out, const std::string& name, const Labels& labels,
                              const Series& s) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += s.buckets[i];
      out += fmt::format("{}_bucket{} {}\n", name, labelText(labels, number(kBuckets[i])), cumulative);
    }
    out += fmt::format("{}_bucket{} {}\n", name, labelText(labels, "+Inf"), s.count);
    out += fmt::format("{}_sum{} {}\n", name, labelText(labels, {}), number(s.sum));
    out += fmt::format("{}_count{} {}\n", name, labelText(labels, {}), s.count);
  }

  std::mutex mu_;
  // State below is protected by mu_.
  std::unordered_map<std::string, Family, NameHash, std::equal_to<>> families_;
  std::unordered_set<std::string> complained_;
};

Registry& registry() {
  static auto* r = new Registry();  // never destroyed: metrics may be touched during exit
  return *r;
}

}  // namespace

void describe(std::string_view name, Type type, std::string_view help) {
  registry().describe(name, type, help);
}
void inc(std::string_view name, const Labels& labels, double delta) {
  registry().inc(name, labels, delta);
}
void set(std::string_view name, const Labels& labels, double value) {
  registry().set(name, labels, value);
}
void observe(std::string_view name, const Labels& labels, double value) {
  registry().observe(name, labels, value);
}
std::string render() { return registry().render(); }

}  // namespace strata::metrics
