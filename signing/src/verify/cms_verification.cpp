// Placeholder until the implementation lands; nothing calls it yet.
#include "verify/cms_verification.h"
