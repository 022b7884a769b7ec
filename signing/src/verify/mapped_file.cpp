// Placeholder until the implementation lands; nothing calls it yet.
#include "verify/mapped_file.h"
