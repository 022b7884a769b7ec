// Placeholder until the implementation lands; nothing calls it yet.
#include "verify/pdf_revisions.h"
