// Placeholder until the implementation lands; nothing calls it yet.
#include "vanthu/signing/signature_validator.h"
