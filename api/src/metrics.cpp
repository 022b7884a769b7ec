#include "metrics.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#ifndef VANTHU_VERSION
#define VANTHU_VERSION "unknown"
#endif

namespace vanthu::api {
namespace {

std::string formatNumber(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    char text[32];
    std::snprintf(text, sizeof text, "%.0f", value);
    return text;
  }
  // The shortest of 15 or 17 digits that reads back as the same double: "0.1", not
  // "0.10000000000000001".
  char text[40];
  std::snprintf(text, sizeof text, "%.15g", value);
  if (std::strtod(text, nullptr) != value) std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

std::string escapeLabelValue(const std::string& value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string labelText(const std::vector<std::string>& names, const LabelValues& values,
                      const std::string& extraName = "", const std::string& extraValue = "") {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!text.empty()) text += ',';
    text += names[i] + "=\"" + escapeLabelValue(values[i]) + '"';
  }
  if (!extraName.empty()) {
    if (!text.empty()) text += ',';
    text += extraName + "=\"" + escapeLabelValue(extraValue) + '"';
  }
  return text.empty() ? text : "{" + text + "}";
}

const char* typeName(MetricFamily::Type type) {
  switch (type) {
    case MetricFamily::Type::Counter:
      return "counter";
    case MetricFamily::Type::Gauge:
      return "gauge";
    case MetricFamily::Type::Histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

MetricFamily::MetricFamily(std::string name, std::string help, Type type,
                           std::vector<std::string> labelNames, std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      labelNames_(std::move(labelNames)),
      bounds_(std::move(buckets)) {}

void MetricFamily::add(std::atomic<double>& target, double amount) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + amount, std::memory_order_relaxed)) {
  }
}

MetricFamily::Series& MetricFamily::series(const LabelValues& values) {
  if (values.size() != labelNames_.size()) {
    throw std::logic_error("metric " + name_ + " takes " + std::to_string(labelNames_.size()) +
                           " label values");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = series_[values];
  if (!slot) {
    slot = std::make_unique<Series>();
    if (!bounds_.empty()) {
      slot->buckets = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size());
      for (size_t i = 0; i < bounds_.size(); ++i) slot->buckets[i] = 0;
    }
  }
  return *slot;
}

const MetricFamily::Series* MetricFamily::find(const LabelValues& values) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = series_.find(values);
  return found == series_.end() ? nullptr : found->second.get();
}

void MetricFamily::render(std::string& out) const {
  out += "# HELP " + name_ + " " + help_ + "\n";
  out += "# TYPE " + name_ + " " + typeName(type_) + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [values, series] : series_) {
    if (type_ != Type::Histogram) {
      out +=
          name_ + labelText(labelNames_, values) + " " + formatNumber(series->value.load()) + "\n";
      continue;
    }
    // Read the count first: buckets recorded after it only make +Inf look larger, never smaller
    // than a finite bucket, so the cumulative series stays monotonic.
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += series->buckets[i].load();
      out += name_ + "_bucket" + labelText(labelNames_, values, "le", formatNumber(bounds_[i])) +
             " " + std::to_string(cumulative) + "\n";
    }
    uint64_t count = std::max(cumulative, series->count.load());
    out += name_ + "_bucket" + labelText(labelNames_, values, "le", "+Inf") + " " +
           std::to_string(count) + "\n";
    out += name_ + "_sum" + labelText(labelNames_, values) + " " +
           formatNumber(series->value.load()) + "\n";
    out += name_ + "_count" + labelText(labelNames_, values) + " " + std::to_string(count) + "\n";
  }
}

void Counter::increment(const LabelValues& values, double amount) {
  if (amount < 0) throw std::logic_error("counter " + name_ + " cannot go down");
  add(series(values).value, amount);
}

double Counter::value(const LabelValues& values) const {
  const Series* found = find(values);
  return found ? found->value.load() : 0;
}

void Gauge::set(const LabelValues& values, double value) {
  series(values).value.store(value);
}

void Gauge::add(const LabelValues& values, double amount) {
  MetricFamily::add(series(values).value, amount);
}

double Gauge::value(const LabelValues& values) const {
  const Series* found = find(values);
  return found ? found->value.load() : 0;
}

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> labelNames,
                     std::vector<double> buckets)
    : MetricFamily(std::move(name), std::move(help), Type::Histogram, std::move(labelNames),
                   std::move(buckets)) {}

