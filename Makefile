# The two front-door commands: `make run` and `make test`.
.PHONY: run test build bench fuzz clean
run:
	scripts/run.sh
test:
	scripts/test.sh
build:
	bash scripts/setup.sh && scripts/build.sh build
fuzz:
	scripts/fuzz.sh
clean:
	rm -rf build build-asan build-fuzz
