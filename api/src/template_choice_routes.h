#pragma once

#include "api_services.h"
#include "router.h"

namespace vanthu::api {

/// An organisation's default outgoing template (GET/PUT
/// /api/v1/organizations/{id}/outgoing-template): the template new outgoing documents follow when
/// their drafter names none. Administrators of the organisation or of one above it read and set
/// it; it must be a shipped template or the organisation's own, of direction outgoing. Audited.
void registerTemplateChoiceRoutes(Router& router, ApiServices& services);

}  // namespace vanthu::api
