# Shortcuts for people who have make; the scripts are the real thing.
.PHONY: run test build bench bench-storage clean
run:
	script/server
test:
	script/test
build:
	script/build
bench:
	script/bench
bench-storage:
	script/bench-storage
clean:
	rm -rf build build-asan
