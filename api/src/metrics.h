#pragma once

// Prometheus metrics (text exposition format 0.0.4) without a client library: counters, gauges
// and histograms with label sets. Recording takes one short lock to find the series and then
// updates atomics; rendering copies under the same lock.
//
// Label values must come from bounded sets (route patterns, status codes, verdicts), never from
// raw paths or user input, so a scrape stays small.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace vanthu::api {

using LabelValues = std::vector<std::string>;

class MetricFamily {
 public:
  enum class Type { Counter, Gauge, Histogram };
  MetricFamily(std::string name, std::string help, Type type, std::vector<std::string> labelNames,
               std::vector<double> buckets = {});
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const { return name_; }
  void render(std::string& out) const;

 protected:
  struct Series {
    std::atomic<double> value{0};  // counter or gauge; for a histogram: the sum
    std::atomic<uint64_t> count{0};
    std::unique_ptr<std::atomic<uint64_t>[]> buckets;  // per upper bound, not cumulative
  };
  Series& series(const LabelValues& values);
  const Series* find(const LabelValues& values) const;
  static void add(std::atomic<double>& target, double amount);

  std::string name_;
  std::string help_;
  Type type_;
  std::vector<std::string> labelNames_;
  std::vector<double> bounds_;

 private:
  mutable std::mutex mutex_;
  std::map<LabelValues, std::unique_ptr<Series>> series_;
};

class Counter : public MetricFamily {
 public:
  Counter(std::string name, std::string help, std::vector<std::string> labelNames)
      : MetricFamily(std::move(name), std::move(help), Type::Counter, std::move(labelNames)) {}
  void increment(const LabelValues& values, double amount = 1);
  double value(const LabelValues& values) const;
};

class Gauge : public MetricFamily {
 public:
  Gauge(std::string name, std::string help, std::vector<std::string> labelNames)
      : MetricFamily(std::move(name), std::move(help), Type::Gauge, std::move(labelNames)) {}
  void set(const LabelValues& values, double value);
  void add(const LabelValues& values, double amount);
  double value(const LabelValues& values) const;
};

class Histogram : public MetricFamily {
 public:
  Histogram(std::string name, std::string help, std::vector<std::string> labelNames,
            std::vector<double> buckets);
  void observe(const LabelValues& values, double value);
  uint64_t count(const LabelValues& values) const;
  double sum(const LabelValues& values) const;
};

/// Buckets for durations in seconds, from 5 ms to 60 s.
std::vector<double> durationBuckets();

class MetricsRegistry {
 public:
  Counter& counter(const std::string& name, const std::string& help,
                   std::vector<std::string> labelNames);
  Gauge& gauge(const std::string& name, const std::string& help,
               std::vector<std::string> labelNames);
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<std::string> labelNames,
                       std::vector<double> buckets = durationBuckets());
  /// The text exposition format 0.0.4, families in registration order.
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<MetricFamily>> families_;
};

/// The families vanthu exposes at /metrics, process-wide (like the process they describe).
struct ServerMetrics {
  MetricsRegistry registry;
  Counter& requests;
  Histogram& requestDuration;
  Gauge& requestsInFlight;
  Counter& signings;
  Histogram& signingDuration;
  Counter& verifications;
  Histogram& verificationDuration;
  Gauge& outboxMessages;
  Gauge& databaseConnections;
  Histogram& databaseWait;
  Gauge& buildInfo;
  Gauge& processStartTime;

  ServerMetrics();
};

ServerMetrics& serverMetrics();

/// Counts a request in vanthu_http_requests_in_flight for as long as it lives.
class InFlightRequest {
 public:
  InFlightRequest() { serverMetrics().requestsInFlight.add({}, 1); }
  ~InFlightRequest() { serverMetrics().requestsInFlight.add({}, -1); }
  InFlightRequest(const InFlightRequest&) = delete;
  InFlightRequest& operator=(const InFlightRequest&) = delete;
};

/// The method as a label: the standard ones as they are, anything else "other".
std::string methodLabel(const std::string& method);
/// One answered HTTP request; `route` is the matched pattern or "unmatched".
void recordHttpRequest(const std::string& method, const std::string& route, int status,
                       double seconds);
/// One signing attempt; `result` is "success" or an error code name (e.g. "invalid_password").
void recordSigning(const std::string& result, double seconds);
/// One verification; `verdict` is the overall verdict (e.g. "valid", "invalid", "indeterminate").
void recordVerification(const std::string& verdict, double seconds);
/// Time a request waited for the database connection.
void recordDatabaseWait(double seconds);

}  // namespace vanthu::api
