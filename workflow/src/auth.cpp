#include "vanthu/workflow/auth.h"

#include <algorithm>

namespace vanthu::workflow {

LoginThrottle afterLoginFailure(LoginThrottle state, int64_t now, const LockoutPolicy& policy) {
  if (state.lockedUntil != 0 && state.lockedUntil <= now) state.lockedUntil = 0;
  state.failures += 1;
  if (state.failures >= std::max(1, policy.maxFailures)) {
    int64_t period = std::max<int64_t>(1, policy.lockoutSeconds);
    for (int i = 0; i < state.lockouts && period < policy.maxLockoutSeconds; ++i) period *= 2;
    period = std::min(period, std::max(policy.maxLockoutSeconds, policy.lockoutSeconds));
    state.lockedUntil = now + period;
    state.lockouts += 1;
    state.failures = 0;
  }
  return state;
}

int64_t lockedFor(const LoginThrottle& state, int64_t now) {
  return state.lockedUntil > now ? state.lockedUntil - now : 0;
}

const std::vector<std::string>& knownApiScopes() {
  static const std::vector<std::string> scopes = {"exchange:inbox", "documents:read", "verify"};
  return scopes;
}

bool isKnownApiScope(const std::string& scope) {
  const auto& all = knownApiScopes();
  return std::find(all.begin(), all.end(), scope) != all.end();
}

}  // namespace vanthu::workflow