void Histogram::observe(const LabelValues& values, double value) {
  Series& target = series(values);
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) {
      ++target.buckets[i];
      break;
    }
  }
  add(target.value, value);
  ++target.count;
}

uint64_t Histogram::count(const LabelValues& values) const {
  const Series* found = find(values);
  return found ? found->count.load() : 0;
}

double Histogram::sum(const LabelValues& values) const {
  const Series* found = find(values);
  return found ? found->value.load() : 0;
}

std::vector<double> durationBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  std::vector<std::string> labelNames) {
  std::lock_guard<std::mutex> lock(mutex_);
  families_.push_back(std::make_unique<Counter>(name, help, std::move(labelNames)));
  return static_cast<Counter&>(*families_.back());
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                              std::vector<std::string> labelNames) {
  std::lock_guard<std::mutex> lock(mutex_);
  families_.push_back(std::make_unique<Gauge>(name, help, std::move(labelNames)));
  return static_cast<Gauge&>(*families_.back());
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      std::vector<std::string> labelNames,
                                      std::vector<double> buckets) {
  std::lock_guard<std::mutex> lock(mutex_);
  families_.push_back(
      std::make_unique<Histogram>(name, help, std::move(labelNames), std::move(buckets)));
  return static_cast<Histogram&>(*families_.back());
}

std::string MetricsRegistry::render() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& family : families_) family->render(out);
  return out;
}

ServerMetrics::ServerMetrics()
    : requests(registry.counter("vanthu_http_requests_total",
                                "HTTP requests answered, by method, route pattern and status",
                                {"method", "route", "status"})),
      requestDuration(registry.histogram("vanthu_http_request_duration_seconds",
                                         "Time to answer an HTTP request, by method and route",
                                         {"method", "route"})),
      requestsInFlight(
          registry.gauge("vanthu_http_requests_in_flight", "HTTP requests being answered now", {})),
      signings(registry.counter("vanthu_signing_operations_total",
                                "Signing operations, by result (success or an error code)",
                                {"result"})),
      signingDuration(
          registry.histogram("vanthu_signing_duration_seconds", "Time to sign a document", {})),
      verifications(registry.counter("vanthu_verifications_total",
                                     "Signature verifications, by overall verdict", {"verdict"})),
      verificationDuration(registry.histogram("vanthu_verification_duration_seconds",
                                              "Time to verify a document's signatures", {})),
      outboxMessages(registry.gauge("vanthu_exchange_outbox_messages",
                                    "Messages in the exchange outbox, by state", {"state"})),
      databaseConnections(
          registry.gauge("vanthu_db_connections", "Open connections to the metadata database", {})),
      databaseWait(registry.histogram(
          "vanthu_db_wait_seconds", "Time a request waited for the database connection", {},
          {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})),
      buildInfo(registry.gauge("vanthu_build_info", "The running version (always 1)", {"version"})),
      processStartTime(registry.gauge("process_start_time_seconds",
                                      "Start time of the process since the Unix epoch in seconds",
                                      {})) {
  buildInfo.set({VANTHU_VERSION}, 1);
  processStartTime.set(
      {},
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  requestsInFlight.set({}, 0);
  databaseConnections.set({}, 0);
}

ServerMetrics& serverMetrics() {
  static ServerMetrics metrics;
  return metrics;
}

std::string methodLabel(const std::string& method) {
  static const char* known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (const char* name : known) {
    if (method == name) return method;
  }
  return "other";
}

void recordHttpRequest(const std::string& method, const std::string& route, int status,
                       double seconds) {
  auto& metrics = serverMetrics();
  metrics.requests.increment({method, route, std::to_string(status)});
  metrics.requestDuration.observe({method, route}, seconds);
}

void recordSigning(const std::string& result, double seconds) {
  auto& metrics = serverMetrics();
  metrics.signings.increment({result});
  metrics.signingDuration.observe({}, seconds);
}

void recordVerification(const std::string& verdict, double seconds) {
  auto& metrics = serverMetrics();
  metrics.verifications.increment({verdict});
  metrics.verificationDuration.observe({}, seconds);
}

void recordDatabaseWait(double seconds) {
  serverMetrics().databaseWait.observe({}, seconds);
}

}  // namespace vanthu::api
