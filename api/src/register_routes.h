#pragma once

#include "api_services.h"
#include "router.h"

namespace vanthu::api {

/// The Decree 30 registers (sổ đăng ký văn bản đi/đến) of the caller's organisation, and one
/// register's year exported as CSV or PDF, for the records office and the agency's leaders.
void registerRegisterRoutes(Router& router, ApiServices& services);

}  // namespace vanthu::api
