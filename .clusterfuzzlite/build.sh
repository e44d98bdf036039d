#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: $CC, $CXX, $CFLAGS, $CXXFLAGS (sanitizer and coverage
# flags) and $LIB_FUZZING_ENGINE come from the environment; CMake adds none of its own when
# LIB_FUZZING_ENGINE is set (CMakeLists.txt). One binary holds every target (targets/README.md):
# it is copied to $OUT once per target, with the target's dictionary, .options and seed corpus.
cmake -S "$SRC/mtcfuzz" -B build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DMTC_BUILD_TESTS=OFF -DMTC_BUILD_BENCH=OFF \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS"
cmake --build build --target mtc_fuzz
corpus="$SRC/mtcfuzz/corpus"
for target in $(MTC_FUZZ_LIST=1 build/targets/mtc_fuzz | awk '$1 == "mtc-fuzz-target" { print $2 }'); do
  cp build/targets/mtc_fuzz "$OUT/$target"
  [ -f "$corpus/dict/$target.dict" ] && cp "$corpus/dict/$target.dict" "$OUT/"
  [ -f "$corpus/options/$target.options" ] && cp "$corpus/options/$target.options" "$OUT/"
  if [ -d "$corpus/$target" ]; then
    (cd "$corpus/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
  fi
done
