-- wrk: POST /api/v1/auth/login as one demo user (script/bench-http). Every request is a full
-- login: a PBKDF2-SHA256 check of 600,000 rounds, deliberately slow.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"username":"%s","password":"%s"}',
                         os.getenv("VANTHU_BENCH_USER") or "admin",
                         os.getenv("VANTHU_BENCH_PASSWORD") or "")
