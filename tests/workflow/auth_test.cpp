#include "vanthu/workflow/auth.h"

#include <catch2/catch.hpp>

using namespace vanthu::workflow;

TEST_CASE("lock-out: N failures lock for the period, each further lock-out doubles it, capped",
          "[workflow][auth]") {
  LockoutPolicy policy;
  policy.maxFailures = 5;
  policy.lockoutSeconds = 900;
  policy.maxLockoutSeconds = 3000;
  LoginThrottle state;
  for (int i = 0; i < 4; ++i) state = afterLoginFailure(state, 100, policy);
  CHECK(state.failures == 4);
  CHECK(lockedFor(state, 100) == 0);
  state = afterLoginFailure(state, 100, policy);
  CHECK(lockedFor(state, 100) == 900);
  CHECK(state.failures == 0);
  CHECK(lockedFor(state, 1000) == 0);  // the period is over
  for (int i = 0; i < 5; ++i) state = afterLoginFailure(state, 2000, policy);
  CHECK(lockedFor(state, 2000) == 1800);
  for (int i = 0; i < 5; ++i) state = afterLoginFailure(state, 9000, policy);
  CHECK(lockedFor(state, 9000) == 3000);  // 3600 capped
}

TEST_CASE("API token scopes are a closed list", "[workflow][auth]") {
  CHECK(isKnownApiScope("exchange:inbox"));
  CHECK(isKnownApiScope("documents:read"));
  CHECK(isKnownApiScope("verify"));
  CHECK_FALSE(isKnownApiScope("admin"));
  CHECK_FALSE(isKnownApiScope(""));
}
