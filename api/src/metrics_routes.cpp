#include "metrics_routes.h"

#include <openssl/crypto.h>

#include "http_support.h"
#include "metrics.h"
#include "vanthu/storage/sql_exchange_repository.h"

namespace vanthu::api {
namespace {

// CRYPTO_memcmp: the time taken does not tell a caller how much of a guess was right.
bool bearerMatches(const std::string& authorization, const std::string& token) {
  const std::string prefix = "Bearer ";
  if (authorization.size() != prefix.size() + token.size()) return false;
  if (authorization.compare(0, prefix.size(), prefix) != 0) return false;
  return CRYPTO_memcmp(authorization.data() + prefix.size(), token.data(), token.size()) == 0;
}

// Queue depths are read when scraped, so they are never stale and cost nothing between scrapes.
void collectQueueDepths(ApiServices& services) {
  auto counts = services.withDatabase([](storage::Database& database) {
    return storage::SqlExchangeRepository(database).outboxCountsByStatus();
  });
  auto& gauge = serverMetrics().outboxMessages;
  for (const char* state : {"pending", "delivered", "failed"}) gauge.set({state}, 0);
  for (const auto& [state, count] : counts) gauge.set({state}, static_cast<double>(count));
}

}  // namespace

void registerMetricsRoutes(Router& router, ApiServices& services) {
  router.add(
      {"GET",
       "/metrics",
       Access::anyone(),
       {"Prometheus metrics (text format 0.0.4); needs 'Authorization: Bearer' with "
        "metrics.token when that is set",
        "operations",
        "",
        200,
        "text",
        {},
        {401}}},
      [&services](RequestContext& context) {
        const std::string& token = services.config.metricsToken;
        if (!token.empty() && !bearerMatches(context.request.get("Authorization", ""), token)) {
          sendProblem(context, Status(ErrorCode::Unauthenticated,
                                      "/metrics needs 'Authorization: Bearer' with the "
                                      "token configured as metrics.token"));
          return;
        }
        collectQueueDepths(services);
        sendBody(context, 200, "text/plain; version=0.0.4; charset=utf-8",
                 serverMetrics().registry.render());
      });
}

}  // namespace vanthu::api
