# Shortcuts for people who have make; the scripts are the real thing.
.PHONY: run test build bench clean
run:
	script/server
test:
	script/test
build:
	script/build
bench:
	@echo "make bench: the peer benchmarks (bench/) are not written yet" >&2; exit 1
clean:
	rm -rf build build-asan
