# Shortcuts for people who have make; the scripts are the real thing.
.PHONY: run test build bench clean
run:
	script/server
test:
	script/test
build:
	script/build
bench:
	script/build build -DVANTHU_BUILD_BENCH=ON
clean:
	rm -rf build build-asan
