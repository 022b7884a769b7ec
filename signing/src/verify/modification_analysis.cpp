// Placeholder until the implementation lands; nothing calls it yet.
#include "verify/modification_analysis.h"
