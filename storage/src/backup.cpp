// Placeholder until the implementation lands; nothing calls it yet.
